import { AscentError } from '../core/errors.js';
import type { Page } from '../tracking/model.js';
import { reasonFields, type ChangeOptions } from './acting-user.js';
import type { HttpTransport } from './http-transport.js';
import { seg, toKeyValues, type KeyValues } from './key-values.js';
import type { AliasAtTime, LineageGraph, ModelVersion, RegisteredModel, RegistryEvent, RegistryEventType, Stage, VersionPackage } from './registry-types.js';

/** Query of `models.list` and `models.versions`: MLflow's filter and order-by grammar, one page at a time. */
export interface SearchModelsParams {
  /** E.g. `name LIKE 'churn-%'`, or `tags.team = 'risk'`. */
  filter?: string;
  /** E.g. `['name ASC']`. */
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

/** Options of `models.create`. */
export interface CreateModelOptions extends ChangeOptions {
  description?: string;
  tags?: KeyValues;
  /** The acting user when omitted. */
  owner?: string;
  projectId?: string;
}

/** Body of `models.createVersion`. */
export interface CreateVersionParams extends ChangeOptions {
  /** Where the package is: `runs:/<run>/model`, `mlflow-artifacts:/…`, or `models:/m-<id>`. */
  source: string;
  runId?: string;
  loggedModelId?: string;
  description?: string;
  tags?: KeyValues;
  runLink?: string;
}

/** Query of `models.history`. */
export interface HistoryParams {
  /** Only events about this alias (set, deleted, approvals on it). */
  alias?: string;
  types?: RegistryEventType[];
  /** At most this many events (server default 1,000). */
  limit?: number;
  /** Only events after this sequence number, to follow the history. */
  afterSeq?: number;
  /** Newest first (default) or oldest first. */
  order?: 'asc' | 'desc';
}

/** A version given as a reference (`name@alias`, `name/3`, `name/latest`, `models:/…`) or by name and number. */
export type VersionRef = string | { name: string; version: string | number };

/** Options of `models.downloadPackage`. */
export interface DownloadPackageOptions {
  /** Replace the package folder if it already exists (default: fail with ALREADY_EXISTS). */
  overwrite?: boolean;
}

/** A package downloaded and unpacked by `models.downloadPackage`. */
export interface DownloadedPackage {
  name: string;
  version: string;
  /** Absolute path of the unpacked package folder (`<destDir>/<name>-v<version>`). */
  dir: string;
  /** Files written, relative to `dir`. */
  files: string[];
}

/**
 * ModelsApi groups the native API's registry routes (`client.models`): registered models, their
 * immutable versions, aliases, stages, audit history, lineage and packages. Changes are recorded
 * with the client's acting user and the call's `reason`.
 */
export class ModelsApi {
  constructor(private readonly http: HttpTransport) {}

  // ---------------- registered models ----------------

  /** One page of registered models. */
  list(params: SearchModelsParams = {}): Promise<Page<RegisteredModel>> {
    return this.http.json({ method: 'GET', path: '/models', query: searchQuery(params) });
  }

  /** Every registered model matching `params`, fetching pages as the iteration goes. */
  async *listAll(params: Omit<SearchModelsParams, 'pageToken'> = {}): AsyncGenerator<RegisteredModel> {
    let pageToken: string | undefined;
    do {
      const page = await this.list({ ...params, ...(pageToken ? { pageToken } : {}) });
      yield* page.items;
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  /** Create a registered model; ALREADY_EXISTS if the name is taken. */
  create(name: string, options: CreateModelOptions = {}): Promise<RegisteredModel> {
    const { description, tags, owner, projectId } = options;
    const why = reasonFields(options, true);
    return this.http.json({
      method: 'POST',
      path: '/models',
      headers: why.headers,
      json: { name, ...defined({ description, owner, projectId }), tags: toKeyValues(tags), ...why.body },
    });
  }

  async get(name: string): Promise<RegisteredModel> {
    if (name !== 'resolve') return this.http.json({ method: 'GET', path: `/models/${seg(name)}` });
    // `GET /models/resolve` is the reference resolver, so a model of that name is found by search.
    const [model] = (await this.list({ filter: "name = 'resolve'" })).items;
    if (!model) throw new AscentError('NOT_FOUND', 'Registered Model with name=resolve not found');
    return model;
  }

  /** Rename a model; its versions and aliases follow it. */
  rename(name: string, newName: string, options: ChangeOptions = {}): Promise<RegisteredModel> {
    return this.patchModel(name, { name: newName }, options);
  }

  update(name: string, changes: { description: string }, options: ChangeOptions = {}): Promise<RegisteredModel> {
    return this.patchModel(name, { description: changes.description }, options);
  }

  /** Delete a model and its versions; its history is kept. */
  async delete(name: string, options: ChangeOptions = {}): Promise<void> {
    await this.http.json({ method: 'DELETE', path: `/models/${seg(name)}`, headers: reasonFields(options, false).headers });
  }

  async setTag(name: string, key: string, value: string, options: ChangeOptions = {}): Promise<void> {
    const headers = reasonFields(options, false).headers;
    await this.http.json({ method: 'PUT', path: `/models/${seg(name)}/tags/${seg(key)}`, headers, json: { value } });
  }

  async deleteTag(name: string, key: string, options: ChangeOptions = {}): Promise<void> {
    await this.http.json({ method: 'DELETE', path: `/models/${seg(name)}/tags/${seg(key)}`, headers: reasonFields(options, false).headers });
  }

  // ---------------- versions ----------------

  /** Register a new immutable version; its number is the model's next one. */
  createVersion(name: string, params: CreateVersionParams): Promise<ModelVersion> {
    const { source, runId, loggedModelId, description, tags, runLink } = params;
    const why = reasonFields(params, true);
    return this.http.json({
      method: 'POST',
      path: `/models/${seg(name)}/versions`,
      headers: why.headers,
      json: { source, ...defined({ runId, loggedModelId, description, runLink }), tags: toKeyValues(tags), ...why.body },
    });
  }

  /** One page of a model's versions, newest first. */
  versions(name: string, params: SearchModelsParams = {}): Promise<Page<ModelVersion>> {
    return this.http.json({ method: 'GET', path: `/models/${seg(name)}/versions`, query: searchQuery(params) });
  }

  /** Every version of a model matching `params`, newest first, fetching pages as the iteration goes. */
  async *versionsAll(name: string, params: Omit<SearchModelsParams, 'pageToken'> = {}): AsyncGenerator<ModelVersion> {
    let pageToken: string | undefined;
    do {
      const page = await this.versions(name, { ...params, ...(pageToken ? { pageToken } : {}) });
      yield* page.items;
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  getVersion(name: string, version: string | number): Promise<ModelVersion> {
    return this.http.json({ method: 'GET', path: versionPath(name, version) });
  }

  /** Change a version's description (everything else about a version is immutable). */
  updateVersion(name: string, version: string | number, changes: { description: string }, options: ChangeOptions = {}): Promise<ModelVersion> {
    const why = reasonFields(options, true);
    return this.http.json({ method: 'PATCH', path: versionPath(name, version), headers: why.headers, json: { description: changes.description, ...why.body } });
  }

  /** Delete a version and the aliases pointing at it; its number is never reused. */
  async deleteVersion(name: string, version: string | number, options: ChangeOptions = {}): Promise<void> {
    await this.http.json({ method: 'DELETE', path: versionPath(name, version), headers: reasonFields(options, false).headers });
  }

  async setVersionTag(name: string, version: string | number, key: string, value: string, options: ChangeOptions = {}): Promise<void> {
    const headers = reasonFields(options, false).headers;
    await this.http.json({ method: 'PUT', path: `${versionPath(name, version)}/tags/${seg(key)}`, headers, json: { value } });
  }

  async deleteVersionTag(name: string, version: string | number, key: string, options: ChangeOptions = {}): Promise<void> {
    await this.http.json({ method: 'DELETE', path: `${versionPath(name, version)}/tags/${seg(key)}`, headers: reasonFields(options, false).headers });
  }

  // ---------------- aliases and stages ----------------

  /** Point an alias at a version; PERMISSION_DENIED when the alias is approval-gated (see `client.approvals`). */
  setAlias(name: string, alias: string, version: string | number, options: ChangeOptions = {}): Promise<ModelVersion> {
    const why = reasonFields(options, true);
    return this.http.json({ method: 'PUT', path: aliasPath(name, alias), headers: why.headers, json: { version: String(version), ...why.body } });
  }

  async deleteAlias(name: string, alias: string, options: ChangeOptions = {}): Promise<void> {
    await this.http.json({ method: 'DELETE', path: aliasPath(name, alias), headers: reasonFields(options, false).headers });
  }

  /** The version an alias points to; NOT_FOUND when the alias is not set. */
  getByAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.http.json({ method: 'GET', path: aliasPath(name, alias) });
  }

  /** Move a version to an MLflow stage (deprecated in MLflow in favour of aliases; gated like aliases). */
  transitionStage(name: string, version: string | number, stage: Stage, options: ChangeOptions & { archiveExistingVersions?: boolean } = {}): Promise<ModelVersion> {
    const why = reasonFields(options, true);
    return this.http.json({
      method: 'POST',
      path: `${versionPath(name, version)}/stage`,
      headers: why.headers,
      json: { stage, archiveExistingVersions: options.archiveExistingVersions ?? false, ...why.body },
    });
  }

  /** The version a reference names: `name@alias`, `name/3`, `name/latest`, `name/Production`, or any of these as `models:/…`. */
  resolve(ref: string): Promise<ModelVersion> {
    return this.http.json({ method: 'GET', path: '/models/resolve', query: { ref } });
  }

  // ---------------- history and lineage ----------------

  /** A model's audit history, newest first unless `order: 'asc'`. */
  async history(name: string, params: HistoryParams = {}): Promise<RegistryEvent[]> {
    const query = { alias: params.alias, type: params.types?.join(','), limit: params.limit, afterSeq: params.afterSeq, order: params.order };
    return (await this.http.json<{ items: RegistryEvent[] }>({ method: 'GET', path: `/models/${seg(name)}/history`, query })).items;
  }

  /** Which version an alias pointed to at a moment (null: none), with the event that put it there. */
  aliasAt(name: string, alias: string, time: Date | number): Promise<AliasAtTime> {
    const ms = time instanceof Date ? time.getTime() : time;
    return this.http.json({ method: 'GET', path: `${aliasPath(name, alias)}/at`, query: { time: Math.trunc(ms) } });
  }

  /** What produced a version (run, datasets, code, parent runs, logged model) and what serves it. */
  lineage(name: string, version: string | number): Promise<LineageGraph> {
    return this.http.json({ method: 'GET', path: `${versionPath(name, version)}/lineage` });
  }

  // ---------------- packages ----------------

  /** A version's model package: manifest, flavors, runtime, signature, requirements and file list. */
  package(name: string, version: string | number): Promise<VersionPackage> {
    return this.http.json({ method: 'GET', path: `${versionPath(name, version)}/package` });
  }

  /** One file of a version's package; `path` is relative to the package root. */
  packageFile(name: string, version: string | number, path: string): Promise<Uint8Array> {
    return this.http.bytes({ method: 'GET', path: `${versionPath(name, version)}/package/content`, query: { path } });
  }

  /**
   * Download a version's package and unpack it into `<destDir>/<name>-v<version>`. The archive is
   * streamed to disk, not held in memory; entries that would land outside that folder (absolute
   * paths, `..`, links) are refused with INVALID_STATE and nothing is left behind. Node only.
   */
  async downloadPackage(ref: VersionRef, destDir: string, options: DownloadPackageOptions = {}): Promise<DownloadedPackage> {
    // A reference is resolved once, so an alias that moves meanwhile cannot mix two versions.
    const { name, version } = typeof ref === 'string' ? await this.resolve(ref) : { name: ref.name, version: String(ref.version) };
    const { unpackPackage } = await import('./package-extract.js');
    const unpacked = await this.http.stream({ method: 'GET', path: `${versionPath(name, version)}/package.tar.gz` }, (body) =>
      unpackPackage(body, { destDir, fallbackFolder: `${name.replace(/[^\w.-]+/g, '_')}-v${version}`, ...options }),
    );
    return { name, version, ...unpacked };
  }

  private patchModel(name: string, changes: { name?: string; description?: string }, options: ChangeOptions): Promise<RegisteredModel> {
    const why = reasonFields(options, true);
    return this.http.json({ method: 'PATCH', path: `/models/${seg(name)}`, headers: why.headers, json: { ...changes, ...why.body } });
  }
}

const versionPath = (name: string, version: string | number): string => `/models/${seg(name)}/versions/${seg(String(version))}`;
const aliasPath = (name: string, alias: string): string => `/models/${seg(name)}/aliases/${seg(alias)}`;

function searchQuery(params: SearchModelsParams): Record<string, string | number | string[] | undefined> {
  return { filter: params.filter, orderBy: params.orderBy, maxResults: params.maxResults, pageToken: params.pageToken };
}

/** The entries whose value is not undefined, so optional fields are left out of a body rather than sent as null. */
function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}
