import type { ArtifactStore } from '../storage/artifacts/artifact-store.js';
import { runStepAttempt } from './step-attempt.js';
import type { StepAttemptResult, StepExecutionHooks, StepExecutor, StepTask } from './step-executor.js';

/** Options of the embedded executor. */
export interface LocalExecutorOptions {
  artifacts: ArtifactStore;
  /** Scratch folder for attempts (inputs fetched, outputs written before upload). */
  workRoot: string;
}

/** The embedded default: command steps as child processes, function steps in this process. */
export class LocalExecutor implements StepExecutor {
  readonly kind = 'local' as const;
  constructor(private readonly options: LocalExecutorOptions) {}

  execute(task: StepTask, hooks: StepExecutionHooks): Promise<StepAttemptResult> {
    return runStepAttempt(task, hooks, { artifacts: this.options.artifacts, workRoot: this.options.workRoot, executedBy: 'local' });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
