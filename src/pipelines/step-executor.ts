/**
 * The executor port: how a planned, fully resolved step attempt gets run. The scheduler (DAG
 * planner, cache, retries, tracking) lives above it and never knows where a step runs.
 *
 * Implementations: `LocalExecutor` (embedded default: child processes and in-process functions)
 * and `QueueExecutor` (steps go to a PostgreSQL-backed queue; `ascent worker` processes claim and
 * run them, moving inputs and outputs through the artifact store).
 */

/** One input a step reads: an upstream output or a dataset, already stored in the artifact store. */
export interface StepTaskInput {
  name: string;
  /** Path in the artifact store (file or directory prefix). */
  artifactPath: string;
  /** Content digest (`sha256:…`) recorded when the input was produced or registered. */
  digest: string;
  isDir: boolean;
}

/** One output a step declares: a file or folder, relative to its output directory. */
export interface StepTaskOutput {
  name: string;
  /** Relative to the step's output directory (ASCENT_OUTPUT_DIR). */
  path: string;
  /** Declared as a folder: created before the step starts so it can write into it. */
  isDir?: boolean;
}

/** Everything needed to run one attempt of one step, anywhere; serializable as JSON. */
export interface StepTask {
  pipelineRunId: string;
  stepRunId: string;
  stepName: string;
  /** 1-based attempt number; an executor must never record outputs of a superseded attempt. */
  attempt: number;
  kind: 'command' | 'function';
  /** argv for `command` steps (no shell unless argv[0] is a shell). */
  command?: string[];
  /** For `function` steps: an importable module path (absolute file path) and the export to call. */
  module?: string;
  exportName?: string;
  /** Working directory for command steps; the pipeline file's directory by default. */
  cwd: string;
  /** Full extra environment: params, MLFLOW_TRACKING_URI, MLFLOW_RUN_ID, MLFLOW_EXPERIMENT_ID, ASCENT_INPUT_DIR, ASCENT_OUTPUT_DIR, the step's env. */
  env: Record<string, string>;
  params: Record<string, unknown>;
  inputs: StepTaskInput[];
  outputs: StepTaskOutput[];
  /** Artifact-store prefix under which this attempt's outputs are uploaded. */
  outputPrefix: string;
  timeoutMs: number;
}

/** One stored output after a successful attempt. */
export interface StepOutputRecord {
  name: string;
  artifactPath: string;
  digest: string;
  sizeBytes: number;
  isDir: boolean;
}

export type StepAttemptStatus = 'succeeded' | 'failed' | 'timed_out' | 'cancelled';

/** The outcome of one attempt. */
export interface StepAttemptResult {
  status: StepAttemptStatus;
  exitCode?: number | null;
  /** A short reason for failure, shown to users. */
  error?: string;
  outputs: StepOutputRecord[];
  /** Where the attempt ran (e.g. `local` or a worker id). */
  executedBy: string;
}

/** Callbacks from a running attempt. */
export interface StepExecutionHooks {
  /** Called for each log line as it is produced (stored and streamed by the caller). */
  onLog(stream: 'stdout' | 'stderr', line: string): void;
  /** Aborted on cancellation; the executor stops the attempt and resolves with `cancelled`. */
  signal: AbortSignal;
  /**
   * In-process metric logging for function steps; when absent, `ctx.logMetric` posts to
   * MLFLOW_TRACKING_URI like any MLflow client (what remote workers do).
   */
  logMetric?(key: string, value: number, step: number): Promise<void>;
}

/** A StepExecutor runs step attempts; the scheduler awaits one promise per attempt. */
export interface StepExecutor {
  readonly kind: 'local' | 'queue';
  execute(task: StepTask, hooks: StepExecutionHooks): Promise<StepAttemptResult>;
  close(): Promise<void>;
}
