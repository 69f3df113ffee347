import { z } from 'zod';
import { alreadyExists, invalid, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { systemClock, type Clock } from '../core/clock.js';
import { parseInput } from '../core/validate.js';
import type { Page } from '../tracking/model.js';
import type { TrackingService } from '../tracking/service.js';
import type { LoggedModelService } from '../tracking/logged-model-service.js';
import { decodePageToken, encodePageToken, parseFilter, parseOrderBy } from '../tracking/search-filter.js';
import { AliasName, CreateModelInput, CreateVersionInput, ModelName, STAGES, VersionString, type ModelVersion, type RegisteredModel, type RegistryEvent, type Stage } from './model.js';
import type { NewRegistryEvent, RegistryStore, RegistryTx } from './store.js';

export interface RegistryServiceOptions {
  store: RegistryStore;
  tracking: TrackingService;
  loggedModels: LoggedModelService;
  clock?: Clock;
  /** Reads a new version's package and returns its signature JSON, recorded on the version. */
  packageInspector?: PackageInspector;
}

/** Signature JSON of the package a new version points at, or null when there is none to read. */
export type PackageInspector = (version: { source: string; runId: string | null; loggedModelId: string | null }) => Promise<string | null>;

/** Who is acting, and why: recorded on every event. */
export interface Actor {
  user: string;
  reason?: string | null;
}

/** `stage:Production` is the approval target of a stage transition. */
export const stageTarget = (stage: Stage): string => `stage:${stage}`;

/**
 * Rules of the model registry. Every mutation runs in one store transaction that also appends its
 * audit event (the outbox), so history, webhooks and state never disagree.
 */
export class RegistryService {
  readonly store: RegistryStore;
  private readonly tracking: TrackingService;
  private readonly loggedModels: LoggedModelService;
  private readonly packageInspector: PackageInspector | undefined;
  readonly clock: Clock;

  constructor(options: RegistryServiceOptions) {
    this.store = options.store;
    this.tracking = options.tracking;
    this.loggedModels = options.loggedModels;
    this.clock = options.clock ?? systemClock;
    this.packageInspector = options.packageInspector;
  }

  // ---------------- registered models ----------------

  async createModel(raw: unknown, actor: Actor): Promise<RegisteredModel> {
    const input = parseInput(CreateModelInput, raw, 'registered model');
    const now = this.clock.now();
    return this.store.transaction(async (tx) => {
      if (await tx.getModel(input.name)) throw alreadyExists(`Registered Model (name=${input.name}) already exists.`);
      const model = {
        modelId: newId('rm'),
        name: input.name,
        description: input.description ?? '',
        owner: input.owner || actor.user,
        projectId: input.projectId || 'default',
        creationTime: now,
        lastUpdatedTime: now,
        tags: input.tags,
      };
      await tx.insertModel(model);
      await tx.appendEvent(model, { type: 'model.created', actor: actor.user, reason: actor.reason ?? null, payload: { description: model.description } }, now);
      return { ...model, aliases: [] };
    }).then(() => this.getModel(input.name));
  }

  async getModel(name: string): Promise<RegisteredModel> {
    const model = await this.store.getModel(parseInput(ModelName, name, 'name'));
    if (!model) throw notFound(`Registered Model with name=${name} not found`);
    return model;
  }

  async searchModels(params: { filter?: string | null; orderBy?: string[] | null; maxResults?: number | null; pageToken?: string | null }): Promise<Page<RegisteredModel>> {
    const maxResults = boundedMax(params.maxResults, 100, 1000);
    const offset = decodePageToken(params.pageToken);
    const items = await this.store.searchModels({ filter: parseFilter(params.filter, 'registered_models'), orderBy: parseOrderBy(params.orderBy, 'registered_models'), maxResults: maxResults + 1, offset });
    return page(items, maxResults, offset);
  }

  async renameModel(name: string, newName: string, actor: Actor): Promise<RegisteredModel> {
    const target = parseInput(ModelName, newName, 'new_name');
    await this.write(name, actor, async (tx, model) => {
      if (target !== name && (await tx.getModel(target))) throw alreadyExists(`Registered Model (name=${target}) already exists.`);
      await tx.updateModel(model.modelId, { name: target, lastUpdatedTime: this.clock.now() });
      await tx.appendEvent({ modelId: model.modelId, name: target }, { type: 'model.renamed', actor: actor.user, reason: actor.reason ?? null, payload: { from: name, to: target } }, this.clock.now());
    });
    return this.getModel(target);
  }

  async updateModel(name: string, description: string, actor: Actor): Promise<RegisteredModel> {
    const text = parseInput(z.string().max(65535), description ?? '', 'description');
    await this.write(name, actor, async (tx, model) => {
      await tx.updateModel(model.modelId, { description: text, lastUpdatedTime: this.clock.now() });
      await this.event(tx, model, actor, { type: 'model.updated', payload: { description: text } });
    });
    return this.getModel(name);
  }

  async deleteModel(name: string, actor: Actor): Promise<void> {
    await this.write(name, actor, async (tx, model) => {
      await tx.deleteModel(model.modelId);
      await this.event(tx, model, actor, { type: 'model.deleted' });
    });
  }

  async setModelTag(name: string, key: string, value: string, actor: Actor): Promise<void> {
    const tag = parseInput(z.object({ key: z.string().min(1).max(250), value: z.string().max(5000) }), { key, value }, 'tag');
    await this.write(name, actor, async (tx, model) => {
      await tx.setModelTag(model.modelId, tag);
      await this.event(tx, model, actor, { type: 'model.tag_set', payload: tag });
    });
  }

  async deleteModelTag(name: string, key: string, actor: Actor): Promise<void> {
    await this.write(name, actor, async (tx, model) => {
      if (!model.tags.some((t) => t.key === key)) throw notFound(`No tag with key '${key}' on registered model '${name}'`);
      await tx.deleteModelTag(model.modelId, key);
      await this.event(tx, model, actor, { type: 'model.tag_deleted', payload: { key } });
    });
  }

  // ---------------- versions ----------------

  async createVersion(raw: unknown, actor: Actor): Promise<ModelVersion> {
    const input = parseInput(CreateVersionInput, raw, 'model version');
    let runId = input.runId ?? null;
    let loggedModelId = input.loggedModelId ?? null;
    const fromLogged = /^models:\/(m-[0-9a-f]{32})$/.exec(input.source);
    if (fromLogged && !loggedModelId) loggedModelId = fromLogged[1]!;
    if (loggedModelId) {
      const logged = await this.loggedModels.get(loggedModelId);
      runId ??= logged.sourceRunId;
    }
    const metrics = runId ? (await this.tracking.getRun(runId)).data.metrics.filter((m) => Number.isFinite(m.value)).map((m) => ({ key: m.key, value: m.value, step: m.step })) : [];
    // MLflow uploads the package before registering it, so the signature can be read now.
    const signature = this.packageInspector ? await this.packageInspector({ source: input.source, runId, loggedModelId }).catch(() => null) : null;
    const now = this.clock.now();
    const version = await this.write(input.name, actor, async (tx, model) => {
      const v = String(await tx.nextVersion(model.modelId));
      await tx.insertVersion(model.modelId, {
        version: v,
        source: input.source,
        runId,
        loggedModelId,
        status: 'READY',
        statusMessage: null,
        description: input.description ?? '',
        userId: input.userId || actor.user,
        currentStage: 'None',
        creationTime: now,
        lastUpdatedTime: now,
        runLink: input.runLink ?? null,
        signature,
        tags: input.tags,
        metrics,
      });
      await this.event(tx, model, actor, { type: 'version.created', version: v, payload: { source: input.source, runId, loggedModelId } });
      return v;
    });
    return this.getVersion(input.name, version);
  }

  async getVersion(name: string, version: string): Promise<ModelVersion> {
    const v = await this.store.getVersion(name, parseInput(VersionString, version, 'version'));
    if (!v) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
    return v;
  }

  /** Resolve `name/3`, `name@alias` or `name/latest` (also as `models:/…` URIs) to a version. */
  async resolve(reference: string): Promise<ModelVersion> {
    const ref = reference.replace(/^models:\//, '');
    const at = /^(.+)@([^@/]+)$/.exec(ref);
    if (at) return this.getVersionByAlias(at[1]!, at[2]!);
    const slash = /^(.+)\/([^/]+)$/.exec(ref);
    if (!slash) throw invalid(`Model reference '${reference}' must look like name/version, name@alias or name/latest`, 'model');
    const [, name, v] = slash as unknown as [string, string, string];
    if (v === 'latest') {
      const all = await this.store.searchVersions({ modelName: name, filter: [], orderBy: [], maxResults: 1, offset: 0 });
      if (!all[0]) throw notFound(`Registered model '${name}' has no versions`);
      return all[0];
    }
    if (STAGES.includes(v as Stage)) {
      const [latest] = await this.store.latestVersions(name, [v as Stage]);
      if (!latest) throw notFound(`No version of '${name}' is in stage ${v}`);
      return latest;
    }
    return this.getVersion(name, v);
  }

  async searchVersions(params: { filter?: string | null; orderBy?: string[] | null; maxResults?: number | null; pageToken?: string | null; modelName?: string }): Promise<Page<ModelVersion>> {
    const maxResults = boundedMax(params.maxResults, 10_000, 200_000);
    const offset = decodePageToken(params.pageToken);
    const items = await this.store.searchVersions({
      filter: parseFilter(params.filter, 'model_versions'),
      orderBy: parseOrderBy(params.orderBy, 'model_versions'),
      maxResults: maxResults + 1,
      offset,
      ...(params.modelName !== undefined ? { modelName: params.modelName } : {}),
    });
    return page(items, maxResults, offset);
  }

  async latestVersions(name: string, stages: string[] = []): Promise<ModelVersion[]> {
    await this.getModel(name);
    const parsed = parseInput(z.array(z.enum(STAGES)), stages.map(normalizeStage), 'stages');
    return this.store.latestVersions(name, parsed);
  }

  async updateVersion(name: string, version: string, description: string, actor: Actor): Promise<ModelVersion> {
    const text = parseInput(z.string().max(65535), description ?? '', 'description');
    await this.writeVersion(name, version, actor, async (tx, model, v) => {
      await tx.updateVersion(model.modelId, v.version, { description: text, lastUpdatedTime: this.clock.now() });
      await this.event(tx, model, actor, { type: 'version.updated', version: v.version, payload: { description: text } });
    });
    return this.getVersion(name, version);
  }

  async deleteVersion(name: string, version: string, actor: Actor): Promise<void> {
    await this.writeVersion(name, version, actor, async (tx, model, v) => {
      const aliases = await tx.deleteAliasesOfVersion(model.modelId, v.version);
      for (const alias of aliases) await this.event(tx, model, actor, { type: 'alias.deleted', alias, fromVersion: v.version, toVersion: null, version: v.version });
      await tx.deleteVersion(model.modelId, v.version);
      await this.event(tx, model, actor, { type: 'version.deleted', version: v.version });
    });
  }

  async setVersionTag(name: string, version: string, key: string, value: string, actor: Actor): Promise<void> {
    const tag = parseInput(z.object({ key: z.string().min(1).max(250), value: z.string().max(5000) }), { key, value }, 'tag');
    await this.writeVersion(name, version, actor, async (tx, model, v) => {
      await tx.setVersionTag(model.modelId, v.version, tag);
      await this.event(tx, model, actor, { type: 'version.tag_set', version: v.version, payload: tag });
    });
  }

  async deleteVersionTag(name: string, version: string, key: string, actor: Actor): Promise<void> {
    await this.writeVersion(name, version, actor, async (tx, model, v) => {
      if (!v.tags.some((t) => t.key === key)) throw notFound(`No tag with key '${key}' on ${name} version ${version}`);
      await tx.deleteVersionTag(model.modelId, v.version, key);
      await this.event(tx, model, actor, { type: 'version.tag_deleted', version: v.version, payload: { key } });
    });
  }

  // ---------------- history ----------------

  async history(params: { name?: string; alias?: string; types?: string[]; afterSeq?: number; until?: number; limit?: number; descending?: boolean }): Promise<RegistryEvent[]> {
    return this.store.events({
      ...(await this.modelScope(params.name)),
      ...(params.alias !== undefined ? { alias: params.alias } : {}),
      ...(params.types ? { types: params.types as RegistryEvent['type'][] } : {}),
      ...(params.afterSeq !== undefined ? { afterSeq: params.afterSeq } : {}),
      ...(params.until !== undefined ? { until: params.until } : {}),
      limit: boundedMax(params.limit, 1000, 10_000),
      descending: params.descending ?? false,
    });
  }

  /** Which version did `alias` point to at `time`? null when it pointed nowhere. */
  async aliasAt(name: string, alias: string, time: number): Promise<{ version: string | null; event: RegistryEvent | null }> {
    const [last] = await this.store.events({ ...(await this.modelScope(name)), alias, types: ['alias.set', 'alias.deleted'], until: time, limit: 1, descending: true });
    if (!last) return { version: null, event: null };
    return { version: last.type === 'alias.set' ? last.toVersion : null, event: last };
  }

  /**
   * History follows a model by id, so it survives renames and a new model reusing a deleted one's
   * name starts with a clean history; a name no live model holds finds the events recorded under it.
   */
  private async modelScope(name: string | undefined): Promise<{ modelId?: string; modelName?: string }> {
    if (name === undefined) return {};
    const model = await this.store.getModel(name);
    return model ? { modelId: model.modelId } : { modelName: name };
  }

  // ---------------- internals shared with aliases/approvals ----------------

  /** Run `fn` in a transaction holding the model's row lock. */
  async write<T>(name: string, _actor: Actor, fn: (tx: RegistryTx, model: RegisteredModel) => Promise<T>): Promise<T> {
    const parsed = parseInput(ModelName, name, 'name');
    return this.store.transaction(async (tx) => {
      const model = await tx.lockModel(parsed);
      if (!model) throw notFound(`Registered Model with name=${name} not found`);
      return fn(tx, model);
    });
  }

  async writeVersion<T>(name: string, version: string, actor: Actor, fn: (tx: RegistryTx, model: RegisteredModel, v: ModelVersion) => Promise<T>): Promise<T> {
    const ver = parseInput(VersionString, version, 'version');
    return this.write(name, actor, async (tx, model) => {
      const v = await tx.getVersion(model.modelId, ver);
      if (!v) throw notFound(`Model Version (name=${name}, version=${ver}) not found`);
      return fn(tx, model, v);
    });
  }

  event(tx: RegistryTx, model: RegisteredModel, actor: Actor, e: Omit<NewRegistryEvent, 'actor'>): Promise<RegistryEvent> {
    return tx.appendEvent(model, { reason: actor.reason ?? null, ...e, actor: actor.user }, this.clock.now());
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const model = await this.getModel(name);
    const entry = model.aliases.find((a) => a.alias === alias);
    if (!entry) throw notFound(`Registered model alias ${alias} not found.`);
    return this.getVersion(name, entry.version);
  }

  parseAlias(alias: string): string {
    return parseInput(AliasName, alias, 'alias');
  }
}

export function normalizeStage(stage: string): string {
  const match = STAGES.find((s) => s.toLowerCase() === String(stage).toLowerCase());
  return match ?? stage;
}

function boundedMax(value: number | null | undefined, fallback: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) throw invalid(`max_results must be an integer between 1 and ${max}`, 'max_results');
  return value;
}

function page<T>(items: T[], maxResults: number, offset: number): Page<T> {
  return items.length > maxResults ? { items: items.slice(0, maxResults), nextPageToken: encodePageToken(offset + maxResults) } : { items };
}

