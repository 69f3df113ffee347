import type { Deployment, VariantSpec } from '../deployments/model.js';
import type { VariantMeter } from '../metrics/serving-metrics.js';
import type { ModelCache, ModelTarget, ServedModel } from './model-cache.js';
import { PredictionQueue } from './prediction-queue.js';
import { TrafficPicker } from './traffic-picker.js';

/** Rows per model call when a variant does not say: onnx models predict row by row; others may not. */
const DEFAULT_MAX_BATCH: Record<string, number> = { onnx: 32 };

/** One variant of a serving revision: its resolved version, loaded model and prediction queue. */
export interface LiveVariant {
  spec: VariantSpec;
  target: ModelTarget;
  served: ServedModel;
  queue: PredictionQueue;
  /** Its metric instruments for caller-facing and mirrored predictions, bound on first use. */
  meters: { caller?: VariantMeter; shadow?: VariantMeter };
}

/** A deployment revision loaded and ready: what requests are routed against until the next swap. */
export class LiveDeployment {
  readonly picker: TrafficPicker<VariantSpec>;
  private constructor(readonly deployment: Deployment, readonly variants: Map<string, LiveVariant>) {
    this.picker = new TrafficPicker(deployment.variants);
  }

  get name(): string {
    return this.deployment.name;
  }
  get revision(): number {
    return this.deployment.revision;
  }

  /** Load (or share) every variant's model before anything routes to it; all or nothing. */
  static async load(deployment: Deployment, versions: Map<string, string>, cache: ModelCache, onWarning?: (message: string) => void): Promise<LiveDeployment> {
    const acquired: LiveVariant[] = [];
    try {
      for (const spec of deployment.variants) {
        const version = versions.get(spec.name)!;
        const name = modelName(spec.model);
        const target: ModelTarget = { name, version, runtime: spec.runtime ?? null, concurrency: spec.concurrency, ...(spec.http ? { http: spec.http } : {}) };
        const served = await cache.acquire(target);
        const describe = `Variant '${spec.name}' of deployment '${deployment.name}'`;
        const queue = new PredictionQueue(served.model, {
          concurrency: spec.concurrency, maxQueue: spec.maxQueue, maxBatch: spec.maxBatch ?? DEFAULT_MAX_BATCH[served.runtime ?? ''] ?? 1, describe,
          onUnbatchable: (reason) => onWarning?.(`${describe}: batching turned off, ${reason}`),
        });
        acquired.push({ spec, target, served, queue, meters: {} });
      }
    } catch (err) {
      await Promise.allSettled(acquired.map((v) => cache.release(v.target)));
      throw err;
    }
    return new LiveDeployment(deployment, new Map(acquired.map((v) => [v.spec.name, v])));
  }

  /** Let admitted requests finish, then give the models back (closing those no revision uses). */
  async drain(cache: ModelCache): Promise<void> {
    await Promise.all([...this.variants.values()].map((v) => v.queue.idle()));
    await Promise.allSettled([...this.variants.values()].map((v) => cache.release(v.target)));
  }
}

/** `iris/3` → iris, `models:/iris@champion` → iris. */
export function modelName(ref: string): string {
  const r = ref.replace(/^models:\//, '');
  const at = r.lastIndexOf('@');
  if (at > 0) return r.slice(0, at);
  return r.slice(0, r.lastIndexOf('/'));
}
