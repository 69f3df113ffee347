import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAscentApp, type AscentApp } from '../../../test/support/ascent-process.js';

// Real SQLite file and artifact folder in a temp dir, the same services the server builds (no mocks).
let ascent: AscentApp;
let experimentId: string;
let runId: string;
beforeAll(async () => {
  ascent = await startAscentApp();
  experimentId = (await call('POST', '/experiments/create', { name: 'models' })).json.experiment_id as string;
  runId = (await call('POST', '/runs/create', { experiment_id: experimentId })).json.run.info.run_id as string;
});
afterAll(async () => {
  await ascent?.close();
});

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<{ status: number; json: Body }> {
  const res = await ascent.app.inject({ method, url: `/api/2.0/mlflow${url}`, ...(body === undefined ? {} : { payload: body as object }) });
  return { status: res.statusCode, json: res.json() as Body };
}

async function createModel(extra: Body = {}): Promise<Body> {
  const res = await call('POST', '/logged-models', { experiment_id: experimentId, source_run_id: runId, ...extra });
  expect(res.status).toBe(200);
  return res.json.model as Body;
}

describe('MLflow logged models API', () => {
  it('creates a pending model under the experiment and finalizes it', async () => {
    const model = await createModel({ name: 'clf', model_type: 'classifier', params: [{ key: 'alpha', value: '0.1' }], tags: [{ key: 'team', value: 'x' }] });
    expect(model.info).toMatchObject({
      experiment_id: experimentId,
      name: 'clf',
      model_type: 'classifier',
      source_run_id: runId,
      status: 'LOGGED_MODEL_PENDING',
      tags: [{ key: 'team', value: 'x' }],
    });
    const id = model.info.model_id as string;
    expect(id).toMatch(/^m-[0-9a-f]{32}$/);
    expect(model.info.artifact_uri).toBe(`mlflow-artifacts:/${experimentId}/models/${id}/artifacts`);
    expect(typeof model.info.creation_timestamp_ms).toBe('number');
    expect(model.data.params).toEqual([{ key: 'alpha', value: '0.1' }]);

    // The client sends the status by name and repeats model_id in the body.
    const ready = await call('PATCH', `/logged-models/${id}`, { model_id: id, status: 'LOGGED_MODEL_READY' });
    expect(ready.json.model.info.status).toBe('LOGGED_MODEL_READY');
    const failed = await call('PATCH', `/logged-models/${id}`, { status: 3 });
    expect(failed.json.model.info.status).toBe('LOGGED_MODEL_UPLOAD_FAILED');
    expect((await call('GET', `/logged-models/${id}`)).json.model.info.status).toBe('LOGGED_MODEL_UPLOAD_FAILED');

    const noStatus = await call('PATCH', `/logged-models/${id}`, {});
    expect([noStatus.status, noStatus.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it('sets and deletes tags, logs params, and deletes the model', async () => {
    const id = (await createModel()).info.model_id as string;
    const tagged = await call('PATCH', `/logged-models/${id}/tags`, { tags: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] });
    expect(tagged.json.model.info.tags).toEqual(expect.arrayContaining([{ key: 'a', value: '1' }, { key: 'b', value: '2' }]));
    expect((await call('DELETE', `/logged-models/${id}/tags/a`)).status).toBe(200);
    expect((await call('GET', `/logged-models/${id}`)).json.model.info.tags).toEqual([{ key: 'b', value: '2' }]);
    expect((await call('POST', `/logged-models/${id}/params`, { params: [{ key: 'depth', value: '3' }] })).status).toBe(200);
    expect((await call('GET', `/logged-models/${id}`)).json.model.data.params).toContainEqual({ key: 'depth', value: '3' });

    expect((await call('DELETE', `/logged-models/${id}`)).status).toBe(200);
    const gone = await call('GET', `/logged-models/${id}`);
    expect([gone.status, gone.json.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
  });

  it('searches with order_by messages and page tokens', async () => {
    const exp = (await call('POST', '/experiments/create', { name: 'model-search' })).json.experiment_id as string;
    const ids: string[] = [];
    for (const name of ['m-a', 'm-b', 'm-c']) ids.push((await call('POST', '/logged-models', { experiment_id: exp, name })).json.model.info.model_id as string);
    const first = await call('POST', '/logged-models/search', { experiment_ids: [exp], order_by: [{ field_name: 'name', ascending: false }], max_results: 2 });
    expect(first.json.models.map((m: Body) => m.info.name)).toEqual(['m-c', 'm-b']);
    const second = await call('POST', '/logged-models/search', { experiment_ids: [exp], order_by: [{ field_name: 'name', ascending: false }], max_results: 2, page_token: first.json.next_page_token });
    expect(second.json.models.map((m: Body) => m.info.name)).toEqual(['m-a']);
    expect(second.json).not.toHaveProperty('next_page_token');
    const filtered = await call('POST', '/logged-models/search', { experiment_ids: [exp], filter: "name = 'm-b'" });
    expect(filtered.json.models.map((m: Body) => m.info.model_id)).toEqual([ids[1]]);
  });

  it('lists a model artifact folder', async () => {
    const model = await createModel();
    const root = (model.info.artifact_uri as string).replace('mlflow-artifacts:/', '');
    await ascent.app.inject({ method: 'PUT', url: `/api/2.0/mlflow-artifacts/artifacts/${root}/MLmodel`, payload: 'flavors: {}', headers: { 'content-type': 'text/plain' } });
    const res = await call('GET', `/logged-models/${model.info.model_id}/artifacts/directories`);
    expect(res.json).toEqual({ root_uri: model.info.artifact_uri, files: [{ path: 'MLmodel', is_dir: false, file_size: 11 }] });
  });

  it('answers unknown experiments, runs and models with 404 and bad input with 400', async () => {
    const noExperiment = await call('POST', '/logged-models', { experiment_id: '98765' });
    expect([noExperiment.status, noExperiment.json.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    const noRun = await call('POST', '/logged-models', { experiment_id: experimentId, source_run_id: 'f'.repeat(32) });
    expect([noRun.status, noRun.json.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    const noModel = await call('GET', '/logged-models/m-00000000000000000000000000000000');
    expect([noModel.status, noModel.json.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    const badTags = await call('PATCH', `/logged-models/${(await createModel()).info.model_id}/tags`, { tags: 'a=1' });
    expect([badTags.status, badTags.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });
});
