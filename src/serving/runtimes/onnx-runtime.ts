import { createRequire } from 'node:module';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import ort from 'onnxruntime-node';
import { AscentError, invalid } from '../../core/errors.js';
import type { LoadedModel, ModelExecution, ModelMetadata, ModelRuntime, PredictOptions, RuntimeLoadOptions, Tensor, TensorDatatype, TensorSpec } from '../model-runtime.js';
import { ONNX_WORKER_SOURCE } from './onnx-worker-source.js';
import { fileInside, readLocalPackage } from './package-dir.js';
import { Semaphore, checkInputs, checkOutputNames, unavailable } from './tensor-checks.js';
import { startPoolThread, WorkerPool } from './worker-pool.js';

/**
 * Where an onnx model's predictions run. onnxruntime-node's `run` is synchronous underneath its
 * promise: it holds the event loop for the whole inference (microsoft/onnxruntime#19611), so a slow
 * model would stall every request the server has. `inline` runs on the event loop anyway (the
 * cheapest for sub-millisecond models: a thread hop costs more CPU than the inference), `workers`
 * in worker threads that each hold their own session, `auto` inline until the model's calls hold
 * the event loop for more than `slowCallMs` on average, then in workers for as long as it is loaded.
 */
export type OnnxThreads = 'auto' | 'inline' | 'workers';

/** Options of the in-process ONNX runtime. */
export interface OnnxRuntimeOptions {
  /** Threads onnxruntime uses inside one prediction; 1 suits many small concurrent requests best. */
  intraOpNumThreads?: number;
  /** Default `auto`. */
  threads?: OnnxThreads;
  /** `auto` moves a model to worker threads when its calls average more than this (ms; default 1). */
  slowCallMs?: number;
  /** Worker threads per model (default: its concurrency, at most the machine's cores). */
  workers?: number;
}

/** Calls `auto` ignores before averaging: the first runs of a session pay its lazy set-up. */
const WARM_UP_CALLS = 2;
/** Calls `auto` averages (after the warm-up) before it decides. */
const MIN_OBSERVED_CALLS = 3;
const ORT_PATH = createRequire(import.meta.url).resolve('onnxruntime-node');

const FROM_ORT: Record<string, TensorDatatype> = {
  bool: 'BOOL', uint8: 'UINT8', uint16: 'UINT16', uint32: 'UINT32', uint64: 'UINT64', int8: 'INT8', int16: 'INT16', int32: 'INT32', int64: 'INT64',
  float16: 'FP16', float32: 'FP32', float64: 'FP64', string: 'BYTES',
};
const TO_ORT = Object.fromEntries(Object.entries(FROM_ORT).map(([k, v]) => [v, k])) as Record<TensorDatatype, ort.Tensor.Type>;

/** Serves `onnx` flavor packages with onnxruntime-node inside the server process. */
export class OnnxRuntime implements ModelRuntime {
  readonly kind = 'onnx' as const;
  private readonly loaded = new Set<OnnxLoadedModel>();
  constructor(private readonly options: OnnxRuntimeOptions = {}) {}

  async load(options: RuntimeLoadOptions): Promise<LoadedModel> {
    const pkg = await readLocalPackage(options.packageDir);
    const data = pkg.manifest.flavors.onnx?.data;
    if (typeof data !== 'string') throw invalid(`The package of '${options.name}' has no onnx flavor`, 'flavors.onnx');
    const file = await fileInside(pkg.dir, data, 'flavors.onnx.data');
    const sessionOptions: ort.InferenceSession.SessionOptions = { intraOpNumThreads: this.options.intraOpNumThreads ?? 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
    const loadError = (message: string) => invalid(`onnxruntime cannot load '${data}' of '${options.name}': ${message}`, 'flavors.onnx.data');
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(file, sessionOptions);
    } catch (err) {
      throw loadError((err as Error).message);
    }
    const concurrency = options.concurrency ?? 4;
    const size = Math.max(1, this.options.workers ?? Math.min(concurrency, os.availableParallelism()));
    const spawn = () => startPoolThread({ source: ONNX_WORKER_SOURCE, workerData: { ortPath: ORT_PATH, file, sessionOptions }, loadError });
    const startPool = async () => {
      const threads = await Promise.all(Array.from({ length: size }, spawn).map((p) => p.then((t) => t, (err: unknown) => err as Error)));
      const failed = threads.find((t) => t instanceof Error);
      if (failed) {
        await Promise.all(threads.map((t) => (t instanceof Error ? undefined : t.worker.terminate())));
        throw failed;
      }
      return new WorkerPool(`Model '${options.name}'`, threads as Exclude<(typeof threads)[number], Error>[], spawn, (e) => new AscentError('INTERNAL', `Model '${options.name}' failed: ${e.message}`));
    };
    const threads = this.options.threads ?? 'auto';
    const model = new OnnxLoadedModel(session, {
      name: options.name,
      versions: [options.version],
      platform: 'onnxruntime_onnx',
      inputs: session.inputMetadata.map(specOf),
      outputs: session.outputMetadata.map(specOf),
    }, concurrency, { policy: threads, slowCallMs: this.options.slowCallMs ?? 1, startPool }, () => this.loaded.delete(model));
    if (threads === 'workers') {
      try {
        await model.moveToWorkers();
      } catch (err) {
        await model.close();
        throw err;
      }
    }
    this.loaded.add(model);
    return model;
  }

  async close(): Promise<void> {
    await Promise.all([...this.loaded].map((m) => m.close()));
  }
}

interface ThreadPolicy {
  policy: OnnxThreads;
  slowCallMs: number;
  startPool: () => Promise<WorkerPool>;
}

/** A tensor as it crosses to and from a worker thread. */
interface PlainTensor {
  name: string;
  type: ort.Tensor.Type;
  data: ort.Tensor.DataType;
  dims: readonly number[];
}

class OnnxLoadedModel implements LoadedModel {
  private closed = false;
  private readonly slots: Semaphore;
  private pool: WorkerPool | undefined;
  private moving: Promise<void> | undefined;
  /** Why worker threads could not start (`auto` then stays inline). */
  private poolError: string | undefined;
  private calls = 0;
  /** Moving average of the event-loop time a call held, in ms (`auto` only). */
  private averageMs = 0;

  constructor(private readonly session: ort.InferenceSession, readonly metadata: ModelMetadata, concurrency: number, private readonly threads: ThreadPolicy, private readonly onClose: () => void) {
    this.slots = new Semaphore(Math.max(1, concurrency));
  }

  ready(): boolean {
    return !this.closed && (this.pool === undefined || this.pool.usable());
  }

  execution(): ModelExecution {
    if (this.pool) return { where: 'worker-threads', threads: this.pool.size };
    return { where: 'event-loop', ...(this.threads.policy === 'auto' ? { averageCallMs: this.calls > WARM_UP_CALLS ? this.averageMs : null } : {}), ...(this.poolError ? { note: `worker threads failed to start: ${this.poolError}` } : {}) };
  }

  async predict(inputs: Tensor[], options: PredictOptions = {}): Promise<Tensor[]> {
    if (this.closed) throw unavailable(`Model '${this.metadata.name}' is closed`);
    checkInputs(inputs, this.metadata.inputs);
    checkOutputNames(options.outputs, this.metadata.outputs);
    const feeds: Record<string, ort.Tensor> = {};
    for (let i = 0; i < inputs.length; i++) feeds[inputs[i]!.name] = toOrt(inputs[i]!, i);
    return this.slots.run(async () => {
      options.signal?.throwIfAborted();
      const pool = this.pool;
      if (pool) {
        const plain: PlainTensor[] = [];
        for (const name in feeds) plain.push({ name, type: feeds[name]!.type, data: feeds[name]!.data, dims: feeds[name]!.dims });
        const outputs = (await pool.run({ feeds: plain, fetches: options.outputs }, options.signal)) as PlainTensor[];
        return outputs.map((o) => fromOrt(o.name, o));
      }
      const result = await this.runInline(feeds, options.outputs);
      const out: Tensor[] = [];
      for (const name in result) out.push(fromOrt(name, result[name]!));
      return out;
    });
  }

  /** Start the worker threads; predictions move to them once all have loaded the model. */
  moveToWorkers(): Promise<void> {
    this.moving ??= this.threads.startPool().then(
      async (pool) => {
        if (this.closed) return pool.close();
        this.pool = pool;
      },
      (err: unknown) => {
        this.poolError = (err as Error).message;
        if (this.threads.policy === 'workers') throw err;
      },
    );
    return this.moving;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    // Predictions already admitted finish first: release waits for every slot.
    await this.slots.run(async () => undefined);
    await this.moving?.catch(() => undefined);
    await this.pool?.close();
    await this.session.release();
  }

  /**
   * One run on the event loop. Under `auto` it times the synchronous part: onnxruntime-node's `run`
   * schedules the inference with `setImmediate`, so an immediate scheduled just before it fires
   * right before the inference starts, and the await resumes right after it ends.
   */
  private async runInline(feeds: Record<string, ort.Tensor>, outputs: string[] | undefined): Promise<ort.InferenceSession.ReturnType> {
    if (this.threads.policy !== 'auto' || this.moving) return outputs ? this.session.run(feeds, outputs) : this.session.run(feeds);
    let began = 0;
    setImmediate(() => (began = performance.now()));
    const result = outputs ? await this.session.run(feeds, outputs) : await this.session.run(feeds);
    this.observe(performance.now() - began);
    return result;
  }

  private observe(ms: number): void {
    const n = ++this.calls - WARM_UP_CALLS;
    if (n <= 0) return;
    this.averageMs = n === 1 ? ms : this.averageMs * 0.8 + ms * 0.2;
    if (n >= MIN_OBSERVED_CALLS && this.averageMs > this.threads.slowCallMs && !this.closed) void this.moveToWorkers();
  }
}

function specOf(m: ort.InferenceSession.ValueMetadata): TensorSpec {
  if (!m.isTensor) return { name: m.name, datatype: 'BYTES', shape: [] };
  return { name: m.name, datatype: FROM_ORT[m.type] ?? 'BYTES', shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) };
}

function toOrt(t: Tensor, index: number): ort.Tensor {
  const field = `inputs[${index}] '${t.name}'`;
  const type = TO_ORT[t.datatype];
  const values = t.data as ArrayLike<unknown>;
  const dims = t.shape;
  try {
    switch (t.datatype) {
      case 'BYTES':
        return new ort.Tensor('string', Array.from(values, (v) => String(v)), dims);
      case 'BOOL':
        return new ort.Tensor('bool', Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0)), dims);
      case 'INT64':
        return new ort.Tensor('int64', values instanceof BigInt64Array ? values : BigInt64Array.from(values as ArrayLike<number>, (v, i) => toBigInt(v, field, i)), dims);
      case 'UINT64':
        return new ort.Tensor('uint64', values instanceof BigUint64Array ? values : BigUint64Array.from(values as ArrayLike<number>, (v, i) => toBigInt(v, field, i)), dims);
      case 'FP16':
        throw invalid(`${field}: FP16 inputs are not supported by the onnx runtime`, field);
      default: {
        const Ctor = TYPED[t.datatype]!;
        if (values instanceof (Ctor as unknown as typeof Float32Array)) return new ort.Tensor(type, values as unknown as ort.Tensor.DataType, dims);
        const data = new Ctor(values.length);
        for (let i = 0; i < values.length; i++) data[i] = toNumber(values[i], field, i);
        return new ort.Tensor(type, data as ort.Tensor.DataType, dims);
      }
    }
  } catch (err) {
    if ((err as { code?: string }).code === 'INVALID_ARGUMENT') throw err;
    throw invalid(`${field}: ${(err as Error).message}`, field);
  }
}

type NumericCtor = new (length: number) => { [i: number]: number; length: number };
const TYPED: Record<string, NumericCtor> = { FP32: Float32Array, FP64: Float64Array, INT8: Int8Array, INT16: Int16Array, INT32: Int32Array, UINT8: Uint8Array, UINT16: Uint16Array, UINT32: Uint32Array };

function toNumber(v: unknown, field: string, i: number): number {
  if (typeof v === 'number' && !Number.isNaN(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw invalid(`${field}: data[${i}] must be a number, got ${v === null ? 'null' : typeof v}`, field);
}

function toBigInt(v: unknown, field: string, i: number): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  throw invalid(`${field}: data[${i}] must be an integer, got ${typeof v === 'number' ? String(v) : v === null ? 'null' : typeof v}`, field);
}

/** 64-bit integers come back as numbers (exact up to 2^53) so every protocol can write them as JSON. */
function fromOrt(name: string, value: ort.OnnxValue | PlainTensor): Tensor {
  const t = value as ort.Tensor;
  const datatype = FROM_ORT[t.type] ?? 'BYTES';
  const shape = t.dims.map(Number);
  const raw = t.data;
  let data: Tensor['data'] = raw as Tensor['data'];
  if (datatype === 'INT64' || datatype === 'UINT64') {
    const big = raw as BigInt64Array | BigUint64Array;
    const numbers = new Array<number>(big.length);
    for (let i = 0; i < big.length; i++) numbers[i] = Number(big[i]);
    data = numbers;
  } else if (datatype === 'BOOL') {
    const bytes = raw as Uint8Array;
    const bools = new Array<boolean>(bytes.length);
    for (let i = 0; i < bytes.length; i++) bools[i] = bytes[i] !== 0;
    data = bools;
  }
  return { name, datatype, shape, data };
}
