import type { ModelSignature } from '../../registry/packages/manifest.js';
import type { RuntimeKind } from '../deployments/model.js';
import type { LoadedModel, Tensor } from '../model-runtime.js';

/** What the router asks for: one registry version, on a runtime (null: chosen from the package). */
export interface ModelTarget {
  name: string;
  version: string;
  runtime: RuntimeKind | null;
  concurrency: number;
  /** The external server of an `http` variant. */
  http?: { url: string; protocol: 'oip' | 'mlflow'; model?: string | null } | null;
}

/** A loaded model plus its MLflow signature (requests are validated and encoded against it). */
export interface ServedModel {
  model: LoadedModel;
  signature: ModelSignature | null;
  /** The runtime serving it (sets defaults such as dynamic batching). */
  runtime?: RuntimeKind;
}

/** Loads registry versions into runtimes (the runtimes' ModelLoader behind a small port). */
export interface ModelProvider {
  load(target: ModelTarget): Promise<ServedModel>;
}

interface Entry {
  refs: number;
  loading: Promise<ServedModel>;
}

/**
 * Shares one loaded model between revisions that serve the same version on the same runtime, so a
 * traffic shift or a rollback to a still-loaded version swaps instantly; the last release closes it.
 */
export class ModelCache {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly provider: ModelProvider) {}

  static key(t: ModelTarget): string {
    return `${t.name}\u0000${t.version}\u0000${t.runtime ?? ''}\u0000${t.http ? JSON.stringify(t.http) : ''}`;
  }

  async acquire(target: ModelTarget): Promise<ServedModel> {
    const key = ModelCache.key(target);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { refs: 0, loading: this.provider.load(target).then(async (served) => (await warm(served), served)) };
      this.entries.set(key, entry);
      entry.loading.catch(() => this.entries.delete(key));
    }
    entry.refs++;
    try {
      return await entry.loading;
    } catch (err) {
      entry.refs--;
      throw err;
    }
  }

  async release(target: ModelTarget): Promise<void> {
    const key = ModelCache.key(target);
    const entry = this.entries.get(key);
    if (!entry || --entry.refs > 0) return;
    this.entries.delete(key);
    await (await entry.loading).model.close();
  }

  get size(): number {
    return this.entries.size;
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.allSettled(all.map(async (e) => (await e.loading).model.close()));
  }
}

/**
 * One zero-filled single-row prediction before the model takes traffic, so lazy initialisation
 * (allocations, JIT, a python import) is paid here and not by the first caller. Best effort: a model
 * that refuses zeros is still served.
 */
async function warm(served: ServedModel): Promise<void> {
  const inputs: Tensor[] = [];
  for (const spec of served.model.metadata.inputs) {
    if (spec.datatype === 'BYTES' || spec.shape.slice(1).some((d) => d < 0)) return;
    const shape = spec.shape.length === 0 ? [1] : [1, ...spec.shape.slice(1)];
    const n = shape.reduce((a, b) => a * b, 1);
    inputs.push({ name: spec.name, datatype: spec.datatype, shape, data: new Array(n).fill(spec.datatype === 'BOOL' ? false : 0) });
  }
  try {
    await served.model.predict(inputs);
  } catch {
    // A model may reject an all-zero row (e.g. a signature constraint); warming is an optimisation.
  }
}
