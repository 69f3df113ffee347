import { AscentError, invalid, isAscentError, notFound } from '../../core/errors.js';
import { parseInput } from '../../core/validate.js';
import type { ModelVersion } from '../../registry/model.js';
import {
  CreateDeploymentInput, DeploymentSpecInput, TrafficInput, UpdateDeploymentInput,
  type Deployment, type DeploymentRevision, type DeploymentSpec,
} from './model.js';
import type { DeploymentStore } from './store.js';

/** Resolves a model reference (`name/3`, `name@alias`) to a registry version. */
export interface ModelResolver {
  resolve(reference: string): Promise<ModelVersion>;
}

/** What the deployment service needs: its store, the registry for references, a clock. */
export interface DeploymentServiceOptions {
  store: DeploymentStore;
  models: ModelResolver;
  now?: () => number;
}

const MAX_HISTORY = 1000;

/** Rules of deployments: valid traffic, resolvable models, revisions for every change, rollback. */
export class DeploymentService {
  private readonly store: DeploymentStore;
  private readonly models: ModelResolver;
  private readonly now: () => number;

  constructor(options: DeploymentServiceOptions) {
    this.store = options.store;
    this.models = options.models;
    this.now = options.now ?? Date.now;
  }

  async create(raw: unknown, actor: string): Promise<Deployment> {
    const { name, message, ...spec } = parseInput(CreateDeploymentInput, raw, 'deployment');
    await this.check(spec);
    return this.store.write({ name, spec, actor, message: message ?? null, time: this.now(), expectedRevision: null });
  }

  /** Replace the spec (models, runtimes, traffic) as a new revision. */
  async update(name: string, raw: unknown, actor: string): Promise<Deployment> {
    const { expectedRevision, message, ...spec } = parseInput(UpdateDeploymentInput, raw, 'deployment');
    const current = await this.get(name);
    await this.check(spec);
    return this.store.write({ name, spec, actor, message: message ?? null, time: this.now(), expectedRevision: expectedRevision ?? current.revision });
  }

  /** Change only weights, percents or roles; models stay loaded, so a shift is instant. */
  async setTraffic(name: string, raw: unknown, actor: string): Promise<Deployment> {
    const input = parseInput(TrafficInput, raw, 'traffic');
    const current = await this.get(name);
    const variants = current.variants.map((v) => ({ ...v }));
    input.traffic.forEach((t, i) => {
      const v = variants.find((x) => x.name === t.variant);
      if (!v) throw invalid(`Deployment '${name}' has no variant '${t.variant}'`, `traffic.${i}.variant`);
      if (t.role !== undefined) v.role = t.role;
      if (t.weight !== undefined) v.weight = t.weight;
      if (t.percent !== undefined) v.percent = t.percent;
    });
    const spec = specOf(current, variants);
    checkTraffic(spec);
    return this.store.write({ name, spec, actor, message: input.message ?? null, time: this.now(), expectedRevision: input.expectedRevision ?? current.revision });
  }

  /** Re-apply an earlier revision's spec (default: the one before the current) as a new revision. */
  async rollback(name: string, options: { toRevision?: number | null; message?: string | null }, actor: string): Promise<Deployment> {
    const current = await this.get(name);
    const target = options.toRevision ?? current.revision - 1;
    if (!Number.isInteger(target) || target < 1 || target >= current.revision) {
      throw invalid(current.revision === 1 ? `Deployment '${name}' has no earlier revision to roll back to` : `toRevision must be between 1 and ${current.revision - 1}`, 'toRevision');
    }
    const old = await this.store.getRevision(name, target);
    if (!old) throw notFound(`Deployment '${name}' has no revision ${target}`);
    await this.check(old.spec);
    const message = options.message ?? `rollback to revision ${target}`;
    return this.store.write({ name, spec: old.spec, actor, message, time: this.now(), expectedRevision: current.revision });
  }

  async get(name: string): Promise<Deployment> {
    const d = await this.store.get(name);
    if (!d) throw notFound(`Deployment '${name}' not found`);
    return d;
  }

  list(): Promise<Deployment[]> {
    return this.store.list();
  }

  revisions(): Promise<Map<string, number>> {
    return this.store.revisions();
  }

  async history(name: string, limit = 100): Promise<DeploymentRevision[]> {
    await this.get(name);
    return this.store.history(name, Math.min(Math.max(1, limit), MAX_HISTORY));
  }

  async delete(name: string): Promise<void> {
    if (!(await this.store.delete(name))) throw notFound(`Deployment '${name}' not found`);
  }

  private async check(spec: DeploymentSpec): Promise<void> {
    checkTraffic(spec);
    for (const [i, v] of spec.variants.entries()) {
      try {
        await this.models.resolve(v.model);
      } catch (err) {
        if (isAscentError(err) && (err.code === 'NOT_FOUND' || err.code === 'INVALID_ARGUMENT')) {
          throw new AscentError('INVALID_ARGUMENT', `Variant '${v.name}': ${err.message}`, { field: `variants.${i}.model` });
        }
        throw err;
      }
    }
  }
}

function specOf(d: Deployment, variants: DeploymentSpec['variants']): DeploymentSpec {
  return parseInput(DeploymentSpecInput, { description: d.description, variants, stickyKey: d.stickyKey ?? null, inputSampleRate: d.inputSampleRate }, 'deployment');
}

/** Traffic must be routable: unique names, canaries ≤ 100 %, something left for the rest. */
export function checkTraffic(spec: DeploymentSpec): void {
  const seen = new Set<string>();
  spec.variants.forEach((v, i) => {
    if (seen.has(v.name)) throw invalid(`Variant name '${v.name}' is used twice`, `variants.${i}.name`);
    seen.add(v.name);
    if (v.runtime === 'http' && !v.http) throw invalid(`Variant '${v.name}' runs on runtime 'http' and needs http.url (the external server)`, `variants.${i}.http`);
  });
  const canary = spec.variants.filter((v) => v.role === 'canary').reduce((s, v) => s + v.percent, 0);
  if (canary > 100) throw invalid(`Canary percents add up to ${canary}, more than 100`, 'variants');
  const splitWeight = spec.variants.filter((v) => v.role === 'split').reduce((s, v) => s + v.weight, 0);
  if (canary < 100 && splitWeight <= 0) {
    throw invalid(canary === 0 && spec.variants.every((v) => v.role === 'shadow')
      ? 'A deployment needs at least one variant that answers callers (role split or canary)'
      : 'Traffic not taken by canaries needs a split variant with a positive weight', 'variants');
  }
}
