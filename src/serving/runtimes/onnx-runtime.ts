import ort from 'onnxruntime-node';
import { invalid } from '../../core/errors.js';
import type { LoadedModel, ModelMetadata, ModelRuntime, PredictOptions, RuntimeLoadOptions, Tensor, TensorDatatype, TensorSpec } from '../model-runtime.js';
import { fileInside, readLocalPackage } from './package-dir.js';
import { Semaphore, checkInputs, checkOutputNames, unavailable } from './tensor-checks.js';

/** Options of the in-process ONNX runtime. */
export interface OnnxRuntimeOptions {
  /** Threads onnxruntime uses inside one prediction; 1 suits many small concurrent requests best. */
  intraOpNumThreads?: number;
}

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
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(file, { intraOpNumThreads: this.options.intraOpNumThreads ?? 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    } catch (err) {
      throw invalid(`onnxruntime cannot load '${data}' of '${options.name}': ${(err as Error).message}`, 'flavors.onnx.data');
    }
    const model = new OnnxLoadedModel(session, {
      name: options.name,
      versions: [options.version],
      platform: 'onnxruntime_onnx',
      inputs: session.inputMetadata.map(specOf),
      outputs: session.outputMetadata.map(specOf),
    }, options.concurrency ?? 4, () => this.loaded.delete(model));
    this.loaded.add(model);
    return model;
  }

  async close(): Promise<void> {
    await Promise.all([...this.loaded].map((m) => m.close()));
  }
}

class OnnxLoadedModel implements LoadedModel {
  private closed = false;
  private readonly slots: Semaphore;
  constructor(private readonly session: ort.InferenceSession, readonly metadata: ModelMetadata, concurrency: number, private readonly onClose: () => void) {
    this.slots = new Semaphore(Math.max(1, concurrency));
  }

  ready(): boolean {
    return !this.closed;
  }

  async predict(inputs: Tensor[], options: PredictOptions = {}): Promise<Tensor[]> {
    if (this.closed) throw unavailable(`Model '${this.metadata.name}' is closed`);
    checkInputs(inputs, this.metadata.inputs);
    checkOutputNames(options.outputs, this.metadata.outputs);
    const feeds: Record<string, ort.Tensor> = {};
    for (let i = 0; i < inputs.length; i++) feeds[inputs[i]!.name] = toOrt(inputs[i]!, i);
    return this.slots.run(async () => {
      options.signal?.throwIfAborted();
      const result = options.outputs ? await this.session.run(feeds, options.outputs) : await this.session.run(feeds);
      const out: Tensor[] = [];
      for (const name in result) out.push(fromOrt(name, result[name]!));
      return out;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    // Predictions already admitted finish first: release waits for every slot.
    await this.slots.run(async () => undefined);
    await this.session.release();
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
function fromOrt(name: string, value: ort.OnnxValue): Tensor {
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
