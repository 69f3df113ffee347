import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAscentApp, type AscentApp } from '../../../test/support/ascent-process.js';

// Real SQLite file and artifact folder in a temp dir, the same services the server builds (no mocks).
let ascent: AscentApp;
let runId: string;
beforeAll(async () => {
  ascent = await startAscentApp();
  const experimentId = (await call('POST', '/experiments/create', { name: 'registry-models' })).json.experiment_id as string;
  runId = (await call('POST', '/runs/create', { experiment_id: experimentId })).json.run.info.run_id as string;
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
const q = (params: Record<string, string | string[]>): string => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const item of [v].flat()) search.append(k, item);
  return search.toString();
};
const errorOf = (res: { status: number; json: Body }) => [res.status, res.json.error_code];

let counter = 0;
const uniqueName = (prefix: string) => `${prefix}-${++counter}-${Date.now().toString(36)}`;

async function createModel(name: string, extra: Body = {}): Promise<Body> {
  const res = await call('POST', '/registered-models/create', { name, ...extra });
  expect(res.status).toBe(200);
  return res.json.registered_model as Body;
}
async function createVersion(name: string, extra: Body = {}): Promise<Body> {
  const res = await call('POST', '/model-versions/create', { name, source: `runs:/${runId}/model`, run_id: runId, ...extra });
  expect(res.status).toBe(200);
  return res.json.model_version as Body;
}

describe('MLflow registered-models API', () => {
  it('creates a model with tags and description, and refuses a duplicate with RESOURCE_ALREADY_EXISTS', async () => {
    const name = uniqueName('create');
    const model = await createModel(name, { description: 'first', tags: [{ key: 'team', value: 'ml' }, { key: 'empty' }] });
    expect(model).toMatchObject({ name, description: 'first', user_id: 'anonymous' });
    expect(model.tags).toEqual(expect.arrayContaining([{ key: 'team', value: 'ml' }, { key: 'empty', value: '' }]));
    expect(typeof model.creation_timestamp).toBe('number');
    expect(model.last_updated_timestamp).toBe(model.creation_timestamp);
    expect(model).not.toHaveProperty('aliases');
    expect(model).not.toHaveProperty('latest_versions');

    const dup = await call('POST', '/registered-models/create', { name });
    expect(errorOf(dup)).toEqual([400, 'RESOURCE_ALREADY_EXISTS']);
    expect(dup.json.message).toContain(name);
    expect(errorOf(await call('POST', '/registered-models/create', {}))).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(errorOf(await call('POST', '/registered-models/create', { name: 'a/b' }))).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it('records the acting user from x-ascent-user, else basic auth, else anonymous', async () => {
    const fromHeader = await call('POST', '/registered-models/create', { name: uniqueName('user') }, { 'x-ascent-user': 'ada' });
    expect(fromHeader.json.registered_model.user_id).toBe('ada');
    const basic = `Basic ${Buffer.from('grace:secret').toString('base64')}`;
    const name = uniqueName('user');
    const fromBasic = await call('POST', '/registered-models/create', { name }, { authorization: basic });
    expect(fromBasic.json.registered_model.user_id).toBe('grace');
    await call('POST', '/registered-models/set-tag', { name, key: 'k', value: 'v' }, { authorization: basic, 'x-ascent-user': 'linus' });
    const events = await ascent.services.registry.history({ name });
    expect(events.map((e) => [e.type, e.actor])).toEqual([
      ['model.created', 'grace'],
      ['model.tag_set', 'linus'],
    ]);
  });

  it('gets a model with its latest version per stage, and 404s an unknown one', async () => {
    const name = uniqueName('get');
    await createModel(name);
    await createVersion(name);
    await createVersion(name);
    await call('POST', '/model-versions/transition-stage', { name, version: '1', stage: 'Production', archive_existing_versions: false });
    const res = await call('GET', `/registered-models/get?${q({ name })}`);
    expect(res.status).toBe(200);
    expect(res.json.registered_model.latest_versions.map((v: Body) => [v.version, v.current_stage])).toEqual([
      ['1', 'Production'],
      ['2', 'None'],
    ]);
    const missing = await call('GET', `/registered-models/get?${q({ name: 'no-such-model' })}`);
    expect(errorOf(missing)).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    expect(errorOf(await call('GET', '/registered-models/get'))).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it('renames, updates the description (PATCH) and deletes (DELETE) a model', async () => {
    const name = uniqueName('life');
    const taken = uniqueName('taken');
    await createModel(name, { description: 'old' });
    await createModel(taken);
    await createVersion(name);

    const newName = `${name}-renamed`;
    const renamed = await call('POST', '/registered-models/rename', { name, new_name: newName });
    expect(renamed.json.registered_model).toMatchObject({ name: newName, description: 'old' });
    expect(renamed.json.registered_model.latest_versions[0]).toMatchObject({ name: newName, version: '1' });
    expect(errorOf(await call('GET', `/registered-models/get?${q({ name })}`))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    expect(errorOf(await call('POST', '/registered-models/rename', { name: newName, new_name: taken }))).toEqual([400, 'RESOURCE_ALREADY_EXISTS']);
    expect(errorOf(await call('POST', '/registered-models/rename', { name: newName }))).toEqual([400, 'INVALID_PARAMETER_VALUE']);

    const updated = await call('PATCH', '/registered-models/update', { name: newName, description: 'new' });
    expect(updated.json.registered_model.description).toBe('new');
    expect(errorOf(await call('PATCH', '/registered-models/update', { name: 'nope', description: 'x' }))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);

    expect((await call('DELETE', '/registered-models/delete', { name: newName })).status).toBe(200);
    expect(errorOf(await call('GET', `/registered-models/get?${q({ name: newName })}`))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    expect(errorOf(await call('GET', `/model-versions/get?${q({ name: newName, version: '1' })}`))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    expect(errorOf(await call('DELETE', '/registered-models/delete', { name: newName }))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
  });

  it('searches with a name LIKE filter, order_by and page tokens (GET, as the client sends it)', async () => {
    const prefix = uniqueName('search');
    for (const suffix of ['a', 'b', 'c']) await createModel(`${prefix}-${suffix}`, { tags: [{ key: 'pick', value: suffix === 'b' ? 'yes' : 'no' }] });
    const first = await call('GET', `/registered-models/search?${q({ filter: `name LIKE '${prefix}-%'`, order_by: 'name DESC', max_results: '2' })}`);
    expect(first.status).toBe(200);
    expect(first.json.registered_models.map((m: Body) => m.name)).toEqual([`${prefix}-c`, `${prefix}-b`]);
    const second = await call('GET', `/registered-models/search?${q({ filter: `name LIKE '${prefix}-%'`, order_by: 'name DESC', max_results: '2', page_token: first.json.next_page_token })}`);
    expect(second.json.registered_models.map((m: Body) => m.name)).toEqual([`${prefix}-a`]);
    expect(second.json).not.toHaveProperty('next_page_token');

    const byTag = await call('POST', '/registered-models/search', { filter: `name LIKE '${prefix}%' AND tags.pick = 'yes'` });
    expect(byTag.json.registered_models.map((m: Body) => m.name)).toEqual([`${prefix}-b`]);
    const none = await call('GET', `/registered-models/search?${q({ filter: "name = 'nothing-matches'" })}`);
    expect(none.json).toEqual({});
    expect(errorOf(await call('GET', `/registered-models/search?${q({ filter: 'metrics.x > 1' })}`))).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(errorOf(await call('GET', `/registered-models/search?${q({ max_results: '5000' })}`))).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it('leaves prompts out unless the filter asks for them, as the client expects', async () => {
    const prefix = uniqueName('prompts');
    await createModel(`${prefix}-model`);
    await createModel(`${prefix}-prompt`, { tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }] });
    const names = async (filter: string) => (((await call('GET', `/registered-models/search?${q({ filter })}`)).json.registered_models ?? []) as Body[]).map((m) => m.name);
    // The exact filter mlflow's search_registered_models sends.
    expect(await names(`name LIKE '${prefix}-%' AND tag.\`mlflow.prompt.is_prompt\` != 'true'`)).toEqual([`${prefix}-model`]);
    expect(await names(`name LIKE '${prefix}-%'`)).toEqual([`${prefix}-model`]);
    expect(await names(`name LIKE '${prefix}-%' AND tags.\`mlflow.prompt.is_prompt\` = 'true'`)).toEqual([`${prefix}-prompt`]);
    const versions = await call('GET', `/model-versions/search?${q({ filter: `name = '${prefix}-prompt'` })}`);
    expect(versions.json).toEqual({});
  });

  it('answers get-latest-versions on POST and GET, filtered by stage', async () => {
    const name = uniqueName('latest');
    await createModel(name);
    for (let i = 0; i < 3; i++) await createVersion(name);
    await call('POST', '/model-versions/transition-stage', { name, version: '1', stage: 'staging', archive_existing_versions: false });
    const all = await call('POST', '/registered-models/get-latest-versions', { name });
    expect(all.json.model_versions.map((v: Body) => [v.version, v.current_stage])).toEqual([
      ['1', 'Staging'],
      ['3', 'None'],
    ]);
    const staging = await call('GET', `/registered-models/get-latest-versions?${q({ name, stages: ['Staging'] })}`);
    expect(staging.json.model_versions.map((v: Body) => v.version)).toEqual(['1']);
    const production = await call('POST', '/registered-models/get-latest-versions', { name, stages: ['Production'] });
    expect(production.json).toEqual({});
    expect(errorOf(await call('POST', '/registered-models/get-latest-versions', { name, stages: ['Nowhere'] }))).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(errorOf(await call('POST', '/registered-models/get-latest-versions', { name: 'nope' }))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
  });

  it('sets and deletes model tags; deleting a missing tag succeeds as in MLflow', async () => {
    const name = uniqueName('tags');
    await createModel(name);
    expect((await call('POST', '/registered-models/set-tag', { name, key: 'a', value: '1' })).status).toBe(200);
    await call('POST', '/registered-models/set-tag', { name, key: 'a', value: '2' });
    await call('POST', '/registered-models/set-tag', { name, key: 'b', value: '3' });
    expect((await call('GET', `/registered-models/get?${q({ name })}`)).json.registered_model.tags).toEqual([
      { key: 'a', value: '2' },
      { key: 'b', value: '3' },
    ]);
    expect((await call('DELETE', '/registered-models/delete-tag', { name, key: 'a' })).status).toBe(200);
    expect((await call('DELETE', '/registered-models/delete-tag', { name, key: 'a' })).status).toBe(200);
    expect((await call('GET', `/registered-models/get?${q({ name })}`)).json.registered_model.tags).toEqual([{ key: 'b', value: '3' }]);
    expect(errorOf(await call('POST', '/registered-models/set-tag', { name, value: 'x' }))).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(errorOf(await call('POST', '/registered-models/set-tag', { name: 'nope', key: 'k', value: 'v' }))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    expect(errorOf(await call('DELETE', '/registered-models/delete-tag', { name: 'nope', key: 'k' }))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
  });
});

describe('MLflow registered-model aliases', () => {
  it('sets, reads, moves and deletes an alias', async () => {
    const name = uniqueName('alias');
    await createModel(name);
    await createVersion(name);
    await createVersion(name);
    expect((await call('POST', '/registered-models/alias', { name, alias: 'champion', version: '1' })).json).toEqual({});

    const byAlias = await call('GET', `/registered-models/alias?${q({ name, alias: 'champion' })}`);
    expect(byAlias.json.model_version).toMatchObject({ name, version: '1', aliases: ['champion'] });
    expect((await call('GET', `/registered-models/get?${q({ name })}`)).json.registered_model.aliases).toEqual([{ alias: 'champion', version: '1' }]);

    await call('POST', '/registered-models/alias', { name, alias: 'champion', version: 2 });
    expect((await call('GET', `/registered-models/alias?${q({ name, alias: 'champion' })}`)).json.model_version.version).toBe('2');
    expect((await call('GET', `/model-versions/get?${q({ name, version: '1' })}`)).json.model_version).not.toHaveProperty('aliases');

    expect((await call('DELETE', '/registered-models/alias', { name, alias: 'champion' })).status).toBe(200);
    expect(errorOf(await call('GET', `/registered-models/alias?${q({ name, alias: 'champion' })}`))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    // Deleting an alias that is not set succeeds, as in MLflow; an unknown model does not.
    expect((await call('DELETE', '/registered-models/alias', { name, alias: 'champion' })).status).toBe(200);
    expect(errorOf(await call('DELETE', '/registered-models/alias', { name: 'nope', alias: 'champion' }))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
  });

  it('refuses bad alias names and unknown versions', async () => {
    const name = uniqueName('alias-bad');
    await createModel(name);
    await createVersion(name);
    for (const alias of ['latest', 'V2', 'has space', '']) {
      expect(errorOf(await call('POST', '/registered-models/alias', { name, alias, version: '1' })), alias).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    }
    expect(errorOf(await call('POST', '/registered-models/alias', { name, alias: 'ok', version: '9' }))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    expect(errorOf(await call('POST', '/registered-models/alias', { name, alias: 'ok' }))).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(errorOf(await call('POST', '/registered-models/alias', { name: 'nope', alias: 'ok', version: '1' }))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
  });

  it('answers 403 PERMISSION_DENIED, saying how to request approval, for an approval-gated alias', async () => {
    const name = uniqueName('gated');
    await createModel(name);
    await createVersion(name);
    await ascent.services.releases.setApprovalRule(name, { target: 'champion' }, { user: 'ada' });

    const res = await call('POST', '/registered-models/alias', { name, alias: 'champion', version: '1' }, { 'x-ascent-user': 'bob' });
    expect(errorOf(res)).toEqual([403, 'PERMISSION_DENIED']);
    expect(res.json.message).toMatch(/requires approval/);
    expect(res.json.message).toContain(`/api/v1/models/${name}/approvals`);
    expect(errorOf(await call('GET', `/registered-models/alias?${q({ name, alias: 'champion' })}`))).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);

    // Once approved through the release service, the alias is readable through MLflow's API.
    const request = await ascent.services.releases.requestApproval(name, { target: 'champion', version: '1' }, { user: 'bob' });
    await ascent.services.releases.approve(request.requestId, { user: 'ada' });
    expect((await call('GET', `/registered-models/alias?${q({ name, alias: 'champion' })}`)).json.model_version.version).toBe('1');
    // Removing the gated alias is gated too.
    expect(errorOf(await call('DELETE', '/registered-models/alias', { name, alias: 'champion' }))).toEqual([403, 'PERMISSION_DENIED']);
    // Ungated aliases of the same model move freely.
    expect((await call('POST', '/registered-models/alias', { name, alias: 'challenger', version: '1' })).status).toBe(200);
  });
});
