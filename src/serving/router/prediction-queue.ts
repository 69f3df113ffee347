import { AscentError } from '../../core/errors.js';
import type { LoadedModel, PredictOptions, Tensor } from '../model-runtime.js';
import { concatRows, rowLayout, splitRows } from './row-batches.js';

/** What a queue needs to know about its variant. */
export interface PredictionQueueOptions {
  /** Model calls running at once. */
  concurrency: number;
  /** Requests allowed to wait while every call slot is busy; beyond it the caller gets 429. */
  maxQueue: number;
  /** Rows one model call may take from waiting requests (1: no batching). */
  maxBatch: number;
  /** Names the variant in errors. */
  describe: string;
  /** Told once if the model's outputs turn out not to split by row (batching then stops for it). */
  onUnbatchable?: (reason: string) => void;
}

interface Waiting {
  inputs: Tensor[];
  options: PredictOptions;
  rows: number;
  /** Requests with the same layout can share a model call; null: always called alone. */
  layout: string | null;
  resolve(outputs: Tensor[]): void;
  reject(err: unknown): void;
}

/**
 * Admission control and dynamic batching for one variant's model.
 *
 * At most `concurrency` model calls run at once and at most `maxQueue` requests wait while they
 * do; anything beyond is refused at once with RATE_LIMITED (429), so a slow variant never grows an
 * unbounded backlog. With `maxBatch` > 1 and a model whose inputs have a variable first dimension,
 * requests that wait together (those that arrive in the same turn of the event loop, or while
 * every slot is busy) and share an input layout go to the model as one call of up to `maxBatch`
 * rows; the outputs are split back by row. A failed batch is retried one request at a time, so
 * each caller gets its own answer or its own error. Nothing waits on purpose: a request that
 * arrives alone is called alone, one event-loop turn later.
 */
export class PredictionQueue {
  /** Model calls running. */
  private active = 0;
  private running = 0;
  private waiting: Waiting[] = [];
  private scheduled = false;
  private batching: boolean;
  private idleWaiters: (() => void)[] = [];
  private callCount = 0;
  private callRequestCount = 0;

  constructor(private readonly model: LoadedModel, private readonly options: PredictionQueueOptions) {
    this.batching = options.maxBatch > 1 && model.metadata.inputs.length > 0 && model.metadata.inputs.every((s) => s.shape[0] === -1);
  }

  /** Requests inside running model calls. */
  get inFlight(): number {
    return this.running;
  }
  /** Requests waiting for a call. */
  get queued(): number {
    return this.waiting.length;
  }
  /**
   * True when a new request would be refused: `maxQueue` requests wait beyond what the free call
   * slots will take at the next dispatch (a slot takes one request, or up to `maxBatch` when
   * batching). So a burst read in one event-loop turn is bounded too, not only a busy variant's queue.
   */
  get full(): boolean {
    const free = this.options.concurrency - this.active;
    return this.waiting.length >= this.options.maxQueue + (free > 0 ? free * this.maxBatch : 0);
  }
  /** Model calls dispatched so far (a batch is one; retrying a failed batch's requests is not counted). */
  get calls(): number {
    return this.callCount;
  }
  /** Requests those calls served: callRequests / calls is the mean batch, in requests. */
  get callRequests(): number {
    return this.callRequestCount;
  }
  /** Rows a model call takes at most: 1 when batching is off (or was turned off for this model). */
  get maxBatch(): number {
    return this.batching ? this.options.maxBatch : 1;
  }

  predict(inputs: Tensor[], options: PredictOptions): Promise<Tensor[]> {
    const layout = this.batching ? rowLayout(inputs, options) : null;
    if (layout === null && this.active < this.options.concurrency && this.waiting.length === 0) {
      this.started(1);
      return this.callAlone(inputs, options).finally(() => this.finished(1));
    }
    if (this.full) {
      const { concurrency, maxQueue, describe } = this.options;
      return Promise.reject(new AscentError('RATE_LIMITED', `${describe} is at capacity (${concurrency} running, ${maxQueue} queued); retry later`));
    }
    return new Promise<Tensor[]>((resolve, reject) => {
      this.waiting.push({ inputs, options, rows: inputs[0]?.shape[0] ?? 1, layout, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once nothing runs or waits (used to drain an old revision before closing it). */
  idle(): Promise<void> {
    if (this.active === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Dispatch on the next turn, after the current one has queued everything it read. */
  private schedule(): void {
    if (this.scheduled || this.active >= this.options.concurrency) return;
    this.scheduled = true;
    setImmediate(this.dispatch);
  }

  private readonly dispatch = (): void => {
    this.scheduled = false;
    while (this.active < this.options.concurrency && this.waiting.length > 0) {
      const batch = this.takeBatch();
      this.started(batch.length);
      void this.call(batch).finally(() => this.finished(batch.length));
    }
  };

  /** The head of the queue plus every later request with its layout, up to `maxBatch` rows. */
  private takeBatch(): Waiting[] {
    const head = this.waiting[0]!;
    if (head.layout === null || head.rows >= this.options.maxBatch) return this.waiting.splice(0, 1);
    const batch = [head];
    const rest: Waiting[] = [];
    let rows = head.rows;
    for (let i = 1; i < this.waiting.length; i++) {
      const w = this.waiting[i]!;
      if (w.layout === head.layout && rows + w.rows <= this.options.maxBatch) {
        batch.push(w);
        rows += w.rows;
      } else rest.push(w);
    }
    this.waiting = rest;
    return batch;
  }

  /** A model call for `requests` requests begins. */
  private started(requests: number): void {
    this.active++;
    this.running += requests;
    this.callCount++;
    this.callRequestCount += requests;
  }

  private finished(requests: number): void {
    this.active--;
    this.running -= requests;
    if (this.waiting.length > 0) this.schedule();
    else if (this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async call(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) return this.answerAlone(batch[0]!);
    let outputs: Tensor[];
    try {
      outputs = await this.model.predict(concatRows(batch.map((w) => w.inputs)), batch[0]!.options);
    } catch {
      // One bad request must not fail the others, and each caller gets its own error.
      for (const w of batch) await this.answerAlone(w);
      return;
    }
    const parts = splitRows(outputs, batch.map((w) => w.rows));
    if (typeof parts === 'string') {
      this.batching = false;
      this.options.onUnbatchable?.(parts);
      for (const w of batch) await this.answerAlone(w);
      return;
    }
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(parts[i]!);
  }

  private async answerAlone(w: Waiting): Promise<void> {
    try {
      w.resolve(await this.callAlone(w.inputs, w.options));
    } catch (err) {
      w.reject(err);
    }
  }

  /** One model call; a runtime that throws synchronously rejects like one that rejects. */
  private async callAlone(inputs: Tensor[], options: PredictOptions): Promise<Tensor[]> {
    return this.model.predict(inputs, options);
  }
}
