import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalid } from '../../core/errors.js';
import { requireProxiedArtifactPath } from '../../tracking/artifact-uri.js';
import { LOGGED_MODEL_STATUSES } from '../../tracking/model.js';
import type { AppServices } from '../app-services.js';
import { keyValues } from './mlflow-inputs.js';
import { loggedModelJson, pageJson } from './mlflow-json.js';
import { ProtoFields } from './mlflow-request.js';
import { listArtifactFolder } from './run-artifacts-routes.js';

/** Proto enum LoggedModelStatus, in number order from 0. */
const STATUS_ENUM = ['LOGGED_MODEL_STATUS_UNSPECIFIED', ...LOGGED_MODEL_STATUSES] as const;
/** SearchLoggedModels.max_results' proto default. */
const DEFAULT_SEARCH_RESULTS = 50;

type ModelParams = { modelId: string };
type TagParams = ModelParams & { tagKey: string };

const modelIdOf = (request: FastifyRequest): string => (request.params as ModelParams).modelId;

/** MLflow 3 logged models: `logged-models`, `logged-models/{id}` and its tags, params and artifacts. */
export function addLoggedModelRoutes(scope: FastifyInstance, { loggedModels, artifacts }: AppServices): void {
  scope.post('/logged-models', async (request) => {
    const f = ProtoFields.of(request);
    const model = await loggedModels.create({
      experimentId: f.experimentId(),
      name: f.string('name') || undefined,
      modelType: f.string('model_type') || undefined,
      sourceRunId: f.string('source_run_id') || undefined,
      params: keyValues(f, 'params'),
      tags: keyValues(f, 'tags'),
    });
    return { model: loggedModelJson(model) };
  });

  scope.post('/logged-models/search', async (request) => {
    const f = ProtoFields.of(request);
    if (f.messages('datasets').length > 0) {
      throw invalid('Filtering logged models by dataset is not supported by this server', 'datasets');
    }
    const page = await loggedModels.search({
      experimentIds: f.stringList('experiment_ids'),
      filter: f.string('filter') ?? null,
      orderBy: f.messages('order_by').map((o, i) => {
        if (o.has('dataset_name') || o.has('dataset_digest')) {
          throw invalid('Ordering logged models by a dataset-scoped metric is not supported by this server', `order_by[${i}]`);
        }
        return `${o.requiredString('field_name')} ${o.bool('ascending') === false ? 'DESC' : 'ASC'}`;
      }),
      maxResults: f.int('max_results') ?? DEFAULT_SEARCH_RESULTS,
      pageToken: f.string('page_token') || null,
    });
    return pageJson('models', page.items.map(loggedModelJson), page.nextPageToken);
  });

  scope.get('/logged-models/:modelId', async (request) => {
    return { model: loggedModelJson(await loggedModels.get(modelIdOf(request))) };
  });

  // FinalizeLoggedModel.
  scope.patch('/logged-models/:modelId', async (request) => {
    const f = ProtoFields.of(request);
    const status = f.enumName('status', STATUS_ENUM, 0);
    if (status === undefined) throw invalid("Missing value for required parameter 'status'.", 'status');
    return { model: loggedModelJson(await loggedModels.finalize(modelIdOf(request), status)) };
  });

  scope.delete('/logged-models/:modelId', async (request) => {
    await loggedModels.delete(modelIdOf(request));
    return {};
  });

  scope.patch('/logged-models/:modelId/tags', async (request) => {
    const modelId = modelIdOf(request);
    await loggedModels.setTags(modelId, keyValues(ProtoFields.of(request), 'tags'));
    return { model: loggedModelJson(await loggedModels.get(modelId)) };
  });

  scope.delete('/logged-models/:modelId/tags/:tagKey', async (request) => {
    const { modelId, tagKey } = request.params as TagParams;
    await loggedModels.deleteTag(modelId, tagKey);
    return {};
  });

  scope.post('/logged-models/:modelId/params', async (request) => {
    await loggedModels.logParams(modelIdOf(request), keyValues(ProtoFields.of(request), 'params'));
    return {};
  });

  scope.get('/logged-models/:modelId/artifacts/directories', async (request) => {
    const f = ProtoFields.of(request);
    const model = await loggedModels.get(modelIdOf(request));
    const root = requireProxiedArtifactPath(model.artifactLocation);
    const files = await listArtifactFolder(artifacts, root, f.string('artifact_directory_path') ?? '');
    return { root_uri: model.artifactLocation, ...pageJson('files', files, undefined) };
  });
}
