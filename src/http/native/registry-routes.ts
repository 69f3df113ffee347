import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { invalid, notFound } from '../../core/errors.js';
import { parseInput } from '../../core/validate.js';
import { APPROVAL_STATUSES, REGISTRY_EVENT_TYPES, STAGES, type ModelVersion } from '../../registry/model.js';
import type { Actor } from '../../registry/service.js';
import { LineageService } from '../../registry/lineage/lineage-service.js';
import { LineageGraphSchema } from '../../registry/lineage/model.js';
import { PackageService } from '../../registry/packages/package-service.js';
import type { AppServices } from '../app-services.js';
import { contentTypeFor } from '../content-type.js';
import type { NativeRouter } from './native-router.js';
import { KeyValueSchema, optionalInt, page, stringList } from './native-schemas.js';

// ---------- response shapes, for the OpenAPI document ----------
const ModelSchema = z.object({
  modelId: z.string(),
  name: z.string(),
  description: z.string(),
  owner: z.string(),
  projectId: z.string(),
  creationTime: z.number(),
  lastUpdatedTime: z.number(),
  tags: z.array(KeyValueSchema),
  aliases: z.array(z.object({ alias: z.string(), version: z.string() })),
});
const VersionSchema = z.object({
  name: z.string(),
  version: z.string(),
  source: z.string(),
  runId: z.string().nullable(),
  loggedModelId: z.string().nullable(),
  status: z.string(),
  statusMessage: z.string().nullable(),
  description: z.string(),
  userId: z.string(),
  currentStage: z.enum(STAGES),
  creationTime: z.number(),
  lastUpdatedTime: z.number(),
  runLink: z.string().nullable(),
  signature: z.string().nullable().describe('JSON of {inputs, outputs, params}'),
  tags: z.array(KeyValueSchema),
  aliases: z.array(z.string()),
  metrics: z.array(z.object({ key: z.string(), value: z.number(), step: z.number() })),
});
const EventSchema = z.object({
  seq: z.number(),
  type: z.enum(REGISTRY_EVENT_TYPES),
  modelId: z.string(),
  modelName: z.string(),
  version: z.string().nullable(),
  alias: z.string().nullable(),
  fromVersion: z.string().nullable(),
  toVersion: z.string().nullable(),
  actor: z.string(),
  reason: z.string().nullable(),
  time: z.number(),
  payload: z.record(z.string(), z.unknown()),
});
const RuleSchema = z.object({ modelName: z.string(), target: z.string(), requiredApprovals: z.number(), allowSelfApproval: z.boolean(), createdBy: z.string(), creationTime: z.number() });
const RequestSchema = z.object({
  requestId: z.string(),
  modelName: z.string(),
  target: z.string(),
  version: z.string(),
  requestedBy: z.string(),
  reason: z.string().nullable(),
  status: z.enum(APPROVAL_STATUSES),
  approvals: z.array(z.object({ user: z.string(), time: z.number(), comment: z.string().nullable() })),
  decidedBy: z.string().nullable(),
  decisionReason: z.string().nullable(),
  creationTime: z.number(),
  decidedTime: z.number().nullable(),
});
const PackageSchema = z.object({
  name: z.string(),
  version: z.string(),
  source: z.string(),
  root: z.string(),
  manifest: z.record(z.string(), z.unknown()),
  flavors: z.array(z.string()),
  runtime: z.enum(['onnx', 'js', 'python']).nullable(),
  signature: z.object({ inputs: z.array(z.unknown()).nullable(), outputs: z.array(z.unknown()).nullable(), params: z.array(z.unknown()).nullable() }).nullable(),
  requirements: z.array(z.string()),
  files: z.array(z.object({ path: z.string(), size: z.number() })),
  problems: z.array(z.string()),
});

// ---------- request shapes ----------
const Name = z.object({ name: z.string().min(1) });
const NameVersion = Name.extend({ version: z.string().min(1) });
const NameAlias = Name.extend({ alias: z.string().min(1) });
const NameTarget = Name.extend({ target: z.string().min(1) });
const SearchQuery = z.object({ filter: z.string().optional(), orderBy: stringList, maxResults: optionalInt, pageToken: z.string().optional() });
const Decision = z.object({ comment: z.string().max(5000).nullish() });

/** Acting user from `x-ascent-user` (default `anonymous`); reason from `x-ascent-reason` or the body. */
function actorOf(request: FastifyRequest, reason?: string | null): Actor {
  const header = (name: string): string | undefined => {
    const value = request.headers[name];
    const text = (Array.isArray(value) ? value[0] : value)?.trim();
    return text ? text.slice(0, 256) : undefined;
  };
  return { user: header('x-ascent-user') ?? 'anonymous', reason: reason ?? header('x-ascent-reason') ?? null };
}

/** `2026-01-31T12:00:00Z` or epoch milliseconds. */
function parseTime(value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw invalid(`'${value}' is neither an ISO-8601 time nor epoch milliseconds`, 'time');
  return ms;
}

/** The model registry: models, versions, aliases, stages, approvals, history, lineage and packages. */
export function addRegistryRoutes(router: NativeRouter, services: AppServices): void {
  const { registry, releases } = services;
  // Built here because the composition root is not this layer's to change; both hold no state.
  const packages = new PackageService(services);
  const lineage = new LineageService(services);
  // Versions registered before their package arrived get their signature read on demand.
  const withSignature = async (v: ModelVersion): Promise<ModelVersion> => (v.signature !== null ? v : { ...v, signature: await packages.signatureJson(v).catch(() => null) });
  const version = (p: z.infer<typeof NameVersion>) => registry.getVersion(p.name, p.version);

  // ---------------- models ----------------
  router.add({
    method: 'GET', url: '/models', summary: 'Search registered models (MLflow filter grammar)', tag: 'registry', query: SearchQuery, response: page(ModelSchema),
    handler: async ({ query }) => registry.searchModels({ filter: query.filter ?? null, orderBy: query.orderBy ?? null, maxResults: query.maxResults ?? null, pageToken: query.pageToken ?? null }),
  });
  router.add({
    method: 'POST', url: '/models', summary: 'Create a registered model', tag: 'registry', response: ModelSchema,
    body: z.object({ name: z.string(), description: z.string().nullish(), tags: z.array(KeyValueSchema).optional(), owner: z.string().nullish(), projectId: z.string().nullish(), reason: z.string().nullish() }),
    handler: async ({ body, request }) => registry.createModel(body, actorOf(request, body.reason)),
  });
  router.add({
    method: 'GET', url: '/models/resolve', summary: 'Resolve models:/name/3, models:/name@alias or models:/name/latest to a version', tag: 'registry',
    query: z.object({ ref: z.string().min(1) }), response: VersionSchema,
    handler: async ({ query }) => withSignature(await registry.resolve(query.ref)),
  });
  router.add({ method: 'GET', url: '/models/:name', summary: 'Get a registered model', tag: 'registry', params: Name, response: ModelSchema, handler: async ({ params }) => registry.getModel(params.name) });
  router.add({
    method: 'PATCH', url: '/models/:name', summary: 'Update the description and/or rename a model', tag: 'registry', params: Name, response: ModelSchema,
    body: z.object({ name: z.string().optional(), description: z.string().optional(), reason: z.string().nullish() }),
    handler: async ({ params, body, request }) => {
      const actor = actorOf(request, body.reason);
      if (body.description !== undefined) await registry.updateModel(params.name, body.description, actor);
      if (body.name !== undefined && body.name !== params.name) return registry.renameModel(params.name, body.name, actor);
      return registry.getModel(params.name);
    },
  });
  router.add({ method: 'DELETE', url: '/models/:name', summary: 'Delete a model and its versions (history is kept)', tag: 'registry', params: Name, handler: async ({ params, request }) => registry.deleteModel(params.name, actorOf(request)) });
  router.add({
    method: 'PUT', url: '/models/:name/tags/:key', summary: 'Set a model tag', tag: 'registry', params: Name.extend({ key: z.string() }), body: z.object({ value: z.string() }),
    handler: async ({ params, body, request }) => registry.setModelTag(params.name, params.key, body.value, actorOf(request)),
  });
  router.add({ method: 'DELETE', url: '/models/:name/tags/:key', summary: 'Delete a model tag', tag: 'registry', params: Name.extend({ key: z.string() }), handler: async ({ params, request }) => registry.deleteModelTag(params.name, params.key, actorOf(request)) });

  // ---------------- versions ----------------
  router.add({
    method: 'POST', url: '/models/:name/versions', summary: 'Register a new immutable version from runs:/, models:/m-… or mlflow-artifacts:/ sources', tag: 'registry', params: Name, response: VersionSchema,
    body: z.object({ source: z.string(), runId: z.string().nullish(), loggedModelId: z.string().nullish(), description: z.string().nullish(), tags: z.array(KeyValueSchema).optional(), runLink: z.string().nullish(), reason: z.string().nullish() }),
    handler: async ({ params, body, request }) => withSignature(await registry.createVersion({ ...body, name: params.name }, actorOf(request, body.reason))),
  });
  router.add({
    method: 'GET', url: '/models/:name/versions', summary: "Search a model's versions (newest first)", tag: 'registry', params: Name, query: SearchQuery, response: page(VersionSchema),
    handler: async ({ params, query }) => {
      await registry.getModel(params.name);
      return registry.searchVersions({ modelName: params.name, filter: query.filter ?? null, orderBy: query.orderBy ?? null, maxResults: query.maxResults ?? null, pageToken: query.pageToken ?? null });
    },
  });
  router.add({ method: 'GET', url: '/models/:name/versions/:version', summary: 'Get a version', tag: 'registry', params: NameVersion, response: VersionSchema, handler: async ({ params }) => withSignature(await version(params)) });
  router.add({
    method: 'PATCH', url: '/models/:name/versions/:version', summary: "Update a version's description", tag: 'registry', params: NameVersion, response: VersionSchema,
    body: z.object({ description: z.string(), reason: z.string().nullish() }),
    handler: async ({ params, body, request }) => registry.updateVersion(params.name, params.version, body.description, actorOf(request, body.reason)),
  });
  router.add({ method: 'DELETE', url: '/models/:name/versions/:version', summary: 'Delete a version (its number is never reused)', tag: 'registry', params: NameVersion, handler: async ({ params, request }) => registry.deleteVersion(params.name, params.version, actorOf(request)) });
  router.add({
    method: 'PUT', url: '/models/:name/versions/:version/tags/:key', summary: 'Set a version tag', tag: 'registry', params: NameVersion.extend({ key: z.string() }), body: z.object({ value: z.string() }),
    handler: async ({ params, body, request }) => registry.setVersionTag(params.name, params.version, params.key, body.value, actorOf(request)),
  });
  router.add({
    method: 'DELETE', url: '/models/:name/versions/:version/tags/:key', summary: 'Delete a version tag', tag: 'registry', params: NameVersion.extend({ key: z.string() }),
    handler: async ({ params, request }) => registry.deleteVersionTag(params.name, params.version, params.key, actorOf(request)),
  });
  router.add({
    method: 'POST', url: '/models/:name/versions/:version/stage', summary: 'Transition a version to an MLflow stage (deprecated in favour of aliases)', tag: 'registry', params: NameVersion, response: VersionSchema,
    body: z.object({ stage: z.string(), archiveExistingVersions: z.boolean().default(false), reason: z.string().nullish() }),
    handler: async ({ params, body, request }) => releases.transitionStage(params.name, params.version, body.stage, body.archiveExistingVersions, actorOf(request, body.reason)),
  });

  // ---------------- aliases ----------------
  router.add({
    method: 'PUT', url: '/models/:name/aliases/:alias', summary: 'Point an alias at a version (403 when the alias is approval-gated)', tag: 'registry', params: NameAlias, response: VersionSchema,
    body: z.object({ version: z.union([z.string(), z.number()]).transform(String), reason: z.string().nullish() }),
    handler: async ({ params, body, request }) => releases.setAlias(params.name, params.alias, body.version, actorOf(request, body.reason)),
  });
  router.add({ method: 'DELETE', url: '/models/:name/aliases/:alias', summary: 'Delete an alias', tag: 'registry', params: NameAlias, handler: async ({ params, request }) => releases.deleteAlias(params.name, params.alias, actorOf(request)) });
  router.add({ method: 'GET', url: '/models/:name/aliases/:alias', summary: 'The version an alias points to', tag: 'registry', params: NameAlias, response: VersionSchema, handler: async ({ params }) => withSignature(await registry.getVersionByAlias(params.name, params.alias)) });
  router.add({
    method: 'GET', url: '/models/:name/aliases/:alias/at', summary: 'Which version the alias pointed to at a time (ISO-8601 or epoch ms)', tag: 'registry', params: NameAlias,
    query: z.object({ time: z.string().min(1) }), response: z.object({ version: z.string().nullable(), event: EventSchema.nullable() }),
    handler: async ({ params, query }) => registry.aliasAt(params.name, params.alias, parseTime(query.time)),
  });

  // ---------------- approvals ----------------
  router.add({ method: 'GET', url: '/models/:name/approval-rules', summary: "List a model's approval rules", tag: 'approvals', params: Name, response: z.object({ items: z.array(RuleSchema) }), handler: async ({ params }) => ({ items: await releases.listApprovalRules((await registry.getModel(params.name)).name) }) });
  router.add({
    method: 'GET', url: '/models/:name/approval-rules/:target', summary: 'Get the approval rule of an alias or `stage:<Stage>`', tag: 'approvals', params: NameTarget, response: RuleSchema,
    handler: async ({ params }) => {
      const rule = (await releases.listApprovalRules((await registry.getModel(params.name)).name)).find((r) => r.target === params.target);
      if (!rule) throw notFound(`No approval rule for '${params.target}' on model '${params.name}'`);
      return rule;
    },
  });
  router.add({
    method: 'PUT', url: '/models/:name/approval-rules/:target', summary: 'Gate an alias or `stage:<Stage>` behind approvals', tag: 'approvals', params: NameTarget, response: RuleSchema,
    body: z.object({ requiredApprovals: z.number().optional(), allowSelfApproval: z.boolean().optional(), reason: z.string().nullish() }),
    handler: async ({ params, body, request }) => releases.setApprovalRule(params.name, { target: params.target, ...(body.requiredApprovals !== undefined ? { requiredApprovals: body.requiredApprovals } : {}), ...(body.allowSelfApproval !== undefined ? { allowSelfApproval: body.allowSelfApproval } : {}) }, actorOf(request, body.reason)),
  });
  router.add({ method: 'DELETE', url: '/models/:name/approval-rules/:target', summary: 'Remove an approval gate', tag: 'approvals', params: NameTarget, handler: async ({ params, request }) => releases.deleteApprovalRule(params.name, params.target, actorOf(request)) });
  router.add({
    method: 'POST', url: '/models/:name/approvals', summary: 'Request approval to move a gated alias or stage to a version', tag: 'approvals', params: Name, response: RequestSchema,
    body: z.object({ target: z.string(), version: z.union([z.string(), z.number()]).transform(String), reason: z.string().nullish() }),
    handler: async ({ params, body, request }) => releases.requestApproval(params.name, body, actorOf(request, body.reason)),
  });
  router.add({
    method: 'GET', url: '/approvals', summary: 'List approval requests', tag: 'approvals', query: z.object({ model: z.string().optional(), status: z.enum(APPROVAL_STATUSES).optional() }), response: z.object({ items: z.array(RequestSchema) }),
    handler: async ({ query }) => ({ items: await releases.listApprovalRequests({ ...(query.model ? { modelName: query.model } : {}), ...(query.status ? { status: query.status } : {}) }) }),
  });
  for (const decision of ['approve', 'reject'] as const) {
    router.add({
      method: 'POST', url: `/approvals/:requestId/${decision}`, summary: decision === 'approve' ? 'Approve a request (applied once enough approvers agree)' : 'Reject a request', tag: 'approvals',
      params: z.object({ requestId: z.string().min(1) }), body: Decision, response: RequestSchema,
      handler: async ({ params, body, request }) => releases[decision](params.requestId, actorOf(request, body.comment)),
    });
  }

  // ---------------- history, lineage ----------------
  router.add({
    method: 'GET', url: '/models/:name/history', summary: "A model's audit history (newest first unless order=asc)", tag: 'registry', params: Name,
    query: z.object({ alias: z.string().optional(), type: stringList, limit: optionalInt, afterSeq: optionalInt, order: z.enum(['asc', 'desc']).default('desc') }),
    response: z.object({ items: z.array(EventSchema) }),
    handler: async ({ params, query }) => {
      const types = query.type?.flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
      const items = await registry.history({
        name: params.name,
        ...(query.alias !== undefined ? { alias: query.alias } : {}),
        ...(types?.length ? { types: parseInput(z.array(z.enum(REGISTRY_EVENT_TYPES)), types, 'query parameter type') } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
        ...(query.afterSeq !== undefined ? { afterSeq: query.afterSeq } : {}),
        descending: query.order === 'desc',
      });
      // The history outlives a deleted model; an unknown name with no history is a 404.
      if (items.length === 0) await registry.getModel(params.name);
      return { items };
    },
  });
  router.add({ method: 'GET', url: '/models/:name/versions/:version/lineage', summary: 'Lineage graph: version → run → datasets, code, parent runs, logged model; deployments', tag: 'registry', params: NameVersion, response: LineageGraphSchema, handler: async ({ params }) => lineage.forVersion(params.name, params.version) });

  // ---------------- packages ----------------
  router.add({ method: 'GET', url: '/models/:name/versions/:version/package', summary: "A version's model package: manifest, flavors, runtime, signature, requirements, files", tag: 'registry', params: NameVersion, response: PackageSchema, handler: async ({ params }) => packages.read(await version(params)) });
  router.add({
    method: 'GET', url: '/models/:name/versions/:version/package/content', summary: 'Download one file of the package', tag: 'registry', params: NameVersion, query: z.object({ path: z.string().min(1) }), rawResponse: true,
    handler: async ({ params, query, reply }) => {
      const file = await packages.openFile(await version(params), query.path);
      reply.header('content-type', contentTypeFor(file.path)).header('content-length', String(file.size)).header('x-content-type-options', 'nosniff');
      reply.header('content-disposition', `inline; filename="${encodeURIComponent(file.path.split('/').pop() ?? 'file')}"`);
      return reply.send(file.stream);
    },
  });
  router.add({
    method: 'GET', url: '/models/:name/versions/:version/package.tar.gz', summary: 'Download the whole package as a tar.gz', tag: 'registry', params: NameVersion, rawResponse: true,
    handler: async ({ params, reply }) => {
      const archive = await packages.archive(await version(params));
      reply.header('content-type', 'application/gzip').header('content-disposition', `attachment; filename="${archive.fileName}"`);
      return reply.send(archive.stream);
    },
  });
}
