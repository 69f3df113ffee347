import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAscentApp, type AscentApp } from '../../../test/support/ascent-process.js';

// Real SQLite file and artifact folder in a temp dir, the same services the server builds (no mocks).
let ascent: AscentApp;
let experimentId: string;
let runId: string;
let runArtifactUri: string;
beforeAll(async () => {
  ascent = await startAscentApp();
  experimentId = (await call('POST', '/experiments/create', { name: 'registry-versions' })).json.experiment_id as string;
  const run = (await call('POST', '/runs/create', { experiment_id: experimentId })).json.run.info as Body;
  runId = run.run_id as string;
  runArtifactUri = run.artifact_uri as string;
  await call('POST', '/runs/log-metric', { run_id: runId, key: 'accuracy', value: 0.93, timestamp: 1, step: 0 });
});
afterAll(async () => {
  await ascent?.close();
});

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
async function call(method: Method, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Body }> {
  const res = await ascent.app.inject({ method, url: `/api/2.0/mlflow${url}`, headers, ...(body === undefined ? {} : { payload: body as object }) });
  return { status: res.statusCode, json: res.json() as Body };
}
const q = (params: Record<string, string>): string => new URLSearchParams(params).toString();
const errorOf = (res: { status: number; json: Body }) => [res.status, res.json.error_code];

let counter = 0;
async function newModel(prefix: string): Promise<string> {
  const name = `${prefix}-${++counter}-${Date.now().toString(36)}`;
  expect((await call('POST', '/registered-models/create', { name })).status).toBe(200);
  return name;
}
async function createVersion(name: string, extra: Body = {}, headers: Record<string, string> = {}): Promise<Body> {
  const res = await call('POST', '/model-versions/create', { name, source: `runs:/${runId}/model`, run_id: runId, ...extra }, headers);
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json.model_version as Body;
}
const getVersion = async (name: string, version: string) => (await call('GET', `/model-versions/get?${q({ name, version })}`)).json.model_version as Body;
const downloadUri = async (name: string, version: string) => (await call('GET', `/model-versions/get-download-uri?${q({ name, version })}`)).json.artifact_uri as string;

describe('MLflow model-versions API', () => {
  it('creates READY versions numbered as strings, with tags, description, run link and the acting user', async () => {
    const name = await newModel('create');
    const v1 = await createVersion(name, { description: 'first', tags: [{ key: 'k', value: 'v' }], run_link: 'http://ci/1' }, { 'x-ascent-user': 'ada' });
    expect(v1).toMatchObject({
      name,
      version: '1',
      current_stage: 'None',
      status: 'READY',
      description: 'first',
      source: `runs:/${runId}/model`,
      run_id: runId,
      run_link: 'http://ci/1',
      user_id: 'ada',
      tags: [{ key: 'k', value: 'v' }],
    });
    expect(typeof v1.creation_timestamp).toBe('number');
    expect(v1.last_updated_timestamp).toBe(v1.creation_timestamp);
    expect(v1).not.toHaveProperty('model_id');
    expect(v1).not.toHaveProperty('aliases');
    expect((await createVersion(name)).version).toBe('2');

    expect(errorOf(await call('POST', '/model-versions/create', { name: 'no-such-model', source: `runs:/${runId}/model` }))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    expect(errorOf(await call('POST', '/model-versions/create', { name }))).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(errorOf(await call('POST', '/model-versions/create', { name, source: 's3://b/m', tags: [{ value: 'no key' }] }))).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it('registers an MLflow 3 logged model (models:/m-<id>) with its model_id and source run', async () => {
    const name = await newModel('logged');
    const logged = (await call('POST', '/logged-models', { experiment_id: experimentId, source_run_id: runId, name: 'clf' })).json.model.info as Body;
    const modelId = logged.model_id as string;
    const v = await createVersion(name, { source: `models:/${modelId}`, run_id: undefined, model_id: modelId });
    expect(v).toMatchObject({ source: `models:/${modelId}`, model_id: modelId, run_id: runId });
    // Without model_id in the request, it is read from the source.
    expect(await createVersion(name, { source: `models:/${modelId}`, run_id: undefined })).toMatchObject({ model_id: modelId, run_id: runId });
    expect(await downloadUri(name, '1')).toBe(logged.artifact_uri);
    expect(logged.artifact_uri).toMatch(/^mlflow-artifacts:\//);
  });

  it('resolves get-download-uri for runs:/, mlflow-artifacts:/, other stores and models:/name/version sources', async () => {
    const name = await newModel('download');
    await createVersion(name, { source: `runs:/${runId}/model/` });
    await createVersion(name, { source: `${runArtifactUri}/exported` });
    await createVersion(name, { source: 's3://bucket/models/m1', run_id: undefined });
    await createVersion(name, { source: `models:/${name}/1`, run_id: undefined });
    await call('POST', '/registered-models/alias', { name, alias: 'base', version: '2' });
    await createVersion(name, { source: `models:/${name}@base`, run_id: undefined });

    expect(await downloadUri(name, '1')).toBe(`${runArtifactUri}/model`);
    expect(await downloadUri(name, '2')).toBe(`${runArtifactUri}/exported`);
    expect(await downloadUri(name, '3')).toBe('s3://bucket/models/m1');
    expect(await downloadUri(name, '4')).toBe(`${runArtifactUri}/model`);
    expect(await downloadUri(name, '5')).toBe(`${runArtifactUri}/exported`);
    expect(errorOf(await call('GET', `/model-versions/get-download-uri?${q({ name, version: '99' })}`))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
  });

  it('gets, updates (PATCH) and deletes (DELETE) a version', async () => {
    const name = await newModel('life');
    await createVersion(name, { description: 'old' });
    await createVersion(name);
    const updated = await call('PATCH', '/model-versions/update', { name, version: '1', description: 'new' });
    expect(updated.json.model_version).toMatchObject({ version: '1', description: 'new' });
    // No description: nothing changes, but the version must exist.
    expect((await call('PATCH', '/model-versions/update', { name, version: '1' })).json.model_version.description).toBe('new');
    expect(errorOf(await call('PATCH', '/model-versions/update', { name, version: '7', description: 'x' }))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);

    expect((await call('DELETE', '/model-versions/delete', { name, version: '1' })).status).toBe(200);
    expect(errorOf(await call('GET', `/model-versions/get?${q({ name, version: '1' })}`))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    expect(errorOf(await call('DELETE', '/model-versions/delete', { name, version: '1' }))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    // Numbers are never reused.
    expect((await createVersion(name)).version).toBe('3');
    expect(errorOf(await call('GET', `/model-versions/get?${q({ name, version: 'one' })}`))).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(errorOf(await call('GET', `/model-versions/get?${q({ name })}`))).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it('searches versions by name and run_id, with order_by and page tokens', async () => {
    const name = await newModel('search');
    for (let i = 0; i < 3; i++) await createVersion(name);
    const byName = await call('GET', `/model-versions/search?${q({ filter: `name = '${name}'`, order_by: 'version_number ASC', max_results: '2' })}`);
    expect(byName.json.model_versions.map((v: Body) => v.version)).toEqual(['1', '2']);
    const rest = await call('GET', `/model-versions/search?${q({ filter: `name = '${name}'`, order_by: 'version_number ASC', max_results: '2', page_token: byName.json.next_page_token })}`);
    expect(rest.json.model_versions.map((v: Body) => v.version)).toEqual(['3']);
    expect(rest.json).not.toHaveProperty('next_page_token');
    const byRun = await call('POST', '/model-versions/search', { filter: `run_id = '${runId}' AND name = '${name}'` });
    expect(byRun.json.model_versions).toHaveLength(3);
    expect(errorOf(await call('GET', `/model-versions/search?${q({ filter: 'params.x = 1' })}`))).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it('transitions stages, archiving the versions already there when asked', async () => {
    const name = await newModel('stages');
    for (let i = 0; i < 3; i++) await createVersion(name);
    const moved = await call('POST', '/model-versions/transition-stage', { name, version: '1', stage: 'production', archive_existing_versions: false });
    expect(moved.json.model_version).toMatchObject({ version: '1', current_stage: 'Production' });
    await call('POST', '/model-versions/transition-stage', { name, version: '2', stage: 'Production', archive_existing_versions: false });
    expect((await getVersion(name, '1')).current_stage).toBe('Production');
    await call('POST', '/model-versions/transition-stage', { name, version: '3', stage: 'Production', archive_existing_versions: true });
    expect([(await getVersion(name, '1')).current_stage, (await getVersion(name, '2')).current_stage, (await getVersion(name, '3')).current_stage]).toEqual(['Archived', 'Archived', 'Production']);

    expect(errorOf(await call('POST', '/model-versions/transition-stage', { name, version: '1', stage: 'Shadow', archive_existing_versions: false }))).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(errorOf(await call('POST', '/model-versions/transition-stage', { name, version: '1', stage: 'Archived', archive_existing_versions: true }))).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(errorOf(await call('POST', '/model-versions/transition-stage', { name, version: '9', stage: 'Staging' }))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
  });

  it('answers 403 PERMISSION_DENIED for an approval-gated stage transition', async () => {
    const name = await newModel('gated-stage');
    await createVersion(name);
    await ascent.services.releases.setApprovalRule(name, { target: 'stage:Production' }, { user: 'ada' });
    const res = await call('POST', '/model-versions/transition-stage', { name, version: '1', stage: 'Production', archive_existing_versions: true });
    expect(errorOf(res)).toEqual([403, 'PERMISSION_DENIED']);
    expect(res.json.message).toMatch(/requires approval.*\/approvals/);
    expect((await getVersion(name, '1')).current_stage).toBe('None');
    expect((await call('POST', '/model-versions/transition-stage', { name, version: '1', stage: 'Staging', archive_existing_versions: false })).status).toBe(200);
  });

  it('sets and deletes version tags; deleting a missing tag succeeds as in MLflow', async () => {
    const name = await newModel('tags');
    await createVersion(name);
    expect((await call('POST', '/model-versions/set-tag', { name, version: '1', key: 'a', value: '1' })).status).toBe(200);
    await call('POST', '/model-versions/set-tag', { name, version: '1', key: 'b', value: '2' });
    expect((await getVersion(name, '1')).tags).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
    expect((await call('DELETE', '/model-versions/delete-tag', { name, version: '1', key: 'a' })).status).toBe(200);
    expect((await call('DELETE', '/model-versions/delete-tag', { name, version: '1', key: 'a' })).status).toBe(200);
    expect((await getVersion(name, '1')).tags).toEqual([{ key: 'b', value: '2' }]);
    expect(errorOf(await call('POST', '/model-versions/set-tag', { name, version: '5', key: 'a', value: '1' }))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    expect(errorOf(await call('DELETE', '/model-versions/delete-tag', { name, version: '5', key: 'a' }))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    expect(errorOf(await call('POST', '/model-versions/set-tag', { name, version: '1', value: '1' }))).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it('serves the registry under the preview and ajax prefixes too, and 404s unknown registry endpoints', async () => {
    const name = await newModel('prefix');
    for (const prefix of ['/ajax-api/2.0/mlflow', '/api/2.0/preview/mlflow']) {
      const res = await ascent.app.inject({ method: 'GET', url: `${prefix}/registered-models/get?${q({ name })}` });
      expect(res.statusCode, prefix).toBe(200);
    }
    expect(errorOf(await call('GET', '/model-versions/no-such-endpoint'))).toEqual([404, 'ENDPOINT_NOT_FOUND']);
  });
});
