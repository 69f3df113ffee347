import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAscentApp, type AscentApp } from '../../../test/support/ascent-process.js';

// Real SQLite file and artifact folder in a temp dir, the same services the server builds (no mocks).
let ascent: AscentApp;
beforeAll(async () => {
  ascent = await startAscentApp();
});
afterAll(async () => {
  await ascent?.close();
});

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
async function call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; json: Body }> {
  const res = await ascent.app.inject({ method, url: `/api/2.0/mlflow${url}`, ...(body === undefined ? {} : { payload: body as object }) });
  return { status: res.statusCode, json: res.json() as Body };
}
const post = (url: string, body: unknown = {}) => call('POST', url, body);
const get = (url: string) => call('GET', url);

describe('MLflow experiments API', () => {
  it('creates, reads by id and by name, and answers in proto JSON', async () => {
    const created = await post('/experiments/create', { name: 'exp-a', tags: [{ key: 'team', value: 'vision' }] });
    expect(created.status).toBe(200);
    const id = created.json.experiment_id as string;
    expect(id).toMatch(/^\d+$/);

    const byId = await get(`/experiments/get?experiment_id=${id}`);
    expect(byId.status).toBe(200);
    expect(byId.json.experiment).toMatchObject({
      experiment_id: id,
      name: 'exp-a',
      lifecycle_stage: 'active',
      artifact_location: `mlflow-artifacts:/${id}`,
      tags: [{ key: 'team', value: 'vision' }],
    });
    expect(typeof byId.json.experiment.creation_time).toBe('number');

    const byName = await get('/experiments/get-by-name?experiment_name=exp-a');
    expect(byName.json.experiment.experiment_id).toBe(id);
  });

  it('maps errors to MLflow codes and statuses', async () => {
    await post('/experiments/create', { name: 'dup' });
    const dup = await post('/experiments/create', { name: 'dup' });
    expect([dup.status, dup.json.error_code]).toEqual([400, 'RESOURCE_ALREADY_EXISTS']);

    const missing = await get('/experiments/get?experiment_id=987654');
    expect([missing.status, missing.json.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    const missingName = await get('/experiments/get-by-name?experiment_name=nope');
    expect([missingName.status, missingName.json.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);

    const notNumeric = await get('/experiments/get?experiment_id=abc');
    expect([notNumeric.status, notNumeric.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);

    const objectId = await post('/experiments/delete', { experiment_id: { id: 1 } });
    expect([objectId.status, objectId.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(objectId.json.message).toContain('experiment_id');

    const noName = await post('/experiments/create', {});
    expect([noName.status, noName.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(noName.json.message).toContain("'name'");
  });

  it('answers malformed JSON with 400 MALFORMED_REQUEST and writes nothing', async () => {
    const res = await ascent.app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/experiments/create',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "half',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error_code: 'MALFORMED_REQUEST' });
    expect((await get('/experiments/get-by-name?experiment_name=half')).status).toBe(404);
  });

  it('accepts a double-encoded JSON body, as older clients send', async () => {
    const res = await ascent.app.inject({
      method: 'POST',
      url: '/api/2.0/mlflow/experiments/create',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(JSON.stringify({ name: 'double-encoded' })),
    });
    expect(res.statusCode).toBe(200);
    expect((await get('/experiments/get-by-name?experiment_name=double-encoded')).status).toBe(200);
  });

  it('searches the same on GET (query) and POST (body), with page tokens only while pages remain', async () => {
    for (const i of [1, 2, 3]) await post('/experiments/create', { name: `page-${i}` });
    const filter = "name LIKE 'page-%'";
    const viaPost = await post('/experiments/search', { filter, order_by: ['name DESC'], max_results: 2 });
    const viaGet = await get(`/experiments/search?filter=${encodeURIComponent(filter)}&order_by=${encodeURIComponent('name DESC')}&max_results=2`);
    expect(viaGet.json).toEqual(viaPost.json);
    expect(viaPost.json.experiments.map((e: Body) => e.name)).toEqual(['page-3', 'page-2']);
    expect(typeof viaPost.json.next_page_token).toBe('string');

    const last = await post('/experiments/search', { filter, order_by: ['name DESC'], max_results: '2', page_token: viaPost.json.next_page_token });
    expect(last.json.experiments.map((e: Body) => e.name)).toEqual(['page-1']);
    expect(last.json).not.toHaveProperty('next_page_token');

    const none = await post('/experiments/search', { filter: "name = 'no-such'" });
    expect(none).toEqual({ status: 200, json: {} });

    const badToken = await post('/experiments/search', { page_token: 'not-a-token' });
    expect([badToken.status, badToken.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it('deletes, restores, renames and tags; view_type filters by lifecycle', async () => {
    const id = (await post('/experiments/create', { name: 'lifecycle' })).json.experiment_id as string;
    expect((await post('/experiments/delete', { experiment_id: id })).status).toBe(200);
    const deleted = await post('/experiments/search', { filter: "name = 'lifecycle'", view_type: 'DELETED_ONLY' });
    expect(deleted.json.experiments.map((e: Body) => e.experiment_id)).toEqual([id]);
    expect((await post('/experiments/search', { filter: "name = 'lifecycle'" })).json).toEqual({});
    // Enums may also come as their proto numbers (3 = ALL).
    expect((await get(`/experiments/search?filter=${encodeURIComponent("name = 'lifecycle'")}&view_type=3`)).json.experiments).toHaveLength(1);

    await post('/experiments/restore', { experiment_id: id });
    await post('/experiments/update', { experiment_id: id, new_name: 'lifecycle-2' });
    await post('/experiments/set-experiment-tag', { experiment_id: id, key: 'k', value: 'v' });
    let exp = (await get(`/experiments/get?experiment_id=${id}`)).json.experiment;
    expect(exp).toMatchObject({ name: 'lifecycle-2', lifecycle_stage: 'active', tags: [{ key: 'k', value: 'v' }] });
    await post('/experiments/delete-experiment-tag', { experiment_id: id, key: 'k' });
    exp = (await get(`/experiments/get?experiment_id=${id}`)).json.experiment;
    expect(exp).not.toHaveProperty('tags');

    const badView = await post('/experiments/search', { view_type: 'SOMETIMES' });
    expect([badView.status, badView.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it('answers the ajax-api and preview prefixes too', async () => {
    for (const prefix of ['/ajax-api/2.0/mlflow', '/api/2.0/preview/mlflow']) {
      const res = await ascent.app.inject({ method: 'GET', url: `${prefix}/experiments/get?experiment_id=0` });
      expect(res.statusCode).toBe(200);
      expect(res.json().experiment.name).toBe('Default');
    }
  });

  it('answers unknown routes under every MLflow prefix with 404 ENDPOINT_NOT_FOUND', async () => {
    for (const url of ['/api/2.0/mlflow/no-such-thing', '/ajax-api/2.0/mlflow/runs/nope', '/api/2.0/mlflow-artifacts/nope', '/api/3.0/mlflow/nope']) {
      const res = await ascent.app.inject({ method: 'POST', url, payload: {} });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
    }
    // A known path with a method MLflow does not route is unknown too.
    const wrongMethod = await ascent.app.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/get', payload: {} });
    expect(wrongMethod.json()).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
  });

  it('tells the client through server-info to upload artifacts with single PUTs', async () => {
    const res = await ascent.app.inject({ method: 'GET', url: '/api/3.0/mlflow/server-info' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ multipart_uploads_enabled: false, multipart_downloads_enabled: false, workspaces_enabled: false });
  });
});
