import { detectRuntime, type ModelSignature } from '../registry/packages/manifest.js';
import type { PackageService } from '../registry/packages/package-service.js';
import type { RegistryService } from '../registry/service.js';
import { invalid, invalidState } from '../core/errors.js';
import type { ArtifactStore } from '../storage/artifacts/artifact-store.js';
import { PackageCache } from './package-cache.js';
import type { LoadedModel, ModelExecution, ModelMetadata, ModelRuntime, PredictOptions, Tensor } from './model-runtime.js';
import { HttpRuntime, type HttpRuntimeOptions } from './runtimes/http-runtime.js';
import { JsRuntime } from './runtimes/js-runtime.js';
import { OnnxRuntime, type OnnxRuntimeOptions } from './runtimes/onnx-runtime.js';
import { PythonRuntime, type PythonRuntimeOptions } from './runtimes/python-runtime.js';
import { readLocalPackage } from './runtimes/package-dir.js';

/** The runtime kinds a model can be served by. */
export type RuntimeKind = ModelRuntime['kind'];

/** What the loader needs: the registry to resolve references, packages to locate them, a cache dir. */
export interface ModelLoaderOptions {
  registry: RegistryService;
  packages: PackageService;
  artifacts: ArtifactStore;
  /** Local directory for materialized packages (content-addressed, shared by all loads). */
  cacheDir: string;
  /** The Python runtime's interpreter and limits (`ASCENT_PYTHON` / config `pythonExecutable`). */
  python?: PythonRuntimeOptions;
  onnx?: OnnxRuntimeOptions;
  /** Replace a built-in runtime (tests, or an operator's tuned instance). */
  runtimes?: Partial<Record<RuntimeKind, ModelRuntime>>;
  /** Refuse packages larger than this (default 4 GiB). */
  maxPackageBytes?: number;
}

/** Per-load choices. */
export interface LoadModelOptions {
  /** Force a runtime instead of the one the package's flavors select. `http` needs `http`. */
  runtime?: RuntimeKind;
  /** Max concurrent predictions inside the loaded model. */
  concurrency?: number;
  /** The external server for the `http` runtime. */
  http?: Omit<HttpRuntimeOptions, 'fetchTimeoutMs'> & { fetchTimeoutMs?: number };
}

/** A model resolved from a reference and loaded: a LoadedModel that also says what it is. */
export interface ServedModel extends LoadedModel {
  readonly name: string;
  readonly version: string;
  readonly runtime: RuntimeKind;
  /** The MLflow signature requests are validated against (null when the package has none). */
  readonly signature: ModelSignature | null;
  /** Content digest of the materialized package (sha256 over its files). */
  readonly digest: string;
  readonly packageDir: string;
  /** The version's source URI in the registry (or the reference itself for runs and logged models). */
  readonly source: string;
}

/** A reference resolved to a version (or a run's / logged model's package). */
export interface ResolvedReference {
  name: string;
  version: string;
  source: string;
  root: string;
}

const RUN_OR_LOGGED = /^(runs:\/[^/]+\/.+|models:\/m-[0-9a-f]{32}\/?)$/;

/**
 * Turns `name@alias`, `name/3`, `name/latest`, `runs:/<run>/<path>` or `models:/m-<id>` into a
 * loaded model: resolve through the registry, materialize the package into the local cache, pick
 * the runtime from its flavors, load. The deployments layer calls this for every variant.
 */
export class ModelLoader {
  private readonly cache: PackageCache;
  private readonly runtimes = new Map<RuntimeKind, ModelRuntime>();

  constructor(private readonly options: ModelLoaderOptions) {
    this.cache = new PackageCache({ artifacts: options.artifacts, dir: options.cacheDir, maxBytes: options.maxPackageBytes });
    for (const [kind, runtime] of Object.entries(options.runtimes ?? {})) this.runtimes.set(kind as RuntimeKind, runtime);
  }

  /** The version (or run package) a reference points at now; an alias is read at call time. */
  async resolve(reference: string): Promise<ResolvedReference> {
    if (typeof reference !== 'string' || reference.trim() === '') throw invalid('model: a model reference is required (name@alias, name/version, runs:/<run>/<path>)', 'model');
    if (RUN_OR_LOGGED.test(reference)) {
      const root = await this.options.packages.rootOf({ source: reference });
      return { name: reference, version: reference.startsWith('runs:/') ? reference.split('/')[1]! : reference.slice('models:/'.length).replace(/\/$/, ''), source: reference, root };
    }
    const v = await this.options.registry.resolve(reference);
    return { name: v.name, version: v.version, source: v.source, root: await this.options.packages.rootOf(v) };
  }

  /** Resolve, materialize and load. */
  async load(reference: string, options: LoadModelOptions = {}): Promise<ServedModel> {
    const resolved = await this.resolve(reference);
    const { dir, digest } = await this.cache.materialize(resolved.root, `${resolved.name} version ${resolved.version}`);
    const pkg = await readLocalPackage(dir);
    const flavors = Object.keys(pkg.manifest.flavors).sort();
    const kind = options.runtime ?? detectRuntime(flavors);
    if (!kind) throw invalidState(`Model '${resolved.name}' version ${resolved.version} has no flavor Ascent can serve (flavors: ${flavors.join(', ')}); it needs onnx, js or python_function`);
    const runtime = this.runtime(kind, options);
    const loaded = await runtime.load({ name: resolved.name, version: resolved.version, packageDir: dir, ...(options.concurrency ? { concurrency: options.concurrency } : {}) });
    return new LoadedPackageModel(loaded, { name: resolved.name, version: resolved.version, runtime: kind, signature: pkg.signature, digest, packageDir: dir, source: resolved.source }, kind === 'http' ? runtime : null);
  }

  /** Close every runtime the loader started (and with them their loaded models). */
  async close(): Promise<void> {
    await Promise.all([...this.runtimes.values()].map((r) => r.close()));
    this.runtimes.clear();
  }

  private runtime(kind: RuntimeKind, options: LoadModelOptions): ModelRuntime {
    if (kind === 'http') {
      const injected = this.options.runtimes?.http;
      if (injected) return injected;
      if (!options.http) throw invalid("runtime 'http' needs the external server's url", 'http.url');
      // One per load: each http model talks to its own server.
      return new HttpRuntime(options.http);
    }
    let runtime = this.runtimes.get(kind);
    if (!runtime) {
      runtime = kind === 'onnx' ? new OnnxRuntime(this.options.onnx ?? {}) : kind === 'js' ? new JsRuntime() : new PythonRuntime(this.options.python ?? {});
      this.runtimes.set(kind, runtime);
    }
    return runtime;
  }
}

class LoadedPackageModel implements ServedModel {
  readonly name: string;
  readonly version: string;
  readonly runtime: RuntimeKind;
  readonly signature: ModelSignature | null;
  readonly digest: string;
  readonly packageDir: string;
  readonly source: string;
  readonly execution?: () => ModelExecution;
  constructor(private readonly inner: LoadedModel, info: Omit<ServedModel, keyof LoadedModel>, private readonly owned: ModelRuntime | null) {
    if (inner.execution) this.execution = () => inner.execution!();
    this.name = info.name;
    this.version = info.version;
    this.runtime = info.runtime;
    this.signature = info.signature;
    this.digest = info.digest;
    this.packageDir = info.packageDir;
    this.source = info.source;
  }
  get metadata(): ModelMetadata {
    return this.inner.metadata;
  }
  predict(inputs: Tensor[], options?: PredictOptions): Promise<Tensor[]> {
    return this.inner.predict(inputs, options);
  }
  ready(): boolean {
    return this.inner.ready();
  }
  async close(): Promise<void> {
    await this.inner.close();
    await this.owned?.close();
  }
}
