import { z } from 'zod';
import { PIPELINE_RUN_STATUSES, STEP_STATUSES, TRIGGER_KINDS } from '../../pipelines/model.js';
import type { AppServices } from '../app-services.js';
import type { NativeRouter } from './native-router.js';
import { optionalInt } from './native-schemas.js';

const NameParams = z.object({ name: z.string().min(1).max(100) });
const RunParams = z.object({ runId: z.string().min(1).max(64) });
const StepParams = RunParams.extend({ step: z.string().min(1).max(120) });
const ParamValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))]);

const OutputSchema = z.object({ name: z.string(), artifactPath: z.string(), digest: z.string(), sizeBytes: z.number(), isDir: z.boolean() });
const RunSchema = z.object({
  runId: z.string(), pipelineId: z.string(), pipelineName: z.string(), version: z.number(), status: z.enum(PIPELINE_RUN_STATUSES),
  params: z.record(z.string(), ParamValue), trigger: z.object({ kind: z.enum(TRIGGER_KINDS), detail: z.record(z.string(), z.unknown()).optional() }),
  trackingRunId: z.string().nullable(), experimentId: z.string().nullable(), concurrency: z.number(), error: z.string().nullable(),
  createdAt: z.number(), startedAt: z.number().nullable(), finishedAt: z.number().nullable(),
});
const StepSchema = z.object({
  stepRunId: z.string(), runId: z.string(), stepName: z.string(), baseStep: z.string(), itemIndex: z.number().nullable(), status: z.enum(STEP_STATUSES),
  attempts: z.number(), trackingRunId: z.string().nullable(), cacheKey: z.string().nullable(), cacheParts: z.record(z.string(), z.string()).nullable(),
  cacheStatus: z.enum(['hit', 'miss', 'disabled']).nullable(), cacheReason: z.string().nullable(), cachedFrom: z.string().nullable(),
  outputs: z.array(OutputSchema), error: z.string().nullable(), executedBy: z.string().nullable(), startedAt: z.number().nullable(), finishedAt: z.number().nullable(),
});
const RunDetailSchema = z.object({ run: RunSchema, steps: z.array(StepSchema), dag: z.array(z.object({ step: z.string(), upstream: z.array(z.string()) })) });

/** Pipelines: definitions, runs, steps, logs, cache explanations and invalidation. */
export function addPipelineRoutes(router: NativeRouter, { pipelines }: AppServices): void {
  const detail = async (runId: string) => {
    const d = await pipelines.getRun(runId);
    return { ...d, dag: await pipelines.dagOf(d.run) };
  };
  router.add({
    method: 'GET', url: '/pipelines', summary: 'List pipelines with their latest run', tag: 'pipelines',
    handler: async () => ({ items: await pipelines.listPipelines() }),
  });
  router.add({
    method: 'POST', url: '/pipelines', summary: 'Register a pipeline definition (YAML text or a definition object); identical definitions keep their version', tag: 'pipelines',
    body: z.object({ yaml: z.string().max(1_000_000).optional(), definition: z.unknown().optional(), baseDir: z.string().min(1).max(4096), file: z.string().max(4096).optional() }),
    handler: async ({ body }) => pipelines.registerPipeline(body),
  });
  router.add({
    method: 'GET', url: '/pipelines/:name', summary: 'Get a pipeline, its latest definition and its versions', tag: 'pipelines', params: NameParams,
    handler: async ({ params }) => pipelines.getPipeline(params.name),
  });
  router.add({
    method: 'POST', url: '/pipelines/:name/runs', summary: 'Start a run', tag: 'pipelines', params: NameParams,
    body: z.object({
      params: z.record(z.string(), ParamValue).optional(), version: z.number().int().min(1).optional(), concurrency: z.number().int().min(1).max(1000).optional(),
      trigger: z.object({ kind: z.enum(TRIGGER_KINDS), detail: z.record(z.string(), z.unknown()).optional() }).optional(),
    }),
    response: RunSchema,
    handler: async ({ params, body }) => pipelines.startRun({ pipeline: params.name, params: body.params ?? {}, trigger: body.trigger ?? { kind: 'api' }, ...(body.version ? { version: body.version } : {}), ...(body.concurrency ? { concurrency: body.concurrency } : {}) }),
  });
  router.add({
    method: 'POST', url: '/pipelines/:name/cache/invalidate', summary: "Invalidate a pipeline's cache entries (optionally one step's)", tag: 'pipelines', params: NameParams,
    body: z.object({ step: z.string().min(1).max(100).optional() }),
    handler: async ({ params, body }) => pipelines.invalidateCache({ pipeline: params.name, ...(body.step ? { step: body.step } : {}) }),
  });
  router.add({
    method: 'GET', url: '/pipeline-runs', summary: 'List runs, newest first', tag: 'pipelines',
    query: z.object({ pipeline: z.string().max(100).optional(), status: z.enum(PIPELINE_RUN_STATUSES).optional(), limit: optionalInt, offset: optionalInt }),
    response: z.object({ items: z.array(RunSchema) }),
    handler: async ({ query }) => ({ items: await pipelines.listRuns({ ...(query.pipeline ? { pipeline: query.pipeline } : {}), ...(query.status ? { status: query.status } : {}), limit: query.limit ?? 50, offset: query.offset ?? 0 }) }),
  });
  router.add({
    method: 'GET', url: '/pipeline-runs/:runId', summary: 'A run with its steps and DAG edges', tag: 'pipelines', params: RunParams, response: RunDetailSchema,
    handler: async ({ params }) => detail(params.runId),
  });
  router.add({
    method: 'POST', url: '/pipeline-runs/:runId/cancel', summary: 'Cancel a run', tag: 'pipelines', params: RunParams, response: RunSchema,
    handler: async ({ params }) => pipelines.cancelRun(params.runId),
  });
  router.add({
    method: 'POST', url: '/pipeline-runs/:runId/resume', summary: 'Resume a failed or cancelled run from where it stopped', tag: 'pipelines', params: RunParams, response: RunSchema,
    handler: async ({ params }) => pipelines.resumeRun(params.runId),
  });
  router.add({
    method: 'GET', url: '/pipeline-runs/:runId/steps/:step/logs', summary: "A step's log lines after a sequence number (poll to follow)", tag: 'pipelines', params: StepParams,
    query: z.object({ after: optionalInt, limit: optionalInt }),
    handler: async ({ params, query }) => pipelines.getLogs(params.runId, params.step, { ...(query.after !== undefined ? { after: query.after } : {}), ...(query.limit !== undefined ? { limit: query.limit } : {}) }),
  });
  router.add({
    method: 'GET', url: '/pipeline-runs/:runId/steps/:step/explain', summary: 'Why a step hit or missed the cache', tag: 'pipelines', params: StepParams,
    handler: async ({ params }) => pipelines.explain(params.runId, params.step),
  });
}
