import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createServices } from '../../server.js';
import { registerNativeApi } from './register-native-api.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are arbitrary JSON checked field by field
type Json = any;

// Real SQLite file and real on-disk artifact store behind the routes; requests via app.inject().
describe('native API /api/v1', () => {
  let app: FastifyInstance;
  let close: () => Promise<void>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-native-'));

  beforeAll(async () => {
    const made = await createServices(loadConfig({ dataDir: dir, logLevel: 'silent' }));
    close = made.close;
    app = Fastify({ bodyLimit: 1024 * 1024 });
    await app.register(registerNativeApi, { prefix: '/api/v1', services: made.services });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const json = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, body?: unknown) => {
    const res = await app.inject({ method, url, ...(body === undefined ? {} : { payload: body as object }) });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, Json>) : {}, headers: res.headers };
  };

  it('runs the tracking flow: experiment, run, batch, search, history, downsample', async () => {
    const exp = await json('POST', '/api/v1/experiments', { name: 'native-flow' });
    expect(exp.status).toBe(200);
    const run = await json('POST', '/api/v1/runs', { experimentId: exp.body.experimentId, runName: 'r1' });
    expect(run.body.info.runName).toBe('r1');
    const runId = run.body.info.runId as string;
    const batch = await json('POST', `/api/v1/runs/${runId}/batch`, {
      params: [{ key: 'lr', value: '0.1' }],
      metrics: [
        { key: 'loss', value: 0.5, timestamp: 1, step: 1 },
        { key: 'loss', value: 'NaN', timestamp: 2, step: 2 },
      ],
    });
    expect(batch.status).toBe(200);
    const got = await json('GET', `/api/v1/runs/${runId}`);
    expect(got.body.data.metrics).toEqual([{ key: 'loss', value: 'NaN', timestamp: 2, step: 2 }]);
    expect(got.headers['x-request-id']).toBeUndefined(); // set by the full app, not this scope
    const search = await json('POST', '/api/v1/runs/search', { experimentIds: [exp.body.experimentId], filter: "params.lr = '0.1'" });
    expect(search.body.items.map((r: Json) => r.info.runId)).toEqual([runId]);
    const history = await json('GET', `/api/v1/runs/${runId}/metrics/loss/history`);
    expect(history.body.items.map((m: Json) => m.value)).toEqual([0.5, 'NaN']);
    const down = await json('GET', `/api/v1/runs/${runId}/metrics/loss/downsampled?maxPoints=10`);
    expect(down.body).toMatchObject({ raw: true, totalPoints: 2 });
  });

  it('answers bad input with a coded 4xx naming the field, and writes nothing', async () => {
    const exp = await json('POST', '/api/v1/experiments', { name: 'native-errors' });
    const runId = (await json('POST', '/api/v1/runs', { experimentId: exp.body.experimentId })).body.info.runId as string;
    const malformed = await app.inject({ method: 'POST', url: `/api/v1/runs/${runId}/batch`, headers: { 'content-type': 'application/json' }, payload: '{"metrics": [' });
    expect(malformed.statusCode).toBe(400);
    expect(JSON.parse(malformed.body).error.code).toBe('MALFORMED_REQUEST');
    const wrongType = await json('POST', `/api/v1/runs/${runId}/batch`, { metrics: [{ key: 'a', value: 1, timestamp: 'yesterday' }] });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(wrongType.body.error.field).toContain('timestamp');
    const oversize = await json('POST', `/api/v1/runs/${runId}/batch`, { params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' })) });
    expect(oversize.body.error.code).toBe('INVALID_ARGUMENT');
    expect((await json('GET', `/api/v1/runs/${runId}`)).body.data.params).toEqual([]);
    const tooLarge = await app.inject({ method: 'POST', url: `/api/v1/runs/${runId}/batch`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ tags: [{ key: 'x', value: 'y'.repeat(2 * 1024 * 1024) }] }) });
    expect(tooLarge.statusCode).toBe(413);
    expect(JSON.parse(tooLarge.body).error.code).toBe('PAYLOAD_TOO_LARGE');
    const unknown = await json('GET', '/api/v1/runs/ffffffffffffffffffffffffffffffff');
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    const dup = await json('POST', '/api/v1/experiments', { name: 'native-errors' });
    expect(dup).toMatchObject({ status: 409, body: { error: { code: 'ALREADY_EXISTS' } } });
    const badFilter = await json('POST', '/api/v1/runs/search', { experimentIds: [exp.body.experimentId], filter: 'metrics.x >' });
    expect(badFilter).toMatchObject({ status: 400, body: { error: { code: 'INVALID_ARGUMENT', field: 'filter' } } });
    expect((await json('GET', '/api/v1/nope')).body.error.code).toBe('ENDPOINT_NOT_FOUND');
  });

  it('uploads, lists and downloads artifacts, and refuses traversal', async () => {
    const exp = await json('POST', '/api/v1/experiments', { name: 'native-artifacts' });
    const runId = (await json('POST', '/api/v1/runs', { experimentId: exp.body.experimentId })).body.info.runId as string;
    const put = await app.inject({ method: 'PUT', url: `/api/v1/runs/${runId}/artifacts/content?path=reports/summary.txt`, headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from('hello artifacts') });
    expect(put.statusCode).toBe(200);
    // An artifact is bytes whatever its declared content type (this once crashed the JSON parser).
    const typed = await app.inject({ method: 'PUT', url: `/api/v1/runs/${runId}/artifacts/content?path=reports/config.json`, headers: { 'content-type': 'application/json' }, payload: '{"a": 1}' });
    expect(typed.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: `/api/v1/runs/${runId}/artifacts/content?path=reports/config.json` })).body).toBe('{"a": 1}');
    const list = await json('GET', `/api/v1/runs/${runId}/artifacts`);
    expect(list.body.files).toEqual([{ path: 'reports', isDir: true }]);
    const inner = await json('GET', `/api/v1/runs/${runId}/artifacts?path=reports`);
    expect(inner.body.files).toEqual([
      { path: 'reports/config.json', isDir: false, fileSize: 8 },
      { path: 'reports/summary.txt', isDir: false, fileSize: 15 },
    ]);
    const get = await app.inject({ method: 'GET', url: `/api/v1/runs/${runId}/artifacts/content?path=reports/summary.txt` });
    expect(get.body).toBe('hello artifacts');
    expect(get.headers['content-type']).toContain('text/plain');
    for (const bad of ['../../etc/passwd', '/etc/passwd', 'a/../../b', '%2e%2e/x', 'a\\..\\b']) {
      const res = await app.inject({ method: 'PUT', url: `/api/v1/runs/${runId}/artifacts/content?path=${encodeURIComponent(bad)}`, headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from('x') });
      expect(res.statusCode, bad).toBe(400);
    }
    expect((await json('GET', `/api/v1/runs/${runId}/artifacts?path=..`)).status).toBe(400);
  });

  it('serves an OpenAPI document derived from the route schemas', async () => {
    const doc = await json('GET', '/api/v1/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/api/v1/runs/{runId}/metrics/{key}/downsampled');
    const batch = doc.body.paths['/api/v1/runs/{runId}/batch'].post;
    expect(batch.requestBody.content['application/json'].schema.properties).toHaveProperty('metrics');
  });
});
