import type { FastifyInstance } from 'fastify';
import { invalid } from '../../core/errors.js';
import type { ModelVersion } from '../../registry/model.js';
import { normalizeStage } from '../../registry/service.js';
import type { AppServices } from '../app-services.js';
import { promptFilter, registryTags, versionField } from './mlflow-inputs.js';
import { pageJson } from './mlflow-json.js';
import { ProtoFields, actorOf } from './mlflow-request.js';
import { modelVersionJson } from './registry-json.js';

/** Stages whose existing versions `archive_existing_versions` may archive (MLflow's active stages). */
const ACTIVE_STAGES = new Set(['Staging', 'Production']);
/** How many `models:/name/…` sources pointing at other versions are followed before giving up. */
const MAX_SOURCE_HOPS = 8;

const LOGGED_MODEL_SOURCE = /^models:\/(m-[0-9a-f]{32})(?:\/(.*))?$/;
const RUN_SOURCE = /^runs:\/([^/]+)(?:\/(.*))?$/;

/**
 * MLflow's `model-versions/*` endpoints (model_registry.proto: CreateModelVersion …
 * DeleteModelVersionTag). Versions are created READY: the package is uploaded before the client
 * registers it, so `mlflow.register_model`'s wait for READY ends at its first poll.
 */
export function addModelVersionRoutes(scope: FastifyInstance, services: AppServices): void {
  const { registry, releases } = services;
  const nameVersion = (f: ProtoFields): [string, string] => [f.requiredString('name'), versionField(f)];

  scope.post('/model-versions/create', async (request) => {
    const f = ProtoFields.of(request);
    const version = await registry.createVersion(
      {
        name: f.requiredString('name'),
        source: f.requiredString('source'),
        runId: f.string('run_id') || undefined,
        loggedModelId: f.string('model_id') || undefined,
        description: f.string('description'),
        tags: registryTags(f),
        runLink: f.string('run_link') || undefined,
      },
      actorOf(request),
    );
    return { model_version: modelVersionJson(version) };
  });

  scope.get('/model-versions/get', async (request) => {
    return { model_version: modelVersionJson(await registry.getVersion(...nameVersion(ProtoFields.of(request)))) };
  });

  // Like MLflow, an update without a description changes nothing but must name a real version.
  scope.patch('/model-versions/update', async (request) => {
    const f = ProtoFields.of(request);
    const [name, version] = nameVersion(f);
    const description = f.string('description');
    const updated = description === undefined ? await registry.getVersion(name, version) : await registry.updateVersion(name, version, description, actorOf(request));
    return { model_version: modelVersionJson(updated) };
  });

  scope.delete('/model-versions/delete', async (request) => {
    await registry.deleteVersion(...nameVersion(ProtoFields.of(request)), actorOf(request));
    return {};
  });

  scope.route({
    method: ['GET', 'POST'],
    url: '/model-versions/search',
    handler: async (request) => {
      const f = ProtoFields.of(request);
      const { filter, keep } = promptFilter(f.string('filter'));
      const page = await registry.searchVersions({
        filter,
        orderBy: f.stringList('order_by'),
        maxResults: f.int('max_results') ?? null,
        pageToken: f.string('page_token') || null,
      });
      return pageJson('model_versions', page.items.filter(keep).map(modelVersionJson), page.nextPageToken);
    },
  });

  scope.get('/model-versions/get-download-uri', async (request) => {
    const version = await registry.getVersion(...nameVersion(ProtoFields.of(request)));
    return { artifact_uri: await downloadUri(services, version) };
  });

  scope.post('/model-versions/transition-stage', async (request) => {
    const f = ProtoFields.of(request);
    const [name, version] = nameVersion(f);
    const stage = f.requiredString('stage');
    const archiveExisting = f.bool('archive_existing_versions') ?? false;
    // MLflow refuses to archive "the other versions" of None or Archived rather than ignoring the flag.
    if (archiveExisting && !ACTIVE_STAGES.has(normalizeStage(stage))) {
      throw invalid(`Model version transition cannot archive existing model versions because '${stage}' is not an active stage. Valid stages are Staging, Production`, 'archive_existing_versions');
    }
    return { model_version: modelVersionJson(await releases.transitionStage(name, version, stage, archiveExisting, actorOf(request))) };
  });

  scope.post('/model-versions/set-tag', async (request) => {
    const f = ProtoFields.of(request);
    const [name, version] = nameVersion(f);
    await registry.setVersionTag(name, version, f.requiredString('key'), f.string('value') ?? '', actorOf(request));
    return {};
  });

  // MLflow deletes a missing tag silently (the version itself must exist); the native API answers 404.
  scope.delete('/model-versions/delete-tag', async (request) => {
    const f = ProtoFields.of(request);
    const [name, version] = nameVersion(f);
    const key = f.requiredString('key');
    const current = await registry.getVersion(name, version);
    if (current.tags.some((t) => t.key === key)) await registry.deleteVersionTag(name, version, key, actorOf(request));
    return {};
  });
}

/**
 * Where the client downloads a version's files from: its source resolved to a URI the artifact
 * proxy serves. `models:/m-<id>` is the logged model's artifact location, `runs:/<run>/<path>` the
 * run's artifact root joined with the path, `models:/<name>/<version|stage|latest>` or
 * `models:/<name>@<alias>` the download URI of that version; any other source is returned as is.
 */
export async function downloadUri(services: Pick<AppServices, 'registry' | 'tracking' | 'loggedModels'>, version: ModelVersion, hops = 0): Promise<string> {
  const { source } = version;
  const logged = LOGGED_MODEL_SOURCE.exec(source);
  if (logged) return joinUri((await services.loggedModels.get(logged[1]!)).artifactLocation, logged[2]);
  const run = RUN_SOURCE.exec(source);
  if (run) return joinUri((await services.tracking.getRunInfo(run[1]!)).artifactUri, run[2]);
  if (source.startsWith('models:/')) {
    if (hops >= MAX_SOURCE_HOPS) throw invalid(`Source '${source}' of ${version.name} version ${version.version} refers to other versions more than ${MAX_SOURCE_HOPS} times`, 'source');
    return downloadUri(services, await services.registry.resolve(source), hops + 1);
  }
  return source;
}

function joinUri(base: string, path: string | undefined): string {
  const tail = (path ?? '').replace(/^\/+|\/+$/g, '');
  return tail === '' ? base : `${base.replace(/\/+$/, '')}/${tail}`;
}
