import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createServices } from '../../server.js';
import { buildApp } from '../app.js';
import type { AppServices } from '../app-services.js';
import { IRIS } from '../../../test/fixtures/serving/iris-packages.js';
import { registerIrisOnnx } from '../../../test/e2e/serving-registry.js';

// Real server composition (SQLite, artifact store, registry, ModelLoader, onnxruntime-node) via inject.
describe('inference protocols (OIP V2, MLflow /invocations, native predict, /metrics)', () => {
  let dir: string;
  let app: FastifyInstance;
  let services: AppServices;
  let close: () => Promise<void>;
  const rows = IRIS.rows.slice(0, 3).concat(IRIS.rows.slice(50, 53), IRIS.rows.slice(100, 103));
  const labels = IRIS.labels.slice(0, 3).concat(IRIS.labels.slice(50, 53), IRIS.labels.slice(100, 103));
  const records = rows.map((r) => Object.fromEntries(IRIS.features.map((f, j) => [f, r[j]])));

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-inference-'));
    const made = await createServices(loadConfig({ dataDir: dir, logLevel: 'silent' }));
    services = made.services;
    close = made.close;
    app = await buildApp({ services, logger: false, serveUi: false });
    await registerIrisOnnx(services, 'iris', 2);
    const res = await app.inject({ method: 'POST', url: '/api/v1/deployments', headers: { 'x-ascent-user': 'ada' }, payload: { name: 'iris', variants: [{ name: 'main', model: 'iris/1' }] } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ name: 'iris', revision: 1, status: { state: 'ready', servingRevision: 1 } });
    // The status says where each variant's predictions run (an onnx model starts on the event loop).
    expect(res.json().status.variants[0].execution).toMatchObject({ where: 'event-loop' });
  });
  afterAll(async () => {
    await app?.close();
    await close?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url, payload: payload as object, headers });

  describe('Open Inference Protocol V2', () => {
    it('health, server and model metadata, readiness', async () => {
      expect((await app.inject('/v2/health/live')).json()).toEqual({ live: true });
      expect((await app.inject('/v2/health/ready')).json()).toEqual({ ready: true });
      expect((await app.inject('/v2')).json()).toMatchObject({ name: 'ascent', extensions: ['binary_tensor_data'] });
      const meta = (await app.inject('/v2/models/iris')).json();
      expect(meta).toMatchObject({ name: 'iris', versions: ['1'], platform: 'onnxruntime_onnx', inputs: [{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }] });
      expect(meta.outputs.map((o: { name: string }) => o.name)).toEqual(['label', 'probabilities']);
      expect((await app.inject('/v2/models/iris/versions/1')).statusCode).toBe(200);
      expect((await app.inject('/v2/models/iris/ready')).statusCode).toBe(200);
      expect((await app.inject('/v2/models/iris/versions/9/ready')).statusCode).toBe(404);
      expect((await app.inject('/v2/models/nope')).json()).toEqual({ error: "Deployment 'nope' not found" });
    });

    it('infers with nested or flat data, echoes the id and returns it as x-request-id', async () => {
      const res = await post('/v2/models/iris/infer', { id: 'req-oip-1', inputs: [{ name: 'float_input', shape: [rows.length, 4], datatype: 'FP32', data: rows }], outputs: [{ name: 'label' }] });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['x-request-id']).toBe('req-oip-1');
      expect(res.json()).toEqual({ model_name: 'iris', model_version: '1', id: 'req-oip-1', outputs: [{ name: 'label', datatype: 'INT64', shape: [rows.length], data: labels }] });
      const flat = await post('/v2/models/iris/versions/1/infer', { inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: rows[0] }] });
      expect(flat.json().id).toBe(flat.headers['x-request-id']);
      expect(flat.json().outputs).toHaveLength(2);
    });

    it('speaks the binary tensor extension tritonclient uses by default', async () => {
      const x = Buffer.from(new Float32Array(rows.flat()).buffer);
      const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'float_input', shape: [rows.length, 4], datatype: 'FP32', parameters: { binary_data_size: x.length } }], parameters: { binary_data_output: true } }));
      const res = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: Buffer.concat([header, x]), headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) } });
      expect(res.statusCode, res.body).toBe(200);
      const len = Number(res.headers['inference-header-content-length']);
      const json = JSON.parse(res.rawPayload.subarray(0, len).toString());
      expect(json.outputs[0]).toMatchObject({ name: 'label', datatype: 'INT64', shape: [rows.length], parameters: { binary_data_size: rows.length * 8 } });
      const got = new BigInt64Array(Uint8Array.prototype.slice.call(res.rawPayload, len, len + rows.length * 8).buffer);
      expect(Array.from(got, Number)).toEqual(labels);
    });

    it('bad input gets a 4xx with {"error"} naming the problem', async () => {
      const bad = async (payload: unknown, url = '/v2/models/iris/infer') => {
        const res = await post(url, payload);
        return [res.statusCode, res.json().error as string] as const;
      };
      const [s1, m1] = await bad({ inputs: [{ name: 'float_input', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] });
      expect(s1).toBe(400);
      expect(m1).toMatch(/float_input/);
      const [s2, m2] = await bad({ inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 'x', 4] }] });
      expect([s2, m2]).toEqual([400, "Input 'float_input' (FP32) element 2 must be a number, got string"]);
      const [s3, m3] = await bad({ inputs: [{ name: 'float_input', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] });
      expect([s3, m3]).toEqual([400, "Input 'float_input' has 4 values but shape [2, 4] needs 8"]);
      expect((await bad({ inputs: [{ name: 'wrong', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }))[0]).toBe(400);
      // Numbers in another numeric datatype are converted (as KServe's servers do); text is not.
      expect((await bad({ inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'BYTES', data: ['a', 'b', 'c', 'd'] }] }))[0]).toBe(400);
      expect(await bad({ inputs: [] })).toEqual([400, "Invalid inference request field 'inputs': Too small: expected array to have >=1 items"]);
      expect((await bad({ inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }, '/v2/models/nope/infer'))[0]).toBe(404);
      const huge = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: Buffer.alloc(9 * 1024 * 1024, 32), headers: { 'content-type': 'application/json' } });
      expect(huge.statusCode).toBe(413);
      expect(huge.json().error).toMatch(/larger than/);
    });
  });

  describe('MLflow scoring protocol', () => {
    const expectLabels = (res: { statusCode: number; body: string; json: () => { predictions: { label: number }[] } }) => {
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().predictions.map((p) => p.label)).toEqual(labels);
    };
    it('accepts every format at /invocations (the only deployment is the default)', async () => {
      expectLabels(await post('/invocations', { dataframe_split: { columns: IRIS.features, data: rows } }));
      expectLabels(await post('/invocations', { dataframe_records: records }));
      expectLabels(await post('/invocations', { instances: rows }));
      expectLabels(await post('/invocations', { inputs: { float_input: rows }, params: {} }));
      expectLabels(await post('/invocations', { instances: records }));
      const csv = [IRIS.features.join(','), ...rows.map((r) => r.join(','))].join('\n');
      expectLabels(await app.inject({ method: 'POST', url: '/invocations', payload: csv, headers: { 'content-type': 'text/csv' } }));
      expectLabels(await post('/deployments/iris/invocations', { dataframe_records: records }));
      expect((await app.inject('/ping')).statusCode).toBe(200);
      expect((await app.inject('/health')).body).toBe('OK');
      expect((await app.inject('/version')).statusCode).toBe(200);
    });
    it('answers MLflow-style errors: 415, BAD_REQUEST naming the feature, unknown deployment', async () => {
      const text = await app.inject({ method: 'POST', url: '/invocations', payload: 'hello', headers: { 'content-type': 'text/plain' } });
      expect(text.statusCode).toBe(415);
      expect(text.json().error_code).toBe('BAD_REQUEST');
      const missing = await post('/invocations', { dataframe_records: [{ sepal_length: 1, sepal_width: 2, petal_length: 3 }] });
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toEqual({ error_code: 'BAD_REQUEST', message: "inputs: missing required column 'petal_width' (double)" });
      const typed = await post('/invocations', { dataframe_records: [{ ...records[0], petal_width: 'wide' }] });
      expect(typed.statusCode).toBe(400);
      expect(typed.json().message).toMatch(/petal_width.*double/);
      expect((await post('/invocations', { dataframe_records: records, instances: rows })).json().message).toMatch(/exactly one of/);
      expect((await post('/invocations', { rows })).statusCode).toBe(400);
      const malformed = await app.inject({ method: 'POST', url: '/invocations', payload: '{"inputs": [', headers: { 'content-type': 'application/json' } });
      expect(malformed.statusCode).toBe(400);
      const unknown = await post('/deployments/nope/invocations', { dataframe_records: records });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    });
  });

  describe('native predict, feedback and the inference log', () => {
    it('predicts on plain records, logs every prediction and joins feedback on the request id', async () => {
      const res = await post('/api/v1/deployments/iris/predict', records, { 'x-request-id': 'native-1' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ requestId: 'native-1', deployment: 'iris', variant: 'main', model: 'iris', version: '1' });
      expect(res.json().predictions.map((p: { label: number }) => p.label)).toEqual(labels);
      const bad = await post('/api/v1/deployments/iris/predict', { records: [{ sepal_length: 1 }] });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'inputs.sepal_width' });
      expect((await post('/api/v1/deployments/nope/predict', records)).json().error.code).toBe('NOT_FOUND');

      const fb = await post('/api/v1/deployments/iris/feedback', { requestId: 'native-1', labels });
      expect(fb.json()).toEqual({ recorded: 1 });
      expect((await post('/api/v1/deployments/iris/feedback', { feedback: [{ requestId: 'x', reward: 1 }, { requestId: 'y', reward: 0 }] })).json()).toEqual({ recorded: 2 });
      expect((await post('/api/v1/deployments/iris/feedback', { requestId: 'x' })).json().error.field).toBe('labels');
      await services.serving.log.flush();
      const log = (await app.inject('/api/v1/inference-log?requestIds=native-1')).json();
      expect(log.predictions).toHaveLength(1);
      expect(log.predictions[0]).toMatchObject({ requestId: 'native-1', variant: 'main', modelVersion: '1', shadow: false, inputs: records });
      expect(log.predictions[0].outputs.map((o: { label: number }) => o.label)).toEqual(labels);
      expect(log.feedback).toEqual([expect.objectContaining({ requestId: 'native-1', labels })]);
      const recent = (await app.inject('/api/v1/deployments/iris/predictions?limit=5')).json();
      expect(recent.predictions.length).toBeGreaterThan(1);
      const stats = (await app.inject('/api/v1/deployments/iris/stats?seconds=60')).json();
      expect(stats.variants.main.reduce((s: number, p: { requests: number }) => s + p.requests, 0)).toBeGreaterThan(5);
    });
  });

  describe('Prometheus /metrics', () => {
    it('exposes per-variant counters, latency histograms, queue and log gauges that promtool accepts', async () => {
      const res = await app.inject('/metrics');
      expect(res.statusCode).toBe(200);
      const text = res.body;
      expect(text).toMatch(/ascent_inference_requests_total\{deployment="iris",variant="main",model="iris",version="1",shadow="false"\} \d+/);
      expect(text).toMatch(/ascent_inference_errors_total\{[^}]*code="INVALID_ARGUMENT"\} \d+/);
      expect(text).toContain('ascent_inference_request_duration_seconds_bucket{le="0.005",deployment="iris"');
      expect(text).toContain('ascent_model_ready{deployment="iris",variant="main",model="iris",version="1"} 1');
      // The histogram is read from the per-variant meters: its count, +Inf bucket and the request counter agree.
      const labels = 'deployment="iris",variant="main",model="iris",version="1",shadow="false"';
      const value = (line: string) => Number(text.split('\n').find((l) => l.startsWith(line))?.split(' ').at(-1));
      const requests = value(`ascent_inference_requests_total{${labels}}`);
      expect(requests).toBeGreaterThan(5);
      expect(value(`ascent_inference_request_duration_seconds_count{${labels}}`)).toBe(requests);
      expect(value(`ascent_inference_request_duration_seconds_bucket{le="+Inf",${labels}}`)).toBe(requests);
      expect(value(`ascent_inference_request_duration_seconds_bucket{le="10",${labels}}`)).toBe(requests);
      expect(value(`ascent_inference_request_duration_seconds_sum{${labels}}`)).toBeGreaterThan(0);
      expect(text).toMatch(/ascent_inference_log_dropped_total \d+/);
      expect(text).toMatch(/ascent_inference_queue_depth\{deployment="iris",variant="main"\} 0/);
      // Every valid request reached the model through a call; a batch serves several with one.
      const calls = value('ascent_model_calls_total{deployment="iris",variant="main"}');
      const served = value('ascent_model_call_requests_total{deployment="iris",variant="main"}');
      expect(calls).toBeGreaterThan(0);
      expect(served).toBeGreaterThanOrEqual(calls);
      const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => fs.existsSync(p));
      if (!promtool && !process.env.CI) return; // CI installs Debian's prometheus package (see .ci/run).
      const out = execFileSync(promtool ?? 'promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(out).toBe('');
    });
  });
});
