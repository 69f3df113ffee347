import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAscentApp, type AscentApp } from '../../../test/support/ascent-process.js';

// Real SQLite file and artifact folder in a temp dir, the same services the server builds (no mocks).
let ascent: AscentApp;
let experimentId: string;
beforeAll(async () => {
  ascent = await startAscentApp();
  experimentId = (await post('/experiments/create', { name: 'runs-tests' })).json.experiment_id as string;
});
afterAll(async () => {
  await ascent?.close();
});

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
async function call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; json: Body; text: string }> {
  const res = await ascent.app.inject({ method, url: `/api/2.0/mlflow${url}`, ...(body === undefined ? {} : { payload: body as object }) });
  return { status: res.statusCode, json: res.json() as Body, text: res.body };
}
const post = (url: string, body: unknown = {}) => call('POST', url, body);
const get = (url: string) => call('GET', url);

async function newRun(extra: Body = {}): Promise<string> {
  const res = await post('/runs/create', { experiment_id: experimentId, start_time: 1_000, ...extra });
  expect(res.status).toBe(200);
  return res.json.run.info.run_id as string;
}
const getRun = async (runId: string) => (await get(`/runs/get?run_id=${runId}`)).json.run as Body;

describe('MLflow runs API', () => {
  it('creates a run in proto JSON: run_uuid alias, no end_time until it ends, empty lists omitted', async () => {
    const res = await post('/runs/create', { experiment_id: experimentId, run_name: 'first', start_time: '1234', tags: [{ key: 'k', value: 'v' }] });
    const run = res.json.run as Body;
    expect(run.info).toMatchObject({ run_name: 'first', experiment_id: experimentId, status: 'RUNNING', start_time: 1234, lifecycle_stage: 'active' });
    expect(run.info.run_uuid).toBe(run.info.run_id);
    expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/${experimentId}/${run.info.run_id}/artifacts`);
    expect(run.info).not.toHaveProperty('end_time');
    expect(run.data).not.toHaveProperty('metrics');
    expect(run.data).not.toHaveProperty('params');
    expect(run.data.tags).toEqual(expect.arrayContaining([{ key: 'k', value: 'v' }, { key: 'mlflow.runName', value: 'first' }]));
    expect(run).toMatchObject({ inputs: {}, outputs: {} });

    const updated = await post('/runs/update', { run_uuid: run.info.run_id, status: 'FINISHED', end_time: 2_000 });
    expect(updated.json.run_info).toMatchObject({ status: 'FINISHED', end_time: 2_000 });
    expect((await getRun(run.info.run_id)).info.end_time).toBe(2_000);
  });

  it('keeps values that look like the JSON structure intact when empty lists are dropped', async () => {
    const tricky = 'x"tags":[],}';
    const res = await post('/runs/create', { experiment_id: experimentId, run_name: 'tricky', tags: [{ key: 'metrics', value: tricky }] });
    const runId = (res.json.run as Body).info.run_id as string;
    const got = await getRun(runId);
    expect(got.data).not.toHaveProperty('metrics');
    expect(got.data).not.toHaveProperty('params');
    expect(got.data.tags).toContainEqual({ key: 'metrics', value: tricky });
  });

  it('serializes NaN and infinite metric values as the JSON strings MLflow uses', async () => {
    const runId = await newRun();
    await post('/runs/log-metric', { run_id: runId, key: 'nan', value: 'NaN', timestamp: 1, step: 0 });
    await post('/runs/log-metric', { run_id: runId, key: 'inf', value: 'Infinity', timestamp: '2', step: '1' });
    await post('/runs/log-batch', { run_id: runId, metrics: [{ key: 'ninf', value: '-Infinity', timestamp: 3 }, { key: 'num', value: '2.5', timestamp: 3 }] });
    const res = await get(`/runs/get?run_id=${runId}`);
    expect(res.text).toContain('"value":"NaN"');
    const byKey = Object.fromEntries((res.json.run.data.metrics as Body[]).map((m) => [m.key, m]));
    expect(byKey.nan).toEqual({ key: 'nan', value: 'NaN', timestamp: 1, step: 0 });
    expect(byKey.inf).toEqual({ key: 'inf', value: 'Infinity', timestamp: 2, step: 1 });
    expect(byKey.ninf?.value).toBe('-Infinity');
    expect(byKey.num?.value).toBe(2.5);
    const history = await get(`/metrics/get-history?run_id=${runId}&metric_key=nan`);
    expect(history.json.metrics).toEqual([{ key: 'nan', value: 'NaN', timestamp: 1, step: 0 }]);
  });

  it('refuses a metric value of the wrong type, naming the field, and writes nothing', async () => {
    const runId = await newRun();
    const bad = await post('/runs/log-metric', { run_id: runId, key: 'm', value: 'abc', timestamp: 1 });
    expect([bad.status, bad.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(bad.json.message).toContain("'value'");
    const badInBatch = await post('/runs/log-batch', {
      run_id: runId,
      metrics: [{ key: 'ok', value: 1, timestamp: 1 }, { key: 'bad', value: { x: 1 }, timestamp: 1 }],
      params: [{ key: 'p', value: '1' }],
    });
    expect([badInBatch.status, badInBatch.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(badInBatch.json.message).toContain('metrics[1].value');
    const badTimestamp = await post('/runs/log-metric', { run_id: runId, key: 'm', value: 1, timestamp: 'yesterday' });
    expect([badTimestamp.status, badTimestamp.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(badTimestamp.json.message).toContain("'timestamp'");
    const noTimestamp = await post('/runs/log-batch', { run_id: runId, metrics: [{ key: 'm', value: 1 }] });
    expect([noTimestamp.status, noTimestamp.json.message]).toEqual([400, expect.stringContaining('metrics[0].timestamp')]);
    const run = await getRun(runId);
    expect(run.data).not.toHaveProperty('metrics');
    expect(run.data).not.toHaveProperty('params');
  });

  it.each([
    ['metrics', 1001, (i: number) => ({ key: `m${i}`, value: i, timestamp: 1 })],
    ['params', 101, (i: number) => ({ key: `p${i}`, value: String(i) })],
    ['tags', 101, (i: number) => ({ key: `t${i}`, value: String(i) })],
  ] as const)('refuses an oversize log-batch (%s × %i) and writes nothing', async (field, count, make) => {
    const runId = await newRun();
    const before = await getRun(runId);
    const res = await post('/runs/log-batch', { run_id: runId, [field]: Array.from({ length: count }, (_, i) => make(i)) });
    expect([res.status, res.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(await getRun(runId)).toEqual(before);
  });

  it('keeps a logged param: the same value again is fine, another value is INVALID_PARAMETER_VALUE', async () => {
    const runId = await newRun();
    expect((await post('/runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' })).status).toBe(200);
    expect((await post('/runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' })).status).toBe(200);
    const changed = await post('/runs/log-parameter', { run_id: runId, key: 'lr', value: '0.2' });
    expect([changed.status, changed.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    const inBatch = await post('/runs/log-batch', { run_id: runId, params: [{ key: 'other', value: 'x' }, { key: 'lr', value: '0.3' }], tags: [{ key: 't', value: '1' }] });
    expect([inBatch.status, inBatch.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    const run = await getRun(runId);
    expect(run.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    expect((run.data.tags as Body[]).some((t) => t.key === 't')).toBe(false);
  });

  it('answers unknown runs with 404 RESOURCE_DOES_NOT_EXIST and conflicting run ids with 400', async () => {
    const missing = await get(`/runs/get?run_id=${'0'.repeat(32)}`);
    expect([missing.status, missing.json.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    const missingLog = await post('/runs/log-batch', { run_id: 'f'.repeat(32), tags: [{ key: 'a', value: 'b' }] });
    expect([missingLog.status, missingLog.json.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    const noExperiment = await post('/runs/create', { experiment_id: '424242' });
    expect([noExperiment.status, noExperiment.json.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    const runId = await newRun();
    const conflict = await get(`/runs/get?run_id=${runId}&run_uuid=${'1'.repeat(32)}`);
    expect([conflict.status, conflict.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    const noId = await get('/runs/get');
    expect([noId.status, noId.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it('searches runs the same on GET (repeated query keys) and POST, paging with tokens', async () => {
    const exp = (await post('/experiments/create', { name: 'search-runs' })).json.experiment_id as string;
    const ids: string[] = [];
    for (const i of [0, 1, 2, 3, 4]) {
      const runId = (await post('/runs/create', { experiment_id: exp, start_time: 1_000 + i })).json.run.info.run_id as string;
      await post('/runs/log-batch', { run_id: runId, metrics: [{ key: 'score', value: i, timestamp: 1 }], tags: [{ key: 'parity', value: i % 2 ? 'odd' : 'even' }] });
      ids.push(runId);
    }
    const body = { experiment_ids: [exp, '0'], filter: "tags.parity = 'even'", order_by: ['metrics.score DESC'] };
    const viaPost = await post('/runs/search', body);
    const query = `experiment_ids=${exp}&experiment_ids=0&filter=${encodeURIComponent(body.filter)}&order_by=${encodeURIComponent('metrics.score DESC')}`;
    const viaGet = await get(`/runs/search?${query}`);
    expect(viaGet.json).toEqual(viaPost.json);
    expect(viaPost.json.runs.map((r: Body) => r.info.run_id)).toEqual([ids[4], ids[2], ids[0]]);

    const seen: string[] = [];
    let token: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await post('/runs/search', { experiment_ids: [exp], max_results: 2, ...(token ? { page_token: token } : {}) });
      sizes.push(page.json.runs.length);
      seen.push(...page.json.runs.map((r: Body) => r.info.run_id as string));
      token = page.json.next_page_token as string | undefined;
    } while (token);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual([...ids].reverse()); // default order: newest start_time first

    const wrongType = await post('/runs/search', { experiment_ids: exp });
    expect([wrongType.status, wrongType.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    const badFilter = await post('/runs/search', { experiment_ids: [exp], filter: 'metrics.score >> 1' });
    expect([badFilter.status, badFilter.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it('serves metric history and the bulk interval variant', async () => {
    const runId = await newRun();
    const metrics = Array.from({ length: 30 }, (_, step) => ({ key: 'loss', value: 30 - step, timestamp: 100 + step, step }));
    await post('/runs/log-batch', { run_id: runId, metrics });
    const history = await get(`/metrics/get-history?run_uuid=${runId}&metric_key=loss`);
    expect(history.json.metrics).toHaveLength(30);
    expect(history.json).not.toHaveProperty('next_page_token');
    const paged = await get(`/metrics/get-history?run_id=${runId}&metric_key=loss&max_results=10`);
    expect(paged.json.metrics).toHaveLength(10);
    expect(typeof paged.json.next_page_token).toBe('string');

    const bulk = await get(`/metrics/get-history-bulk-interval?run_ids=${runId}&metric_key=loss&max_results=5&start_step=10&end_step=20`);
    expect(bulk.status).toBe(200);
    const points = bulk.json.metrics as Body[];
    expect(points.length).toBeGreaterThan(0);
    expect(points.length).toBeLessThanOrEqual(5);
    for (const p of points) {
      expect(p).toMatchObject({ key: 'loss', run_id: runId });
      expect(p.step).toBeGreaterThanOrEqual(10);
      expect(p.step).toBeLessThanOrEqual(20);
    }
  });

  it('sets, overwrites and deletes tags; deletes and restores runs', async () => {
    const runId = await newRun();
    await post('/runs/set-tag', { run_id: runId, key: 'stage', value: 'a' });
    await post('/runs/set-tag', { run_id: runId, key: 'stage', value: 'b' });
    expect((await getRun(runId)).data.tags).toContainEqual({ key: 'stage', value: 'b' });
    await post('/runs/delete-tag', { run_id: runId, key: 'stage' });
    expect(((await getRun(runId)).data.tags as Body[]).some((t) => t.key === 'stage')).toBe(false);

    await post('/runs/delete', { run_id: runId });
    expect((await getRun(runId)).info.lifecycle_stage).toBe('deleted');
    const onDeleted = await post('/runs/set-tag', { run_id: runId, key: 'x', value: 'y' });
    expect(onDeleted.status).toBe(400);
    await post('/runs/restore', { run_id: runId });
    expect((await getRun(runId)).info.lifecycle_stage).toBe('active');
  });

  it('logs dataset inputs and model outputs', async () => {
    const runId = await newRun();
    const dataset = { name: 'iris', digest: 'abc123', source_type: 'http', source: '{"url": "https://example.org/iris.csv"}', schema: '{"mlflow_colspec": []}', profile: '{"num_rows": 150}' };
    const res = await post('/runs/log-inputs', { run_id: runId, datasets: [{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }] });
    expect(res.status).toBe(200);
    await post('/runs/outputs', { run_id: runId, models: [{ model_id: 'm-0123', step: '3' }] });
    const run = await getRun(runId);
    expect(run.inputs.dataset_inputs).toEqual([{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }]);
    expect(run.outputs.model_outputs).toEqual([{ model_id: 'm-0123', step: 3 }]);

    const noDataset = await post('/runs/log-inputs', { run_id: runId, datasets: [{ tags: [] }] });
    expect([noDataset.status, noDataset.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });

  it('records legacy runs/log-model calls in the mlflow.log-model.history tag', async () => {
    const runId = await newRun();
    const model = (path: string) => JSON.stringify({ artifact_path: path, flavors: { sklearn: {} }, utc_time_created: '2024-01-01 00:00:00', run_id: runId });
    expect((await post('/runs/log-model', { run_id: runId, model_json: model('one') })).status).toBe(200);
    expect((await post('/runs/log-model', { run_id: runId, model_json: model('two') })).status).toBe(200);
    const tag = ((await getRun(runId)).data.tags as Body[]).find((t) => t.key === 'mlflow.log-model.history');
    expect(JSON.parse(tag?.value as string).map((m: Body) => m.artifact_path)).toEqual(['one', 'two']);

    const malformed = await post('/runs/log-model', { run_id: runId, model_json: '{not json' });
    expect([malformed.status, malformed.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    const incomplete = await post('/runs/log-model', { run_id: runId, model_json: '{"flavors": {}}' });
    expect([incomplete.status, incomplete.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });
});
