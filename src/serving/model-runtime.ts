/**
 * The runtime port: how a model package is loaded and asked for predictions. One contract suite
 * (`runRuntimeContract`) runs against every implementation: `onnx` (onnxruntime-node in process),
 * `js` (a JS/TS module with load/predict in worker threads), `python` (a managed Python process
 * serving MLflow pyfunc models) and `http` (an external Open Inference Protocol or MLflow
 * `/invocations` server).
 *
 * Refinements since the ports were agreed (all compatible): `predict` options gained
 * `parameters` (OIP `parameters` / MLflow `params`, passed to models that take them), named
 * `PredictOptions`.
 */

/** Open Inference Protocol datatypes. */
export type TensorDatatype =
  | 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64'
  | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'FP16' | 'FP32' | 'FP64' | 'BYTES';

/** A named tensor's declared type and shape (-1 for a variable dimension). */
export interface TensorSpec {
  name: string;
  datatype: TensorDatatype;
  shape: number[];
}

/** One tensor in or out: row-major flat data. */
export interface Tensor {
  name: string;
  datatype: TensorDatatype;
  shape: number[];
  data: ArrayLike<number | bigint | boolean | string> | unknown[];
}

/** What a loaded model says about itself (Open Inference Protocol model metadata). */
export interface ModelMetadata {
  name: string;
  versions?: string[];
  platform: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** Where the model's files are: a local directory holding the package (MLmodel + flavor files). */
export interface RuntimeLoadOptions {
  name: string;
  version: string;
  /** Local directory with the unpacked model package. */
  packageDir: string;
  /** Max concurrent predictions inside this loaded model. */
  concurrency?: number;
}

/** Per-call options of `LoadedModel.predict`. */
export interface PredictOptions {
  signal?: AbortSignal;
  /** Only these outputs (all when absent). */
  outputs?: string[];
  /** Inference parameters (OIP `parameters`, MLflow `params`); runtimes whose models take none ignore them. */
  parameters?: Record<string, unknown>;
}

/** A model loaded into a runtime, ready for predictions. */
export interface LoadedModel {
  readonly metadata: ModelMetadata;
  predict(inputs: Tensor[], options?: PredictOptions): Promise<Tensor[]>;
  /** True while the model can serve (a crashed python process reports false until restarted). */
  ready(): boolean;
  /** Where its predictions run, for status pages (runtimes that can tell). */
  execution?(): ModelExecution;
  close(): Promise<void>;
}

/** Where a loaded model's predictions run. */
export interface ModelExecution {
  /** On the server's event loop, in its worker threads, in a child process, or on another server. */
  where: 'event-loop' | 'worker-threads' | 'process' | 'remote';
  threads?: number;
  /** onnx `auto`: the moving average of a call's event-loop time (null before the warm-up ends). */
  averageCallMs?: number | null;
  note?: string;
}

/** A ModelRuntime loads packages of the flavors it understands. */
export interface ModelRuntime {
  readonly kind: 'onnx' | 'js' | 'python' | 'http';
  load(options: RuntimeLoadOptions): Promise<LoadedModel>;
  close(): Promise<void>;
}
