import type { Dataset, Run, RunInfo, RunStatus } from '../tracking/model.js';
import { AscentError } from '../core/errors.js';
import { BATCH_LIMITS } from './batch-chunks.js';
import { checkKey, toKeyValues, type KeyValues } from './key-values.js';
import type { MetricPoint, RunsApi } from './runs-api.js';

/** How a RunHandle buffers metrics. */
export interface RunHandleOptions {
  /** Send buffered metrics at least this often (ms); 0 turns the timer off. Default 2,000. */
  flushIntervalMs?: number;
  /** Send as soon as this many points are buffered (at most 1,000, the server's batch limit). */
  batchSize?: number;
}

/** Tag MLflow uses for the role of a dataset input (`training`, `validation`, …). */
const DATASET_CONTEXT_TAG = 'mlflow.data.context';

/**
 * A RunHandle is an open run seen from training code, like mlflow's fluent API: params and tags
 * are sent at once, metrics are buffered and sent in batches, `end()` flushes and closes the run.
 *
 * Buffered metrics go out when `batchSize` points are waiting (the `logMetric` call that fills the
 * buffer waits for the send, which bounds memory), every `flushIntervalMs`, and on `flush()` or
 * `end()`. A send that fails after the transport's retries is reported by the next `logMetric`,
 * `flush` or `end` call; its points are not re-sent. Call `end()` (or use `client.withRun`) so the
 * last points are not lost when the program exits.
 */
export class RunHandle {
  readonly runId: string;
  readonly experimentId: string;
  /** The run as the server created it. */
  readonly run: Run;
  private readonly runs: RunsApi;
  private readonly batchSize: number;
  private buffer: MetricPoint[] = [];
  /** Sends are chained so at most one batch is in flight and batches arrive in logging order. */
  private queue: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private ended: Promise<RunInfo> | undefined;

  constructor(runs: RunsApi, run: Run, options: RunHandleOptions = {}) {
    this.runs = runs;
    this.run = run;
    this.runId = run.info.runId;
    this.experimentId = run.info.experimentId;
    this.batchSize = Math.max(1, Math.min(options.batchSize ?? BATCH_LIMITS.maxBatchMetrics, BATCH_LIMITS.maxBatchMetrics));
    const interval = options.flushIntervalMs ?? 2_000;
    if (interval > 0) {
      this.timer = setInterval(() => this.enqueue(), interval);
      // A forgotten run must not keep the process alive; end() is what guarantees delivery.
      this.timer.unref?.();
    }
  }

  /** Number of metric points logged but not yet handed to a send. */
  get pendingPoints(): number {
    return this.buffer.length;
  }

  /** Buffer one metric point; resolves at once unless the buffer is full and a batch must be sent. */
  async logMetric(key: string, value: number, step?: number, timestamp?: number): Promise<void> {
    this.assertOpen();
    this.throwFailure();
    checkKey(key);
    if (typeof value !== 'number') throw new AscentError('INVALID_ARGUMENT', `Metric '${key}' value must be a number, got ${typeof value}`, { field: 'value' });
    if (step !== undefined && !Number.isSafeInteger(step)) throw new AscentError('INVALID_ARGUMENT', `Metric '${key}' step must be an integer, got ${step}`, { field: 'step' });
    this.buffer.push({ key, value, step: step ?? 0, timestamp: timestamp ?? Date.now() });
    if (this.buffer.length >= this.batchSize) await this.flush();
  }

  /** Buffer several metrics at the same step and time. */
  async logMetrics(metrics: Record<string, number>, step?: number): Promise<void> {
    const timestamp = Date.now();
    for (const [key, value] of Object.entries(metrics)) await this.logMetric(key, value, step, timestamp);
  }

  /** Send params now (values are stringified); a param's value cannot change once logged. */
  async logParams(params: Record<string, string | number | boolean>): Promise<void> {
    this.assertOpen();
    await this.runs.logBatch(this.runId, { params });
  }

  async logParam(key: string, value: string | number | boolean): Promise<void> {
    await this.logParams({ [key]: value });
  }

  /** Send tags now, replacing earlier values of the same keys. */
  async setTags(tags: KeyValues): Promise<void> {
    this.assertOpen();
    await this.runs.logBatch(this.runId, { tags: toKeyValues(tags) });
  }

  async setTag(key: string, value: string): Promise<void> {
    await this.setTags([{ key, value }]);
  }

  /** Record a dataset the run used; `context` says its role (`training`, `evaluation`, …). */
  async logInput(dataset: Dataset, options: { context?: string; tags?: KeyValues } = {}): Promise<void> {
    this.assertOpen();
    const tags = toKeyValues(options.tags);
    if (options.context !== undefined) tags.push({ key: DATASET_CONTEXT_TAG, value: options.context });
    await this.runs.logInputs(this.runId, [{ dataset, tags }]);
  }

  /**
   * Upload a local file to `<artifactPath>/<file name>` (the artifact root without `artifactPath`).
   * Node only: the file is read with `node:fs`.
   */
  async logArtifact(localPath: string, artifactPath?: string): Promise<void> {
    this.assertOpen();
    const [{ readFile }, nodePath] = await Promise.all([import('node:fs/promises'), import('node:path')]);
    const bytes = await readFile(localPath);
    await this.runs.uploadArtifact(this.runId, joinArtifactPath(artifactPath, nodePath.basename(localPath)), bytes);
  }

  /** Upload every file under a local directory, keeping its layout, below `artifactPath`. Node only. */
  async logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    this.assertOpen();
    const [{ readdir, readFile }, nodePath] = await Promise.all([import('node:fs/promises'), import('node:path')]);
    const walk = async (dir: string, prefix: string | undefined): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const target = joinArtifactPath(prefix, entry.name);
        const local = nodePath.join(dir, entry.name);
        if (entry.isDirectory()) await walk(local, target);
        else if (entry.isFile()) await this.runs.uploadArtifact(this.runId, target, await readFile(local));
      }
    };
    await walk(localDir, artifactPath);
  }

  /** Store a string as an artifact file, e.g. `logText(report, 'eval/report.md')`. */
  async logText(text: string, artifactFile: string): Promise<void> {
    this.assertOpen();
    await this.runs.uploadArtifact(this.runId, artifactFile, text);
  }

  /** Send every buffered point and wait for all sends; throws the first failure not yet reported. */
  async flush(): Promise<void> {
    this.enqueue();
    await this.queue;
    this.throwFailure();
  }

  /**
   * Flush and close the run with `status` and the current end time. If metrics could not be
   * delivered, the run is closed as FAILED and the delivery error is thrown. Calling it again
   * returns the first call's result.
   */
  end(status: RunStatus = 'FINISHED'): Promise<RunInfo> {
    this.ended ??= this.close(status);
    return this.ended;
  }

  private async close(status: RunStatus): Promise<RunInfo> {
    if (this.timer) clearInterval(this.timer);
    let failure: { error: unknown } | undefined;
    try {
      await this.flush();
    } catch (error) {
      failure = { error };
    }
    try {
      const info = await this.runs.update(this.runId, { status: failure ? 'FAILED' : status, endTime: Date.now() });
      if (failure) throw failure.error;
      return info;
    } catch (error) {
      // The delivery failure explains more than a failed status update that followed it.
      throw failure ? failure.error : error;
    }
  }

  /** Hand the buffer to the send queue without waiting (the timer's path: it has no caller to tell). */
  private enqueue(): void {
    if (this.buffer.length === 0) return;
    const points = this.buffer;
    this.buffer = [];
    this.queue = this.queue.then(async () => {
      try {
        await this.runs.logBatch(this.runId, { metrics: points });
      } catch (error) {
        this.failure ??= { error };
      }
    });
  }

  private throwFailure(): void {
    const failure = this.failure;
    if (failure) {
      this.failure = undefined;
      throw failure.error;
    }
  }

  private assertOpen(): void {
    if (this.ended) throw new Error(`run ${this.runId} has ended; start a new run to log more`);
  }
}

function joinArtifactPath(dir: string | undefined, name: string): string {
  const base = (dir ?? '').replace(/^\/+|\/+$/g, '');
  return base ? `${base}/${name}` : name;
}
