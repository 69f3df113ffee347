import { z } from 'zod';
import type { AppServices } from '../app-services.js';
import { LogBatchInput, type Run } from '../../tracking/model.js';
import { RawJson } from '../json.js';
import type { NativeRouter } from './native-router.js';
import { DownsampledSchema, KeyValueSchema, MetricSchema, RunInfoSchema, RunSchema, ViewTypeParam, optionalInt, page } from './native-schemas.js';

const RunParams = z.object({ runId: z.string().min(1).max(64) });

/** A run for the wire, its data spliced from the store's JSON when it has it (see Run.dataJson). */
function runWire(run: Run): unknown {
  return run.dataJson === undefined ? run : { info: run.info, data: new RawJson(run.dataJson), inputs: run.inputs, outputs: run.outputs };
}

/** Runs, their params/tags/metrics, and dataset inputs. */
export function addRunRoutes(router: NativeRouter, { tracking }: AppServices): void {
  router.add({
    method: 'POST',
    url: '/runs',
    summary: 'Create a run',
    tag: 'runs',
    body: z.object({ experimentId: z.string().optional(), runName: z.string().nullish(), tags: z.array(KeyValueSchema).optional(), startTime: z.number().nullish(), userId: z.string().nullish() }),
    response: RunSchema,
    handler: async ({ body }) => tracking.createRun(body),
  });
  router.add({
    method: 'POST',
    url: '/runs/search',
    summary: 'Search runs with the MLflow filter grammar',
    tag: 'runs',
    body: z.object({
      experimentIds: z.array(z.string()).min(1, 'at least one experiment id is required'),
      filter: z.string().nullish(),
      orderBy: z.array(z.string()).nullish(),
      maxResults: z.number().int().nullish(),
      pageToken: z.string().nullish(),
      viewType: ViewTypeParam.nullable(),
    }),
    response: page(RunSchema),
    handler: async ({ body }) => {
      const page = await tracking.searchRuns({ ...body });
      return { ...page, items: page.items.map(runWire) };
    },
  });
  router.add({
    method: 'GET',
    url: '/runs/:runId',
    summary: 'Get a run with its latest metrics, params, tags and inputs',
    tag: 'runs',
    params: RunParams,
    response: RunSchema,
    handler: async ({ params }) => runWire(await tracking.getRun(params.runId)),
  });
  router.add({
    method: 'PATCH',
    url: '/runs/:runId',
    summary: 'Update a run (status, end time, name)',
    tag: 'runs',
    params: RunParams,
    body: z.object({ status: z.string().nullish(), endTime: z.number().nullish(), runName: z.string().nullish() }),
    response: RunInfoSchema,
    handler: async ({ params, body }) => tracking.updateRun(params.runId, body),
  });
  router.add({
    method: 'DELETE',
    url: '/runs/:runId',
    summary: 'Delete a run',
    tag: 'runs',
    params: RunParams,
    handler: async ({ params }) => tracking.deleteRun(params.runId),
  });
  router.add({
    method: 'POST',
    url: '/runs/:runId/restore',
    summary: 'Restore a deleted run',
    tag: 'runs',
    params: RunParams,
    handler: async ({ params }) => tracking.restoreRun(params.runId),
  });
  router.add({
    method: 'POST',
    url: '/runs/:runId/batch',
    summary: 'Log metrics, params and tags atomically (MLflow limits apply)',
    tag: 'runs',
    params: RunParams,
    body: LogBatchInput,
    handler: async ({ params, body }) => tracking.logBatch(params.runId, body),
  });
  router.add({
    method: 'POST',
    url: '/runs/:runId/inputs',
    summary: 'Record dataset inputs of a run',
    tag: 'runs',
    params: RunParams,
    body: z.object({ datasets: z.array(z.unknown()).optional(), models: z.array(z.object({ modelId: z.string() })).optional() }),
    handler: async ({ params, body }) => tracking.logInputs(params.runId, body),
  });
  router.add({
    method: 'DELETE',
    url: '/runs/:runId/tags/:key',
    summary: 'Delete a run tag',
    tag: 'runs',
    params: RunParams.extend({ key: z.string() }),
    handler: async ({ params }) => tracking.deleteTag(params.runId, params.key),
  });
  router.add({
    method: 'GET',
    url: '/runs/:runId/metrics',
    summary: 'List the metric keys of a run',
    tag: 'metrics',
    params: RunParams,
    response: z.object({ keys: z.array(z.string()) }),
    handler: async ({ params }) => ({ keys: await tracking.listMetricKeys(params.runId) }),
  });
  router.add({
    method: 'GET',
    url: '/runs/:runId/metrics/:key/history',
    summary: 'Full history of one metric, paginated',
    tag: 'metrics',
    params: RunParams.extend({ key: z.string() }),
    query: z.object({ maxResults: optionalInt, pageToken: z.string().optional() }),
    response: page(MetricSchema),
    handler: async ({ params, query }) => tracking.getMetricHistory(params.runId, params.key, { maxResults: query.maxResults ?? null, pageToken: query.pageToken ?? null }),
  });
  router.add({
    method: 'GET',
    url: '/runs/:runId/metrics/:key/downsampled',
    summary: 'Min/max/last per bucket over a step range (O(buckets), not O(points))',
    tag: 'metrics',
    params: RunParams.extend({ key: z.string() }),
    query: z.object({ startStep: optionalInt, endStep: optionalInt, maxPoints: optionalInt }),
    response: DownsampledSchema,
    handler: async ({ params, query }) =>
      tracking.getMetricHistoryDownsampled(params.runId, params.key, { startStep: query.startStep ?? null, endStep: query.endStep ?? null, maxPoints: query.maxPoints ?? null }),
  });
}
