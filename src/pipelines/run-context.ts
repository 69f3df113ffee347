import type { Clock } from '../core/clock.js';
import type { ArtifactStore } from '../storage/artifacts/artifact-store.js';
import type { TrackingService } from '../tracking/service.js';
import type { RegistryService } from '../registry/service.js';
import type { CodeDigests } from './cache-key.js';
import type { DatasetSnapshot } from './dataset-snapshot.js';
import type { ParamValue, PipelineRun, PipelineVersion, StepLogLine, StepRun } from './model.js';
import type { StepExecutor } from './step-executor.js';
import type { PipelineStore } from './store.js';

/** The services a run needs; built once by `PipelineService`. */
export interface PipelineDeps {
  store: PipelineStore;
  tracking: TrackingService;
  registry: RegistryService;
  artifacts: ArtifactStore;
  executor: StepExecutor;
  clock: Clock;
  /** The server's URL, handed to steps as MLFLOW_TRACKING_URI (null before it listens). */
  trackingUri(): string | null;
}

/** Everything shared by the steps of one executing run. */
export interface RunContext {
  deps: PipelineDeps;
  run: PipelineRun;
  version: PipelineVersion;
  params: Record<string, ParamValue>;
  /** Step runs by expanded name (`train[2]`), kept current as steps change. */
  steps: Map<string, StepRun>;
  datasets: Map<string, DatasetSnapshot>;
  digests: CodeDigests;
  lockfile: string;
  signal: AbortSignal;
}

/** Batches a step's log lines into the store (every 250 ms or 200 lines) and numbers them. */
export class StepLog {
  private buffer: StepLogLine[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly store: PipelineStore, private readonly stepRunId: string, private seq: number, private readonly clock: Clock) {}

  static async open(store: PipelineStore, stepRunId: string, clock: Clock): Promise<StepLog> {
    return new StepLog(store, stepRunId, await store.lastLogSeq(stepRunId), clock);
  }

  write(attempt: number, stream: StepLogLine['stream'], line: string): void {
    this.buffer.push({ seq: ++this.seq, attempt, stream, line, time: this.clock.now() });
    if (this.buffer.length >= 200) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), 250);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const lines = this.buffer;
    this.buffer = [];
    // Chained so batches land in order even when a flush is slow.
    this.flushing = this.flushing.then(() => (lines.length ? this.store.appendLogs(this.stepRunId, lines) : undefined)).catch(() => undefined);
    return this.flushing;
  }
}
