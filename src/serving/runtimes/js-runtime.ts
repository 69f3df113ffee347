import { pathToFileURL } from 'node:url';
import { AscentError, ERROR_CATALOGUE, invalid, type ErrorCode } from '../../core/errors.js';
import { specsFromSignature } from '../codec/signature-specs.js';
import type { LoadedModel, ModelExecution, ModelMetadata, ModelRuntime, PredictOptions, RuntimeLoadOptions, Tensor, TensorSpec } from '../model-runtime.js';
import { JS_WORKER_SOURCE } from './js-worker-source.js';
import { fileInside, readLocalPackage } from './package-dir.js';
import { checkInputs, checkOutputNames, unavailable } from './tensor-checks.js';
import { startPoolThread, WorkerPool, type ThreadError } from './worker-pool.js';

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
    const context = { packageDir: pkg.dir, name: options.name, version: options.version };
    const spawn = () => startPoolThread({
      source: JS_WORKER_SOURCE,
      workerData: { url: pathToFileURL(file).href, context },
      ...(this.options.maxOldGenerationSizeMb ? { heapMb: this.options.maxOldGenerationSizeMb } : {}),
      loadError: (message) => invalid(`The js model module '${options.name}' failed to load: ${message}`, 'flavors.js.entry'),
    });
    const size = Math.max(1, options.concurrency ?? this.options.defaultConcurrency ?? 2);
    const first = await spawn();
    const described = (first.ready.metadata as ModuleMetadata | null | undefined) ?? specsFromSignature(pkg.signature);
    const metadata: ModelMetadata = { name: options.name, versions: [options.version], platform: 'ascent_js', inputs: described.inputs, outputs: described.outputs };
    const rest = await Promise.all(Array.from({ length: size - 1 }, spawn)).catch(async (err: unknown) => {
      await first.worker.terminate();
      throw err;
    });
    const pool = new WorkerPool(`Model '${options.name}'`, [first, ...rest], spawn, (e) => modelError(options.name, e));
    const model = new JsLoadedModel(metadata, pool, () => this.loaded.delete(model));
    this.loaded.add(model);
    return model;
  }

  async close(): Promise<void> {
    await Promise.all([...this.loaded].map((m) => m.close()));
  }
}

/** What a module's `metadata` export describes. */
type ModuleMetadata = { inputs: TensorSpec[]; outputs: TensorSpec[] };

class JsLoadedModel implements LoadedModel {
  private closed = false;

  constructor(readonly metadata: ModelMetadata, private readonly pool: WorkerPool, private readonly onClose: () => void) {}

  ready(): boolean {
    return !this.closed && this.pool.usable();
  }

  execution(): ModelExecution {
    return { where: 'worker-threads', threads: this.pool.size };
  }

  async predict(inputs: Tensor[], options: PredictOptions = {}): Promise<Tensor[]> {
    if (this.closed) throw unavailable(`Model '${this.metadata.name}' is closed`);
    checkInputs(inputs, this.metadata.inputs);
    checkOutputNames(options.outputs, this.metadata.outputs);
    const out = (await this.pool.run({ inputs, parameters: options.parameters }, options.signal)) as Tensor[];
    const wanted = options.outputs;
    return wanted ? out.filter((t) => wanted.includes(t.name)) : out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    await this.pool.close();
  }
}

function modelError(name: string, e: ThreadError): AscentError {
  if (e.code && e.code in ERROR_CATALOGUE) return new AscentError(e.code as ErrorCode, e.message, e.field ? { field: e.field } : {});
  return new AscentError('INTERNAL', `Model '${name}' failed: ${e.message}`);
}
