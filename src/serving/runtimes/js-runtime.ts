import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AscentError, ERROR_CATALOGUE, invalid, type ErrorCode } from '../../core/errors.js';
import { specsFromSignature } from '../codec/signature-specs.js';
import type { LoadedModel, ModelMetadata, ModelRuntime, PredictOptions, RuntimeLoadOptions, Tensor, TensorSpec } from '../model-runtime.js';
import { JS_WORKER_SOURCE } from './js-worker-source.js';
import { fileInside, readLocalPackage } from './package-dir.js';
import { checkInputs, checkOutputNames, unavailable } from './tensor-checks.js';

/**
 * What a `js` flavor model module exports. `load` runs once per worker thread; `predict` gets the
 * input tensors and what `load` returned. `metadata` describes the tensors (else the MLmodel
 * signature does). A module may throw an error with `code: 'INVALID_ARGUMENT'` to refuse input.
 */
export interface JsModelModule<State = unknown> {
  metadata?: { inputs: TensorSpec[]; outputs: TensorSpec[] };
  load?(context: { packageDir: string; name: string; version: string }): State | Promise<State>;
  predict(inputs: Tensor[], state: State, parameters?: Record<string, unknown>): Tensor[] | Promise<Tensor[]>;
}

/** Options of the JS runtime. */
export interface JsRuntimeOptions {
  /** Worker threads per loaded model when the load does not say (its `concurrency`). */
  defaultConcurrency?: number;
  /** Heap limit of each worker thread. */
  maxOldGenerationSizeMb?: number;
}

/** Serves `js` flavor packages: the module runs in a pool of worker threads, one prediction per thread at a time. */
export class JsRuntime implements ModelRuntime {
  readonly kind = 'js' as const;
  private readonly loaded = new Set<JsLoadedModel>();
  constructor(private readonly options: JsRuntimeOptions = {}) {}

  async load(options: RuntimeLoadOptions): Promise<LoadedModel> {
    const pkg = await readLocalPackage(options.packageDir);
    const entry = pkg.manifest.flavors.js?.entry;
    if (typeof entry !== 'string') throw invalid(`The package of '${options.name}' has no js flavor`, 'flavors.js');
    const file = await fileInside(pkg.dir, entry, 'flavors.js.entry');
    const spawn = () => startWorker(file, { packageDir: pkg.dir, name: options.name, version: options.version }, this.options.maxOldGenerationSizeMb);
    const size = Math.max(1, options.concurrency ?? this.options.defaultConcurrency ?? 2);
    const first = await spawn();
    const described = first.metadata ?? specsFromSignature(pkg.signature);
    const metadata: ModelMetadata = { name: options.name, versions: [options.version], platform: 'ascent_js', inputs: described.inputs, outputs: described.outputs };
    const rest = await Promise.all(Array.from({ length: size - 1 }, spawn)).catch(async (err: unknown) => {
      await first.worker.terminate();
      throw err;
    });
    const model = new JsLoadedModel(metadata, [first, ...rest], spawn, () => this.loaded.delete(model));
    this.loaded.add(model);
    return model;
  }

  async close(): Promise<void> {
    await Promise.all([...this.loaded].map((m) => m.close()));
  }
}

interface PoolWorker {
  worker: Worker;
  metadata: { inputs: TensorSpec[]; outputs: TensorSpec[] } | null;
}

interface Job {
  inputs: Tensor[];
  parameters: Record<string, unknown> | undefined;
  signal: AbortSignal | undefined;
  resolve: (t: Tensor[]) => void;
  reject: (e: unknown) => void;
}

const LOAD_TIMEOUT_MS = 120_000;

function startWorker(file: string, context: { packageDir: string; name: string; version: string }, heapMb: number | undefined): Promise<PoolWorker> {
  const worker = new Worker(JS_WORKER_SOURCE, { eval: true, workerData: { url: pathToFileURL(file).href, context }, ...(heapMb ? { resourceLimits: { maxOldGenerationSizeMb: heapMb } } : {}) });
  return new Promise((resolve, reject) => {
    const fail = (message: string) => {
      void worker.terminate();
      reject(invalid(`The js model module '${context.name}' failed to load: ${message}`, 'flavors.js.entry'));
    };
    worker.once('message', (msg: { type: string; metadata?: PoolWorker['metadata']; error?: { message: string } }) => {
      worker.removeAllListeners('error').removeAllListeners('exit');
      if (msg.type === 'ready') resolve({ worker, metadata: msg.metadata ?? null });
      else fail(msg.error?.message ?? 'unknown error');
    });
    worker.once('error', (err) => fail(err.message));
    worker.once('exit', (code) => fail(`worker exited with code ${code}`));
    // A module whose load() never settles must not hold the deployment forever.
    const timer = setTimeout(() => fail(`load() did not finish within ${LOAD_TIMEOUT_MS} ms`), LOAD_TIMEOUT_MS);
    timer.unref();
    worker.once('message', () => clearTimeout(timer));
  });
}

class JsLoadedModel implements LoadedModel {
  private closed = false;
  private readonly idle: PoolWorker[];
  private readonly queue: Job[] = [];
  private busy = 0;
  /** Set when a replacement thread fails to load: the model cannot serve until reloaded. */
  private broken = false;
  private drained: (() => void) | null = null;

  constructor(readonly metadata: ModelMetadata, private readonly pool: PoolWorker[], private readonly spawn: () => Promise<PoolWorker>, private readonly onClose: () => void) {
    this.idle = [...pool];
  }

  ready(): boolean {
    return !this.closed && !this.broken;
  }

  predict(inputs: Tensor[], options: PredictOptions = {}): Promise<Tensor[]> {
    if (this.closed) return Promise.reject(unavailable(`Model '${this.metadata.name}' is closed`));
    try {
      checkInputs(inputs, this.metadata.inputs);
      checkOutputNames(options.outputs, this.metadata.outputs);
    } catch (err) {
      return Promise.reject(err);
    }
    const wanted = options.outputs;
    return new Promise<Tensor[]>((resolve, reject) => {
      this.queue.push({ inputs, parameters: options.parameters, signal: options.signal, resolve: (out) => resolve(wanted ? out.filter((t) => wanted.includes(t.name)) : out), reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const job = this.queue.shift()!;
      if (job.signal?.aborted) {
        job.reject(job.signal.reason);
        continue;
      }
      this.run(this.idle.pop()!, job);
    }
  }

  private run(pw: PoolWorker, job: Job): void {
    this.busy++;
    const { worker } = pw;
    let settled = false;
    const finish = (ok: boolean, value: unknown, healthy: boolean) => {
      if (settled) return;
      settled = true;
      this.busy--;
      worker.removeListener('message', onMessage).removeListener('error', onError).removeListener('exit', onExit);
      job.signal?.removeEventListener('abort', onAbort);
      if (ok) job.resolve(value as Tensor[]);
      else job.reject(value);
      if (healthy) this.release(pw);
      else this.replace(pw);
    };
    const onMessage = (msg: { type: string; outputs?: Tensor[]; error?: { message: string; code?: string; field?: string } }) => {
      if (msg.type === 'result') finish(true, msg.outputs, true);
      else finish(false, modelError(this.metadata.name, msg.error!), true);
    };
    const onError = (err: Error) => finish(false, new AscentError('INTERNAL', `Model '${this.metadata.name}' crashed: ${err.message}`), false);
    const onExit = (code: number) => finish(false, new AscentError('INTERNAL', `Model '${this.metadata.name}' worker exited with code ${code}`), false);
    // A slow prediction cannot be interrupted inside its thread; an abort ends the thread and a fresh one replaces it.
    const onAbort = () => {
      finish(false, job.signal!.reason, false);
      void worker.terminate();
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    job.signal?.addEventListener('abort', onAbort, { once: true });
    worker.postMessage({ id: 0, inputs: job.inputs, parameters: job.parameters });
  }

  private release(pw: PoolWorker): void {
    if (this.closed) return this.checkDrained();
    this.idle.push(pw);
    this.dispatch();
  }

  private replace(pw: PoolWorker): void {
    this.pool.splice(this.pool.indexOf(pw), 1);
    void pw.worker.terminate();
    if (this.closed) return this.checkDrained();
    this.spawn().then(
      (fresh) => {
        if (this.closed) return void fresh.worker.terminate();
        this.pool.push(fresh);
        this.release(fresh);
      },
      (err: unknown) => {
        if (this.pool.length === 0) this.broken = true;
        for (const job of this.queue.splice(0)) job.reject(err);
      },
    );
  }

  private checkDrained(): void {
    if (this.busy === 0) this.drained?.();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    for (const job of this.queue.splice(0)) job.reject(unavailable(`Model '${this.metadata.name}' is closed`));
    if (this.busy > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await Promise.all(this.pool.splice(0).map((pw) => pw.worker.terminate()));
  }
}

function modelError(name: string, e: { message: string; code?: string; field?: string }): AscentError {
  if (e.code && e.code in ERROR_CATALOGUE) return new AscentError(e.code as ErrorCode, e.message, e.field ? { field: e.field } : {});
  return new AscentError('INTERNAL', `Model '${name}' failed: ${e.message}`);
}
