import os from 'node:os';
import type { PgBoss } from 'pg-boss';
import { systemClock, type Clock } from '../../core/clock.js';
import type { ArtifactStore } from '../../storage/artifacts/artifact-store.js';
import { runStepAttempt } from '../step-attempt.js';
import type { StepAttemptResult, StepExecutionHooks, StepTask } from '../step-executor.js';
import type { StepDispatchStore } from './dispatch-store.js';
import { STEP_QUEUE, type StepJob } from './step-queue.js';

/** How a worker runs one attempt; `runStepAttempt` unless a caller supplies another. */
export type AttemptRunner = (task: StepTask, hooks: StepExecutionHooks, env: { artifacts: ArtifactStore; workRoot: string; executedBy: string }) => Promise<StepAttemptResult>;

export interface QueueWorkerOptions {
  store: StepDispatchStore;
  boss: PgBoss;
  artifacts: ArtifactStore;
  /** Scratch folder for attempts. */
  workRoot: string;
  /** Shown as `executedBy` of every step it runs (default `<hostname>/<pid>`). */
  workerId?: string;
  /** Attempts run at once (default 1). */
  concurrency?: number;
  /** How often the worker proves it is alive (default 5 s; keep well under the server's lease). */
  heartbeatMs?: number;
  /** Log lines are written in batches at least this often (default 200 ms). */
  logFlushMs?: number;
  clock?: Clock;
  runAttempt?: AttemptRunner;
  /** Called after each attempt this worker finished (recorded or fenced off). */
  onAttempt?: (event: { dispatchId: string; stepName: string; delivery: number; status: string; recorded: boolean }) => void;
  onError?: (err: unknown) => void;
}

interface LogRow {
  dispatchId: string;
  delivery: number;
  stream: string;
  line: string;
  time: number;
}

/**
 * The `ascent worker` loop: takes step jobs from the queue, claims the dispatch for its delivery,
 * runs the attempt (inputs and outputs through the artifact store), heartbeats and ships log lines
 * while it runs, and records the result only if the delivery is still its own.
 */
export class QueueWorker {
  readonly workerId: string;
  private readonly options: QueueWorkerOptions;
  private readonly clock: Clock;
  private readonly runAttempt: AttemptRunner;
  private readonly active = new Set<Promise<void>>();
  private workId: string | undefined;

  constructor(options: QueueWorkerOptions) {
    this.options = options;
    this.workerId = options.workerId ?? `${os.hostname()}/${process.pid}`;
    this.clock = options.clock ?? systemClock;
    this.runAttempt = options.runAttempt ?? runStepAttempt;
  }

  async start(): Promise<void> {
    this.workId = await this.options.boss.work<StepJob>(
      STEP_QUEUE,
      { localConcurrency: this.options.concurrency ?? 1, batchSize: 1, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 5 },
      async (jobs) => {
        for (const job of jobs) {
          const run = this.handle(job.data);
          this.active.add(run);
          try {
            await run;
          } finally {
            this.active.delete(run);
          }
        }
      },
    );
  }

  /** Stop taking jobs and wait for running attempts to finish (their results are recorded). */
  async stop(): Promise<void> {
    if (this.workId) await this.options.boss.offWork(STEP_QUEUE, { id: this.workId, wait: false });
    await Promise.all([...this.active]);
  }

  /** Run one delivery of one dispatch (exported for tests that drive a worker without the queue). */
  async handle(job: StepJob): Promise<void> {
    const { store } = this.options;
    const task = await store.claim(job.dispatchId, job.delivery, this.workerId, this.clock.now());
    // Stale job: the dispatch moved on (redelivered, cancelled or done) before this worker got to it.
    if (!task) return;
    const controller = new AbortController();
    let logs: LogRow[] = [];
    let flushing: Promise<void> = Promise.resolve();
    const flush = () => {
      const batch = logs;
      logs = [];
      flushing = flushing.then(() => store.appendLogs(batch)).catch((err: unknown) => this.options.onError?.(err));
      return flushing;
    };
    const logTimer = setInterval(() => void flush(), this.options.logFlushMs ?? 200);
    const beat = setInterval(() => {
      store
        .heartbeat(job.dispatchId, job.delivery, this.workerId, this.clock.now())
        .then((mine) => {
          // Superseded or cancelled: stop the step; whatever it produces would be discarded anyway.
          if (!mine) controller.abort();
        })
        .catch((err: unknown) => this.options.onError?.(err));
    }, this.options.heartbeatMs ?? 5_000);
    let result: StepAttemptResult;
    try {
      // A redelivery writes its outputs beside the first delivery's, never over them: a worker that
      // was presumed dead but still runs cannot change bytes another delivery already hashed.
      const runTask = job.delivery === 1 ? task : { ...task, outputPrefix: `${task.outputPrefix.replace(/\/+$/, '')}/delivery-${job.delivery}` };
      result = await this.runAttempt(
        runTask,
        { onLog: (stream, line) => logs.push({ dispatchId: job.dispatchId, delivery: job.delivery, stream, line, time: this.clock.now() }), signal: controller.signal },
        { artifacts: this.options.artifacts, workRoot: this.options.workRoot, executedBy: this.workerId },
      );
    } catch (err) {
      result = { status: 'failed', error: (err as Error).message, outputs: [], executedBy: this.workerId };
    } finally {
      clearInterval(beat);
      clearInterval(logTimer);
    }
    await flush();
    const recorded = await store.complete(job.dispatchId, job.delivery, this.workerId, result, this.clock.now());
    this.options.onAttempt?.({ dispatchId: job.dispatchId, stepName: task.stepName, delivery: job.delivery, status: result.status, recorded });
  }
}
