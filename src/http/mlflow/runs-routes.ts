import type { FastifyInstance } from 'fastify';
import { RUN_STATUSES } from '../../tracking/model.js';
import type { AppServices } from '../app-services.js';
import { VIEW_TYPES } from './experiments-routes.js';
import { recordLoggedModel } from './log-model-history.js';
import { batchMetricInputs, datasetInputs, keyValues, metricInput, modelInputs, modelOutputs } from './mlflow-inputs.js';
import { pageJson, runInfoJson, runJson } from './mlflow-json.js';
import { ProtoFields } from './mlflow-request.js';

/** MLflow's `runs/*` endpoints: lifecycle, search, and logging params, metrics, tags, inputs, outputs. */
export function addRunRoutes(scope: FastifyInstance, { tracking }: AppServices): void {
  scope.post('/runs/create', async (request) => {
    const f = ProtoFields.of(request);
    const run = await tracking.createRun({
      experimentId: f.has('experiment_id') ? f.experimentId() : undefined,
      userId: f.string('user_id'),
      runName: f.string('run_name'),
      startTime: f.int('start_time'),
      tags: keyValues(f, 'tags'),
    });
    return { run: runJson(run) };
  });

  scope.get('/runs/get', async (request) => {
    return { run: runJson(await tracking.getRun(ProtoFields.of(request).runId())) };
  });

  scope.post('/runs/update', async (request) => {
    const f = ProtoFields.of(request);
    const info = await tracking.updateRun(f.runId(), {
      status: f.enumName('status', RUN_STATUSES),
      endTime: f.int('end_time'),
      runName: f.string('run_name'),
    });
    return { run_info: runInfoJson(info) };
  });

  scope.post('/runs/delete', async (request) => {
    await tracking.deleteRun(ProtoFields.of(request).runId());
    return {};
  });

  scope.post('/runs/restore', async (request) => {
    await tracking.restoreRun(ProtoFields.of(request).runId());
    return {};
  });

  scope.route({
    method: ['GET', 'POST'],
    url: '/runs/search',
    handler: async (request) => {
      const f = ProtoFields.of(request);
      const page = await tracking.searchRuns({
        experimentIds: f.stringList('experiment_ids'),
        filter: f.string('filter') ?? null,
        orderBy: f.stringList('order_by'),
        maxResults: f.int('max_results') ?? null,
        pageToken: f.string('page_token') || null,
        viewType: f.enumName('run_view_type', VIEW_TYPES) ?? null,
      });
      return pageJson('runs', page.items.map(runJson), page.nextPageToken);
    },
  });

  scope.post('/runs/log-metric', async (request) => {
    const f = ProtoFields.of(request);
    await tracking.logMetric(f.runId(), metricInput(f));
    return {};
  });

  scope.post('/runs/log-parameter', async (request) => {
    const f = ProtoFields.of(request);
    await tracking.logParam(f.runId(), { key: f.passThrough('key'), value: f.passThrough('value') });
    return {};
  });

  scope.post('/runs/set-tag', async (request) => {
    const f = ProtoFields.of(request);
    await tracking.setTag(f.runId(), { key: f.passThrough('key'), value: f.passThrough('value') });
    return {};
  });

  scope.post('/runs/delete-tag', async (request) => {
    const f = ProtoFields.of(request);
    await tracking.deleteTag(f.runId(), f.requiredString('key'));
    return {};
  });

  scope.post('/runs/log-batch', async (request) => {
    const f = ProtoFields.of(request);
    await tracking.logBatch(f.runId(), {
      metrics: batchMetricInputs(f),
      params: keyValues(f, 'params'),
      tags: keyValues(f, 'tags'),
    });
    return {};
  });

  scope.post('/runs/log-inputs', async (request) => {
    const f = ProtoFields.of(request);
    await tracking.logInputs(f.runId(), { datasets: datasetInputs(f), models: modelInputs(f) });
    return {};
  });

  scope.post('/runs/outputs', async (request) => {
    const f = ProtoFields.of(request);
    await tracking.logOutputs(f.runId(), modelOutputs(f));
    return {};
  });

  scope.post('/runs/log-model', async (request) => {
    const f = ProtoFields.of(request);
    await recordLoggedModel(tracking, f.runId(), f.requiredString('model_json'));
    return {};
  });
}
