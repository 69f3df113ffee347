import { AscentError, invalid } from '../../core/errors.js';
import { specsFromSignature } from '../codec/signature-specs.js';
import type { LoadedModel, ModelExecution, ModelMetadata, ModelRuntime, PredictOptions, RuntimeLoadOptions, Tensor, TensorSpec } from '../model-runtime.js';
import { call, oipInfer, oipMetadata, type OipTarget } from './oip-client.js';
import { readLocalPackage } from './package-dir.js';
import { Semaphore, checkInputs, checkOutputNames, unavailable } from './tensor-checks.js';

/** An external model server and the protocol it speaks. */
export interface HttpRuntimeOptions {
  /** Base URL, e.g. `http://10.0.0.5:8080`. */
  url: string;
  /** `oip`: Open Inference Protocol V2 (KServe, Triton, MLServer, Ascent); `mlflow`: MLflow's `/invocations`. */
  protocol: 'oip' | 'mlflow';
  /** The model's name on that server (OIP); default the loaded model's name. */
  model?: string;
  /** Sent with every request (an Authorization header, say). */
  headers?: Record<string, string>;
  fetchTimeoutMs?: number;
}

/**
 * Serves a model that runs elsewhere. Metadata comes from the server (OIP) or from the package's
 * MLflow signature (`/invocations` has no metadata endpoint). ready() follows the last call: a
 * refused connection marks the model unready until a request or health probe succeeds.
 */
export class HttpRuntime implements ModelRuntime {
  readonly kind = 'http' as const;
  private readonly loaded = new Set<HttpLoadedModel>();
  constructor(private readonly options: HttpRuntimeOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw invalid(`http.url '${options.url}' is not a URL`, 'http.url');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`http.url must be http(s), got '${url.protocol}'`, 'http.url');
    if (options.protocol !== 'oip' && options.protocol !== 'mlflow') throw invalid(`http.protocol must be 'oip' or 'mlflow'`, 'http.protocol');
  }

  async load(options: RuntimeLoadOptions): Promise<LoadedModel> {
    const target: OipTarget = { baseUrl: this.options.url, model: this.options.model ?? options.name, headers: this.options.headers ?? {}, timeoutMs: this.options.fetchTimeoutMs ?? 60_000 };
    let metadata: ModelMetadata;
    if (this.options.protocol === 'oip') {
      metadata = { ...(await oipMetadata(target)), name: options.name, versions: [options.version] };
    } else {
      const pkg = await readLocalPackage(options.packageDir);
      if (!pkg.signature?.inputs) throw invalid(`Model '${options.name}' has no signature; the mlflow protocol needs one to describe its inputs`, 'signature');
      await call(target, 'GET', '/ping');
      metadata = { name: options.name, versions: [options.version], platform: 'mlflow_invocations', ...specsFromSignature(pkg.signature) };
    }
    const model = new HttpLoadedModel(metadata, target, this.options.protocol, options.concurrency ?? 16, () => this.loaded.delete(model));
    this.loaded.add(model);
    return model;
  }

  async close(): Promise<void> {
    await Promise.all([...this.loaded].map((m) => m.close()));
  }
}

class HttpLoadedModel implements LoadedModel {
  private closed = false;
  private healthy = true;
  private probe: NodeJS.Timeout | null = null;
  private readonly slots: Semaphore;
  constructor(readonly metadata: ModelMetadata, private readonly target: OipTarget, private readonly protocol: 'oip' | 'mlflow', concurrency: number, private readonly onClose: () => void) {
    this.slots = new Semaphore(Math.max(1, concurrency));
  }

  /** A router sends no traffic to an unready model, so recovery cannot wait for a request: probe health until it answers. */
  private markDown(): void {
    this.healthy = false;
    if (this.probe || this.closed) return;
    let delay = 500;
    const check = () => {
      const path = this.protocol === 'oip' ? '/v2/health/ready' : '/ping';
      call({ ...this.target, timeoutMs: 5_000 }, 'GET', path).then(
        () => {
          this.probe = null;
          if (!this.closed) this.healthy = true;
        },
        () => {
          if (this.closed) return void (this.probe = null);
          delay = Math.min(delay * 2, 10_000);
          this.probe = setTimeout(check, delay).unref();
        },
      );
    };
    this.probe = setTimeout(check, delay).unref();
  }

  ready(): boolean {
    return !this.closed && this.healthy;
  }

  execution(): ModelExecution {
    return { where: 'remote' };
  }

  async predict(inputs: Tensor[], options: PredictOptions = {}): Promise<Tensor[]> {
    if (this.closed) throw unavailable(`Model '${this.metadata.name}' is closed`);
    checkInputs(inputs, this.metadata.inputs);
    checkOutputNames(options.outputs, this.metadata.outputs);
    return this.slots.run(async () => {
      try {
        const out = this.protocol === 'oip' ? await oipInfer(this.target, inputs, options) : await this.invocations(inputs, options.signal, options.parameters);
        this.healthy = true;
        return options.outputs ? out.filter((t) => options.outputs!.includes(t.name)) : out;
      } catch (err) {
        if (err instanceof AscentError && err.code === 'UNAVAILABLE') this.markDown();
        throw err;
      }
    });
  }

  /** MLflow `/invocations`: columns as `dataframe_split`, tensors as `inputs`; `predictions` back. */
  private async invocations(inputs: Tensor[], signal?: AbortSignal, params?: Record<string, unknown>): Promise<Tensor[]> {
    const columnar = this.metadata.inputs.every((s) => s.shape.length === 1);
    let body: unknown;
    if (columnar) {
      const n = inputs[0]!.shape[0] ?? 0;
      const columns = inputs.map((t) => t.name);
      const data = Array.from({ length: n }, (_, r) => inputs.map((t) => plain(t.data[r])));
      body = { dataframe_split: { columns, data } };
    } else {
      body = { inputs: Object.fromEntries(inputs.map((t) => [t.name, nest(Array.from(t.data as ArrayLike<unknown>, plain), t.shape)])) };
    }
    if (params) body = { ...(body as object), params };
    const reply = (await call(this.target, 'POST', '/invocations', body, signal)) as { predictions?: unknown };
    return predictionsToTensors(reply.predictions, this.metadata.outputs);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.probe) clearTimeout(this.probe);
    this.probe = null;
    this.onClose();
  }
}

function plain(v: unknown): unknown {
  return typeof v === 'bigint' ? Number(v) : v;
}

/** Flat row-major data → nested arrays of the given shape. */
export function nest(flat: unknown[], shape: number[]): unknown {
  if (shape.length <= 1) return flat;
  const [, ...inner] = shape;
  const size = inner.reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0]! }, (_, i) => nest(flat.slice(i * size, (i + 1) * size), inner));
}

/** MLflow's `predictions` (a list, a list of rows, a list of records, or a dict of columns) → tensors. */
export function predictionsToTensors(predictions: unknown, specs: readonly TensorSpec[]): Tensor[] {
  if (predictions === undefined) throw new AscentError('INTERNAL', 'The model server answered without predictions');
  if (Array.isArray(predictions) && predictions.length > 0 && isRecord(predictions[0])) {
    const keys = Object.keys(predictions[0]);
    return keys.map((k) => column(k, predictions.map((r) => (r as Record<string, unknown>)[k]), specs));
  }
  if (isRecord(predictions)) return Object.entries(predictions).map(([k, v]) => column(k, Array.isArray(v) ? v : [v], specs));
  const values = Array.isArray(predictions) ? predictions : [predictions];
  const shape = shapeOf(values);
  return [column(specs[0]?.name ?? 'predictions', values.flat(Infinity), specs, shape)];
}

function column(name: string, data: unknown[], specs: readonly TensorSpec[], shape: number[] = [data.length]): Tensor {
  const declared = specs.find((s) => s.name === name)?.datatype;
  const inferred = data.every((v) => typeof v === 'boolean') ? 'BOOL' : data.every((v) => Number.isInteger(v)) ? 'INT64' : data.every((v) => typeof v === 'number') ? 'FP64' : 'BYTES';
  const datatype = declared ?? inferred;
  return { name, datatype, shape, data: datatype === 'BYTES' ? data.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) : data };
}

function shapeOf(values: unknown[]): number[] {
  const shape = [values.length];
  let probe: unknown = values[0];
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  return shape;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
