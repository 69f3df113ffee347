import type { FastifyInstance } from 'fastify';
import type { AppServices } from '../app-services.js';
import { metricJson, pageJson } from './mlflow-json.js';
import { ProtoFields } from './mlflow-request.js';

/** MLflow's metric history endpoints: full (paged) history and the UI's bulk, step-sampled variant. */
export function addMetricRoutes(scope: FastifyInstance, { tracking }: AppServices): void {
  scope.get('/metrics/get-history', async (request) => {
    const f = ProtoFields.of(request);
    const page = await tracking.getMetricHistory(f.runId(), f.requiredString('metric_key'), {
      maxResults: f.int('max_results') ?? null,
      pageToken: f.string('page_token') || null,
    });
    return pageJson('metrics', page.items.map(metricJson), page.nextPageToken);
  });

  scope.get('/metrics/get-history-bulk-interval', async (request) => {
    const f = ProtoFields.of(request);
    const metrics = await tracking.getMetricHistoryBulkInterval({
      runIds: f.stringList('run_ids'),
      key: f.requiredString('metric_key'),
      startStep: f.int('start_step') ?? null,
      endStep: f.int('end_step') ?? null,
      maxResults: f.int('max_results') ?? null,
    });
    return pageJson('metrics', metrics.map(metricJson), undefined);
  });
}
