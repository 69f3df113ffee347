import type { FastifyInstance } from 'fastify';
import type { AppServices } from '../app-services.js';
import { keyValues } from './mlflow-inputs.js';
import { experimentJson, pageJson } from './mlflow-json.js';
import { ProtoFields } from './mlflow-request.js';

export const VIEW_TYPES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const;

/** MLflow's `experiments/*` endpoints (service.proto: CreateExperiment … DeleteExperimentTag). */
export function addExperimentRoutes(scope: FastifyInstance, { tracking }: AppServices): void {
  scope.post('/experiments/create', async (request) => {
    const f = ProtoFields.of(request);
    const experimentId = await tracking.createExperiment({
      name: f.requiredString('name'),
      artifactLocation: f.string('artifact_location') || undefined,
      tags: keyValues(f, 'tags'),
    });
    return { experiment_id: experimentId };
  });

  scope.get('/experiments/get', async (request) => {
    const f = ProtoFields.of(request);
    return { experiment: experimentJson(await tracking.getExperiment(f.experimentId())) };
  });

  scope.get('/experiments/get-by-name', async (request) => {
    const f = ProtoFields.of(request);
    return { experiment: experimentJson(await tracking.getExperimentByName(f.requiredString('experiment_name'))) };
  });

  // MLflow's server answers search on GET and POST; the client uses POST.
  scope.route({
    method: ['GET', 'POST'],
    url: '/experiments/search',
    handler: async (request) => {
      const f = ProtoFields.of(request);
      const page = await tracking.searchExperiments({
        filter: f.string('filter') ?? null,
        orderBy: f.stringList('order_by'),
        maxResults: f.int('max_results') ?? null,
        pageToken: f.string('page_token') || null,
        viewType: f.enumName('view_type', VIEW_TYPES) ?? null,
      });
      return pageJson('experiments', page.items.map(experimentJson), page.nextPageToken);
    },
  });

  scope.post('/experiments/delete', async (request) => {
    await tracking.deleteExperiment(ProtoFields.of(request).experimentId());
    return {};
  });

  scope.post('/experiments/restore', async (request) => {
    await tracking.restoreExperiment(ProtoFields.of(request).experimentId());
    return {};
  });

  scope.post('/experiments/update', async (request) => {
    const f = ProtoFields.of(request);
    const experimentId = f.experimentId();
    const newName = f.string('new_name');
    // Like MLflow, an update without a new name changes nothing but must name a real experiment.
    if (newName) await tracking.renameExperiment(experimentId, newName);
    else await tracking.getExperiment(experimentId);
    return {};
  });

  scope.post('/experiments/set-experiment-tag', async (request) => {
    const f = ProtoFields.of(request);
    await tracking.setExperimentTag(f.experimentId(), f.requiredString('key'), f.string('value') ?? '');
    return {};
  });

  scope.post('/experiments/delete-experiment-tag', async (request) => {
    const f = ProtoFields.of(request);
    await tracking.deleteExperimentTag(f.experimentId(), f.requiredString('key'));
    return {};
  });
}
