// Type-only imports: the registry's entities are defined once, in the registry domain, and erased at build.
import type { Page } from '../../src/tracking/model.js';
import type { ApprovalRequest, ApprovalRule, ApprovalStatus, ModelVersion, RegisteredModel, RegistryEvent, RegistryEventType } from '../../src/registry/model.js';
import type { LineageGraph, LineageNode, LineageRelation } from '../../src/registry/lineage/model.js';
import type { ModelSignature, PackageRuntime, ParamSpec, SignatureSpec } from '../../src/registry/packages/manifest.js';
import { buildUrl, request } from './api';

export type { ApprovalRequest, ApprovalRule, ApprovalStatus, ModelVersion, RegisteredModel, RegistryEvent, RegistryEventType } from '../../src/registry/model.js';
export type { LineageEdge, LineageGraph, LineageNode, LineageNodeKind, LineageRelation } from '../../src/registry/lineage/model.js';
export type { ModelSignature, ParamSpec, SignatureSpec } from '../../src/registry/packages/manifest.js';

/** A version's model package as `GET …/versions/:version/package` answers it. */
export interface ModelPackageInfo {
  name: string;
  version: string;
  source: string;
  /** Artifact-store path of the package root. */
  root: string;
  manifest: Record<string, unknown>;
  flavors: string[];
  runtime: PackageRuntime | null;
  signature: ModelSignature | null;
  requirements: string[];
  files: { path: string; size: number }[];
  problems: string[];
}

/** The answer of `GET …/aliases/:alias/at`: the version then, and the event that set it. */
export interface AliasAt {
  version: string | null;
  event: RegistryEvent | null;
}

export interface SearchRequest {
  filter?: string | undefined;
  orderBy?: string[] | undefined;
  maxResults?: number | undefined;
  pageToken?: string | undefined;
}

export interface HistoryRequest {
  alias?: string | undefined;
  /** Event types; the server takes them as a comma-separated list. */
  types?: readonly RegistryEventType[] | undefined;
  limit?: number | undefined;
}

const enc = encodeURIComponent;
const model = (name: string) => `/api/v1/models/${enc(name)}`;
const version = (name: string, v: string) => `${model(name)}/versions/${enc(v)}`;

/** Parse a signature's JSON (as recorded on a version); null when absent or unreadable. */
export function parseSignature(json: string | null | undefined): ModelSignature | null {
  if (!json) return null;
  try {
    const s = JSON.parse(json) as Partial<ModelSignature>;
    const list = <T>(v: unknown): T[] | null => (Array.isArray(v) ? (v as T[]) : typeof v === 'string' ? list<T>(JSON.parse(v)) : null);
    return { inputs: list<SignatureSpec>(s.inputs), outputs: list<SignatureSpec>(s.outputs), params: list<ParamSpec>(s.params) };
  } catch {
    return null;
  }
}

/** Deployments arrive beside the graph; draw them as nodes with a `serves` edge to the version. */
function withDeployments(graph: LineageGraph): LineageGraph {
  const ids = new Set(graph.nodes.map((n) => n.id));
  const extra: LineageNode[] = (graph.deployments ?? []).filter((d) => !ids.has(d.id));
  const edges = [...graph.edges];
  for (const d of graph.deployments ?? []) {
    if (!edges.some((e) => e.from === d.id || e.to === d.id)) edges.push({ from: d.id, to: graph.root, relation: 'serves' as LineageRelation });
  }
  return { ...graph, nodes: [...graph.nodes, ...extra], edges };
}

/** Typed client of the registry routes of the native API (`/api/v1/models…`, `/api/v1/approvals…`). */
export const registryApi = {
  searchModels(req: SearchRequest, signal?: AbortSignal): Promise<Page<RegisteredModel>> {
    return request('GET', '/api/v1/models', { query: { filter: req.filter, orderBy: req.orderBy, maxResults: req.maxResults, pageToken: req.pageToken }, signal });
  },

  getModel(name: string, signal?: AbortSignal): Promise<RegisteredModel> {
    return request('GET', model(name), { signal });
  },

  searchVersions(name: string, req: SearchRequest, signal?: AbortSignal): Promise<Page<ModelVersion>> {
    return request('GET', `${model(name)}/versions`, { query: { filter: req.filter, orderBy: req.orderBy, maxResults: req.maxResults, pageToken: req.pageToken }, signal });
  },

  getVersion(name: string, v: string, signal?: AbortSignal): Promise<ModelVersion> {
    return request('GET', version(name, v), { signal });
  },

  setAlias(name: string, alias: string, v: string, reason?: string): Promise<ModelVersion> {
    return request('PUT', `${model(name)}/aliases/${enc(alias)}`, { body: { version: v, reason: reason || null } });
  },

  deleteAlias(name: string, alias: string): Promise<void> {
    return request('DELETE', `${model(name)}/aliases/${enc(alias)}`);
  },

  async history(name: string, req: HistoryRequest, signal?: AbortSignal): Promise<RegistryEvent[]> {
    const answer = await request<RegistryEvent[] | { items: RegistryEvent[] }>('GET', `${model(name)}/history`, {
      query: { alias: req.alias, type: req.types?.length ? req.types.join(',') : undefined, limit: req.limit },
      signal,
    });
    return Array.isArray(answer) ? answer : answer.items;
  },

  /** `time` is an ISO-8601 instant or epoch milliseconds. */
  aliasAt(name: string, alias: string, time: string, signal?: AbortSignal): Promise<AliasAt> {
    return request('GET', `${model(name)}/aliases/${enc(alias)}/at`, { query: { time }, signal });
  },

  async lineage(name: string, v: string, signal?: AbortSignal): Promise<LineageGraph> {
    return withDeployments(await request<LineageGraph>('GET', `${version(name, v)}/lineage`, { signal }));
  },

  async approvalRules(name: string, signal?: AbortSignal): Promise<ApprovalRule[]> {
    return (await request<{ items: ApprovalRule[] }>('GET', `${model(name)}/approval-rules`, { signal })).items;
  },

  setApprovalRule(name: string, target: string, rule: { requiredApprovals: number; allowSelfApproval: boolean }): Promise<ApprovalRule> {
    return request('PUT', `${model(name)}/approval-rules/${enc(target)}`, { body: rule });
  },

  requestApproval(name: string, req: { target: string; version: string; reason?: string }): Promise<ApprovalRequest> {
    return request('POST', `${model(name)}/approvals`, { body: { target: req.target, version: req.version, reason: req.reason || null } });
  },

  async approvals(filter: { model?: string; status?: ApprovalStatus }, signal?: AbortSignal): Promise<ApprovalRequest[]> {
    return (await request<{ items: ApprovalRequest[] }>('GET', '/api/v1/approvals', { query: { model: filter.model, status: filter.status }, signal })).items;
  },

  decide(requestId: string, decision: 'approve' | 'reject', comment?: string): Promise<ApprovalRequest> {
    return request('POST', `/api/v1/approvals/${enc(requestId)}/${decision}`, { body: { comment: comment || null } });
  },

  getPackage(name: string, v: string, signal?: AbortSignal): Promise<ModelPackageInfo> {
    return request('GET', `${version(name, v)}/package`, { signal });
  },

  packageFileUrl(name: string, v: string, path: string): string {
    return buildUrl(`${version(name, v)}/package/content`, { path });
  },

  packageArchiveUrl(name: string, v: string): string {
    return `${version(name, v)}/package.tar.gz`;
  },
};
