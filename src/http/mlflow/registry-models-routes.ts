import type { FastifyInstance } from 'fastify';
import type { RegisteredModel } from '../../registry/model.js';
import type { AppServices } from '../app-services.js';
import { pageJson, type Json } from './mlflow-json.js';
import { promptFilter, registryTags, versionField } from './mlflow-inputs.js';
import { ProtoFields, actorOf } from './mlflow-request.js';
import { modelVersionJson, registeredModelJson } from './registry-json.js';

/**
 * MLflow's `registered-models/*` endpoints (model_registry.proto: CreateRegisteredModel …
 * GetModelVersionByAlias). Every write is recorded as an audit event under the acting user; alias
 * moves go through the release service, so an approval-gated alias answers 403 PERMISSION_DENIED.
 */
export function addRegisteredModelRoutes(scope: FastifyInstance, { registry, releases }: AppServices): void {
  // MLflow's server answers get, search, create, rename and update with the newest version per stage.
  const withLatest = async (model: RegisteredModel): Promise<Json> => registeredModelJson(model, await registry.latestVersions(model.name));

  scope.post('/registered-models/create', async (request) => {
    const f = ProtoFields.of(request);
    const model = await registry.createModel({ name: f.requiredString('name'), description: f.string('description'), tags: registryTags(f) }, actorOf(request));
    return { registered_model: registeredModelJson(model) };
  });

  scope.get('/registered-models/get', async (request) => {
    return { registered_model: await withLatest(await registry.getModel(ProtoFields.of(request).requiredString('name'))) };
  });

  scope.post('/registered-models/rename', async (request) => {
    const f = ProtoFields.of(request);
    const model = await registry.renameModel(f.requiredString('name'), f.requiredString('new_name'), actorOf(request));
    return { registered_model: await withLatest(model) };
  });

  // Like MLflow, an update without a description clears it.
  scope.patch('/registered-models/update', async (request) => {
    const f = ProtoFields.of(request);
    const model = await registry.updateModel(f.requiredString('name'), f.string('description') ?? '', actorOf(request));
    return { registered_model: await withLatest(model) };
  });

  scope.delete('/registered-models/delete', async (request) => {
    await registry.deleteModel(ProtoFields.of(request).requiredString('name'), actorOf(request));
    return {};
  });

  // The client uses GET; POST is accepted as for the tracking searches.
  scope.route({
    method: ['GET', 'POST'],
    url: '/registered-models/search',
    handler: async (request) => {
      const f = ProtoFields.of(request);
      const { filter, keep } = promptFilter(f.string('filter'));
      const page = await registry.searchModels({
        filter,
        orderBy: f.stringList('order_by'),
        maxResults: f.int('max_results') ?? null,
        pageToken: f.string('page_token') || null,
      });
      return pageJson('registered_models', await Promise.all(page.items.filter(keep).map(withLatest)), page.nextPageToken);
    },
  });

  // The client tries POST first and falls back to GET on ENDPOINT_NOT_FOUND.
  scope.route({
    method: ['GET', 'POST'],
    url: '/registered-models/get-latest-versions',
    handler: async (request) => {
      const f = ProtoFields.of(request);
      const versions = await registry.latestVersions(f.requiredString('name'), f.stringList('stages'));
      return pageJson('model_versions', versions.map(modelVersionJson), undefined);
    },
  });

  scope.post('/registered-models/set-tag', async (request) => {
    const f = ProtoFields.of(request);
    await registry.setModelTag(f.requiredString('name'), f.requiredString('key'), f.string('value') ?? '', actorOf(request));
    return {};
  });

  // MLflow deletes a missing tag silently (the model itself must exist); the native API answers 404.
  scope.delete('/registered-models/delete-tag', async (request) => {
    const f = ProtoFields.of(request);
    const name = f.requiredString('name');
    const key = f.requiredString('key');
    const model = await registry.getModel(name);
    if (model.tags.some((t) => t.key === key)) await registry.deleteModelTag(name, key, actorOf(request));
    return {};
  });

  scope.post('/registered-models/alias', async (request) => {
    const f = ProtoFields.of(request);
    await releases.setAlias(f.requiredString('name'), f.requiredString('alias'), versionField(f), actorOf(request));
    return {};
  });

  // As in MLflow, deleting an alias that is not set succeeds once the model and alias name are valid.
  scope.delete('/registered-models/alias', async (request) => {
    const f = ProtoFields.of(request);
    const name = f.requiredString('name');
    const alias = registry.parseAlias(f.requiredString('alias'));
    const model = await registry.getModel(name);
    if (model.aliases.some((a) => a.alias === alias)) await releases.deleteAlias(name, alias, actorOf(request));
    return {};
  });

  scope.get('/registered-models/alias', async (request) => {
    const f = ProtoFields.of(request);
    return { model_version: modelVersionJson(await registry.getVersionByAlias(f.requiredString('name'), f.requiredString('alias'))) };
  });
}
