import { AscentError, isAscentError, notFound } from '../../core/errors.js';
import type { Deployment } from '../deployments/model.js';
import type { ModelResolver } from '../deployments/service.js';
import type { InferenceLog } from '../inference-log/inference-log.js';
import type { ServingMetrics, ServingGaugeSource, VariantMeter } from '../metrics/serving-metrics.js';
import type { PredictOptions, Tensor } from '../model-runtime.js';
import { LiveDeployment, type LiveVariant } from './live-deployment.js';
import { ModelCache, type ModelProvider } from './model-cache.js';
import { prepareInputs, type ModelRequest } from '../codec/index.js';
import { tensorsToPredictions, tensorsToRecords } from './records-codec.js';
import { stickyFraction } from './traffic-picker.js';
import { DeploymentStatusBook, type DeploymentStatus } from './deployment-status.js';

/** Where deployments are read from (the store, so every replica converges on the same state). */
export interface DeploymentSource {
  list(): Promise<Deployment[]>;
  get(name: string): Promise<Deployment>;
  revisions(): Promise<Map<string, number>>;
}

/** What the serving manager is built from. */
export interface ServingManagerOptions {
  deployments: DeploymentSource;
  models: ModelResolver;
  provider: ModelProvider;
  log: InferenceLog;
  metrics: ServingMetrics;
  /** How often replicas compare revisions and re-resolve aliases (default 2 s). */
  pollMs?: number;
  random?: () => number;
  onError?: (err: unknown, context: string) => void;
}

/** One prediction request, already decoded by a protocol. */
export interface PredictCall {
  deployment: string;
  requestId: string;
  /** The request in the codec's neutral form; validated and encoded against the chosen variant's signature. */
  input: ModelRequest;
  /** Value of the deployment's sticky key for this request, if any. */
  stickyKey?: string;
  /** Serve with the variant running this model version (OIP `/versions/{v}`). */
  version?: string;
  outputs?: string[];
}

/** What the caller gets back: the answering variant's outputs (never a shadow's). */
export interface PredictResult {
  requestId: string;
  deployment: string;
  variant: string;
  modelName: string;
  modelVersion: string;
  outputs: Tensor[];
}

/**
 * Runs deployments: loads each revision's models, warms them, swaps the routing table only when the
 * new revision is fully loaded, drains the old one, routes each request (split, canary, sticky),
 * mirrors shadows off the caller's path, and feeds the inference log and metrics.
 */
export class ServingManager {
  private readonly live = new Map<string, LiveDeployment>();
  private readonly cache: ModelCache;
  private readonly book = new DeploymentStatusBook();
  private readonly syncing = new Map<string, Promise<void>>();
  private readonly random: () => number;
  private readonly pollMs: number;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: ServingManagerOptions) {
    this.cache = new ModelCache(options.provider);
    this.random = options.random ?? Math.random;
    this.pollMs = options.pollMs ?? 2_000;
  }

  /** Load every stored deployment, then keep following the store and the registry's aliases. */
  async start(): Promise<void> {
    await this.poll();
    const tick = () => {
      if (this.closed) return;
      this.polling = this.poll().finally(() => {
        this.polling = undefined;
        if (!this.closed) this.timer = setTimeout(tick, this.pollMs).unref();
      });
    };
    this.timer = setTimeout(tick, this.pollMs).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
    await Promise.allSettled([...this.syncing.values()]);
    const all = [...this.live.values()];
    this.live.clear();
    await Promise.allSettled(all.map((d) => d.drain(this.cache)));
    await this.cache.closeAll();
  }

  /** Bring one deployment to its stored revision (and current alias targets); resolves when serving it or failed. */
  sync(name: string): Promise<void> {
    const previous = this.syncing.get(name) ?? Promise.resolve();
    const next = previous.then(() => this.syncNow(name));
    this.syncing.set(name, next);
    void next.finally(() => {
      if (this.syncing.get(name) === next) this.syncing.delete(name);
    });
    return next;
  }

  status(name: string): DeploymentStatus {
    return this.book.status(name, this.live.get(name));
  }

  /** Metadata of the model a deployment answers with (its first non-shadow variant), or of one version. */
  metadata(name: string, version?: string): { variant: LiveVariant; revision: number } {
    const d = this.liveOf(name);
    const v = version === undefined ? this.primary(d) : [...d.variants.values()].find((x) => x.target.version === version);
    if (!v) throw notFound(`Deployment '${name}' serves no version '${version}'`);
    return { variant: v, revision: d.revision };
  }

  /** The spec a deployment is served with on this replica (undefined when not serving). */
  served(name: string): Deployment | undefined {
    return this.live.get(name)?.deployment;
  }

  names(): string[] {
    return [...this.live.keys()];
  }

  async predict(call: PredictCall): Promise<PredictResult> {
    const started = performance.now();
    const timestamp = Date.now();
    const d = this.liveOf(call.deployment);
    const chosen = this.choose(d, call);
    const result = await this.run(d, chosen, call, started, timestamp, false);
    if (d.picker.shadows.length === 0) return result;
    const mirrors = d.picker.mirrors(call.stickyKey, this.random);
    // Mirrored after the caller's answer is ready and never awaited: a shadow can neither slow nor fail it.
    for (const m of mirrors) {
      const v = d.variants.get(m.name)!;
      if (v.queue.full) {
        this.options.metrics.reject(d.name, v.spec.name, 'shadow_skipped');
        continue;
      }
      setImmediate(() => void this.run(d, v, call, performance.now(), timestamp, true).catch(() => undefined));
    }
    return result;
  }

  /** Gauges read at scrape time. */
  gauges(): ServingGaugeSource {
    const log = this.options.log;
    return {
      variants: () => [...this.live.values()].flatMap((d) => [...d.variants.values()].map((v) => ({
        deployment: d.name, variant: v.spec.name, model: v.target.name, version: v.target.version,
        ready: v.served.model.ready(), inFlight: v.queue.inFlight, queued: v.queue.queued, calls: v.queue.calls, callRequests: v.queue.callRequests,
      }))),
      revisions: () => [...this.live.values()].map((d) => ({ deployment: d.name, revision: d.revision })),
      logQueueDepth: () => log.depth,
      logDropped: () => log.dropped,
      logFailed: () => log.failed,
    };
  }

  private liveOf(name: string): LiveDeployment {
    const d = this.live.get(name);
    if (d) return d;
    const failed = this.book.error(name);
    if (failed) throw new AscentError('UNAVAILABLE', `Deployment '${name}' is not serving: ${failed}`);
    if (this.book.isLoading(name)) throw new AscentError('UNAVAILABLE', `Deployment '${name}' is still loading its models`);
    throw notFound(`Deployment '${name}' not found`);
  }

  private primary(d: LiveDeployment): LiveVariant {
    return [...d.variants.values()].find((v) => v.spec.role !== 'shadow') ?? [...d.variants.values()][0]!;
  }

  private choose(d: LiveDeployment, call: PredictCall): LiveVariant {
    if (call.version !== undefined) {
      const v = [...d.variants.values()].find((x) => x.target.version === call.version && x.spec.role !== 'shadow');
      if (!v) throw notFound(`Deployment '${d.name}' serves no version '${call.version}' to callers`);
      return v;
    }
    const u = call.stickyKey !== undefined ? stickyFraction(call.stickyKey) : this.random();
    const picked = d.variants.get(d.picker.pick(u).name)!;
    if (picked.served.model.ready()) return picked;
    // A crashed runtime is restarting: answer from another ready caller-facing variant if there is one.
    const fallback = [...d.variants.values()].find((v) => v.spec.role !== 'shadow' && v.served.model.ready());
    return fallback ?? picked;
  }

  private async run(d: LiveDeployment, v: LiveVariant, call: PredictCall, started: number, timestamp: number, shadow: boolean): Promise<PredictResult> {
    let outputs: Tensor[] | undefined;
    let tensors: Tensor[] | undefined;
    try {
      if (!v.served.model.ready()) {
        this.options.metrics.reject(d.name, v.spec.name, 'unavailable');
        throw new AscentError('UNAVAILABLE', `Variant '${v.spec.name}' of deployment '${d.name}' is not ready (its runtime is restarting); retry shortly`);
      }
      tensors = prepareInputs(call.input, { metadata: v.served.model.metadata, signature: v.served.signature });
      const options = call.outputs ? { outputs: call.outputs } : NO_OPTIONS;
      outputs = await v.queue.predict(tensors, options);
    } catch (err) {
      const code = isAscentError(err) ? err.code : 'INTERNAL';
      if (code === 'RATE_LIMITED') this.options.metrics.reject(d.name, v.spec.name, 'queue_full');
      const seconds = (performance.now() - started) / 1000;
      this.meterOf(d, v, shadow).observe(seconds, code);
      this.options.log.record({
        requestId: call.requestId, deployment: d.name, variant: v.spec.name, modelName: v.target.name, modelVersion: v.target.version,
        timestamp, latencyMs: seconds * 1000, shadow, inputs: logInputs(call.input, tensors, v), outputs: [], error: (err as Error).message,
      }, { keepInputs: this.random() < d.deployment.inputSampleRate });
      throw err;
    }
    const seconds = (performance.now() - started) / 1000;
    this.meterOf(d, v, shadow).observe(seconds);
    this.options.log.record({
      requestId: call.requestId, deployment: d.name, variant: v.spec.name, modelName: v.target.name, modelVersion: v.target.version,
      timestamp, latencyMs: seconds * 1000, shadow, inputs: logInputs(call.input, tensors, v), outputs: tensorsToPredictions(outputs),
    }, { keepInputs: this.random() < d.deployment.inputSampleRate });
    return { requestId: call.requestId, deployment: d.name, variant: v.spec.name, modelName: v.target.name, modelVersion: v.target.version, outputs };
  }

  /** The variant's bound metric instruments, kept on the variant so a request does no label lookup. */
  private meterOf(d: LiveDeployment, v: LiveVariant, shadow: boolean): VariantMeter {
    const slot = shadow ? 'shadow' : 'caller';
    return (v.meters[slot] ??= this.options.metrics.meter({ deployment: d.name, variant: v.spec.name, model: v.target.name, version: v.target.version, shadow }));
  }

  private async poll(): Promise<void> {
    try {
      const stored = await this.options.deployments.revisions();
      const work: Promise<void>[] = [];
      for (const [name, revision] of stored) {
        const live = this.live.get(name);
        if (!live || live.revision !== revision || (await this.aliasMoved(live))) {
          if (this.book.shouldRetry(name, revision)) work.push(this.sync(name));
        }
      }
      for (const name of this.live.keys()) if (!stored.has(name)) work.push(this.sync(name));
      await Promise.allSettled(work);
    } catch (err) {
      this.options.onError?.(err, 'serving poll');
    }
  }

  private async aliasMoved(live: LiveDeployment): Promise<boolean> {
    for (const v of live.variants.values()) {
      if (!v.spec.model.includes('@')) continue;
      try {
        if ((await this.options.models.resolve(v.spec.model)).version !== v.target.version) return true;
      } catch {
        // The alias was removed: keep serving what is loaded rather than failing callers.
      }
    }
    return false;
  }

  private async syncNow(name: string): Promise<void> {
    if (this.closed) return;
    let deployment: Deployment;
    try {
      deployment = await this.options.deployments.get(name);
    } catch (err) {
      if (!isAscentError(err) || err.code !== 'NOT_FOUND') throw err;
      const old = this.live.get(name);
      this.live.delete(name);
      this.book.forget(name);
      await old?.drain(this.cache);
      return;
    }
    this.book.loading(name, deployment.revision);
    try {
      const versions = new Map<string, string>();
      for (const v of deployment.variants) versions.set(v.name, (await this.options.models.resolve(v.model)).version);
      const current = this.live.get(name);
      if (current && current.revision === deployment.revision && [...current.variants.values()].every((v) => versions.get(v.spec.name) === v.target.version)) {
        this.book.ready(name, deployment.revision);
        return;
      }
      const next = await LiveDeployment.load(deployment, versions, this.cache, (message) => this.options.onError?.(new Error(message), `deployment ${name}`));
      if (this.closed) {
        await next.drain(this.cache);
        return;
      }
      this.live.set(name, next);
      this.book.ready(name, deployment.revision);
      // Requests already routed to the old revision finish on it; new ones see only `next`.
      if (current) void current.drain(this.cache).catch((err) => this.options.onError?.(err, `draining ${name}`));
    } catch (err) {
      this.book.failed(name, deployment.revision, (err as Error).message);
      this.options.onError?.(err, `loading deployment ${name}`);
    }
  }
}

/** Shared options of a predict call that names no outputs (runtimes only read them). */
const NO_OPTIONS: PredictOptions = Object.freeze({});

/** The request's inputs as feature records for the inference log: the table's rows, else the encoded tensors. */
function logInputs(input: ModelRequest, tensors: Tensor[] | undefined, v: LiveVariant): Record<string, unknown>[] {
  return input.kind === 'columns' ? rowsOf(input) : safeRecords(tensors, columnsOf(v));
}

/** Table rows as feature records (for the inference log). */
function rowsOf(req: { columns: string[]; rows: unknown[][] }): Record<string, unknown>[] {
  const { columns, rows } = req;
  // A column named `__proto__` must become an own property, as Object.fromEntries makes it.
  if (columns.includes('__proto__')) return rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
  const out: Record<string, unknown>[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const record: Record<string, unknown> = {};
    for (let c = 0; c < columns.length; c++) record[columns[c]!] = row[c];
    out[r] = record;
  }
  return out;
}

/** A column-based signature's feature names, used to name the columns of a stacked input tensor. */
function columnsOf(v: LiveVariant): string[] | null {
  const inputs = v.served.signature?.inputs;
  return inputs && inputs.length > 0 && inputs.every((s) => s.type !== 'tensor' && s.name) ? inputs.map((s) => s.name!) : null;
}

function safeRecords(tensors: Tensor[] | undefined, columns: string[] | null): Record<string, unknown>[] {
  if (!tensors) return [];
  try {
    return tensorsToRecords(tensors, columns);
  } catch {
    return [];
  }
}
