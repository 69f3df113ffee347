import { Worker } from 'node:worker_threads';
import { AscentError } from '../../core/errors.js';
import { unavailable } from './tensor-checks.js';

/**
 * Worker threads that run a model's predictions off the server's event loop, one job per thread at
 * a time: the `js` runtime's module workers and the `onnx` runtime's session workers.
 *
 * A thread speaks a small protocol. After start-up it posts `{type: 'ready', ...}` or
 * `{type: 'failed', error}`; for each job `{id, ...payload}` it posts `{type: 'result', outputs}` or
 * `{type: 'error', error}`, where `error` is `{message, code?, field?}`.
 */

/** A started thread and what its ready message carried. */
export interface PoolThread {
  worker: Worker;
  ready: Record<string, unknown>;
}

/** An error a thread reported: its message, and an Ascent error code and field when it gave them. */
export interface ThreadError {
  message: string;
  code?: string;
  field?: string;
}

export interface StartThreadOptions {
  /** Source of the thread (CommonJS), started with `eval: true` so sources and dist/ run the same file. */
  source: string;
  workerData: unknown;
  heapMb?: number;
  /** The error a failed start becomes (its message says why). */
  loadError: (message: string) => Error;
  timeoutMs?: number;
}

const LOAD_TIMEOUT_MS = 120_000;

/** Start one thread and wait for its ready message. */
export function startPoolThread(options: StartThreadOptions): Promise<PoolThread> {
  const worker = new Worker(options.source, { eval: true, workerData: options.workerData, ...(options.heapMb ? { resourceLimits: { maxOldGenerationSizeMb: options.heapMb } } : {}) });
  return new Promise((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? LOAD_TIMEOUT_MS;
    const fail = (message: string) => {
      clearTimeout(timer);
      void worker.terminate();
      reject(options.loadError(message));
    };
    worker.once('message', (msg: { type: string; error?: ThreadError }) => {
      clearTimeout(timer);
      worker.removeAllListeners('error').removeAllListeners('exit');
      if (msg.type === 'ready') resolve({ worker, ready: msg as Record<string, unknown> });
      else fail(msg.error?.message ?? 'unknown error');
    });
    worker.once('error', (err) => fail(err.message));
    worker.once('exit', (code) => fail(`worker exited with code ${code}`));
    // A thread whose start never settles must not hold the deployment forever.
    const timer = setTimeout(() => fail(`the worker did not start within ${timeoutMs} ms`), timeoutMs);
    timer.unref();
  });
}

interface Job {
  payload: Record<string, unknown>;
  signal: AbortSignal | undefined;
  resolve: (outputs: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Jobs wait in arrival order for an idle thread. A thread that crashes, exits, or runs a job whose
 * caller aborts is ended and replaced (a job cannot be interrupted inside its thread); if a
 * replacement cannot start and no thread is left, the pool is broken and refuses jobs.
 */
export class WorkerPool {
  private closed = false;
  private readonly idle: PoolThread[];
  private readonly queue: Job[] = [];
  private busy = 0;
  private broken = false;
  private drained: (() => void) | null = null;

  /**
   * @param label how errors name the model, e.g. `Model 'iris'`
   * @param errorOf the error a job's reported failure becomes
   */
  constructor(
    private readonly label: string,
    private readonly threads: PoolThread[],
    private readonly spawn: () => Promise<PoolThread>,
    private readonly errorOf: (e: ThreadError) => Error,
  ) {
    this.idle = [...threads];
  }

  /** Threads running now. */
  get size(): number {
    return this.threads.length;
  }

  usable(): boolean {
    return !this.closed && !this.broken;
  }

  /** Run one job: resolves with the thread's `outputs`. */
  run(payload: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    if (this.closed) return Promise.reject(unavailable(`${this.label} is closed`));
    if (this.broken) return Promise.reject(unavailable(`${this.label} has no worker thread left`));
    return new Promise((resolve, reject) => {
      this.queue.push({ payload, signal, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(unavailable(`${this.label} is closed`));
    if (this.busy > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await Promise.all(this.threads.splice(0).map((t) => t.worker.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const job = this.queue.shift()!;
      if (job.signal?.aborted) {
        job.reject(job.signal.reason);
        continue;
      }
      this.start(this.idle.pop()!, job);
    }
  }

  private start(thread: PoolThread, job: Job): void {
    this.busy++;
    const { worker } = thread;
    let settled = false;
    const finish = (ok: boolean, value: unknown, healthy: boolean) => {
      if (settled) return;
      settled = true;
      this.busy--;
      worker.removeListener('message', onMessage).removeListener('error', onError).removeListener('exit', onExit);
      job.signal?.removeEventListener('abort', onAbort);
      if (ok) job.resolve(value);
      else job.reject(value);
      if (healthy) this.release(thread);
      else this.replace(thread);
    };
    const onMessage = (msg: { type: string; outputs?: unknown; error?: ThreadError }) => {
      if (msg.type === 'result') finish(true, msg.outputs, true);
      else finish(false, this.errorOf(msg.error ?? { message: 'unknown error' }), true);
    };
    const onError = (err: Error) => finish(false, new AscentError('INTERNAL', `${this.label} crashed: ${err.message}`), false);
    const onExit = (code: number) => finish(false, new AscentError('INTERNAL', `${this.label} worker exited with code ${code}`), false);
    const onAbort = () => {
      finish(false, job.signal!.reason, false);
      void worker.terminate();
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    job.signal?.addEventListener('abort', onAbort, { once: true });
    worker.postMessage({ id: 0, ...job.payload });
  }

  private release(thread: PoolThread): void {
    if (this.closed) return this.checkDrained();
    this.idle.push(thread);
    this.dispatch();
  }

  private replace(thread: PoolThread): void {
    this.threads.splice(this.threads.indexOf(thread), 1);
    void thread.worker.terminate();
    if (this.closed) return this.checkDrained();
    this.spawn().then(
      (fresh) => {
        if (this.closed) return void fresh.worker.terminate();
        this.threads.push(fresh);
        this.release(fresh);
      },
      (err: unknown) => {
        if (this.threads.length === 0) this.broken = true;
        for (const job of this.queue.splice(0)) job.reject(err);
      },
    );
  }

  private checkDrained(): void {
    if (this.busy === 0) this.drained?.();
  }
}
