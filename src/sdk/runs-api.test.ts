import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import { startServer, type RunningServer } from '../server.js';
import { AscentClient, AscentError, type Run } from './index.js';

// A real server on a random port with its own SQLite file and artifact folder (no mocks).
let server: RunningServer;
let client: AscentClient;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-sdk-runs-'));
  server = await startServer(loadConfig({ dataDir, port: 0, logLevel: 'silent' }));
  client = new AscentClient({ baseUrl: server.url });
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'resolved', (err: unknown) => (err instanceof AscentError ? err.code : String(err)));

describe('run lifecycle', () => {
  it('creates, reads, updates, deletes and restores a run', async () => {
    const experimentId = await client.experiments.create('lifecycle');
    const created = await client.runs.create({ experimentId, runName: 'first', tags: { stage: 'dev' }, userId: 'ana' });
    expect(created.info).toMatchObject({ experimentId, runName: 'first', status: 'RUNNING', userId: 'ana', lifecycleStage: 'active', endTime: null });
    expect(created.data.tags).toContainEqual({ key: 'stage', value: 'dev' });

    const runId = created.info.runId;
    const endTime = Date.now();
    const info = await client.runs.update(runId, { status: 'FINISHED', endTime, runName: 'first-final' });
    expect(info).toMatchObject({ status: 'FINISHED', endTime, runName: 'first-final' });
    expect((await client.runs.get(runId)).data.tags).toContainEqual({ key: 'mlflow.runName', value: 'first-final' });

    await client.runs.delete(runId);
    expect((await client.runs.get(runId)).info.lifecycleStage).toBe('deleted');
    expect(await codeOf(client.runs.logParam(runId, 'late', 1))).toBe('INVALID_STATE');
    await client.runs.restore(runId);
    expect((await client.runs.get(runId)).info.lifecycleStage).toBe('active');
  });

  it('maps an unknown run to NOT_FOUND on every route', async () => {
    const missing = 'f'.repeat(32);
    expect(await codeOf(client.runs.get(missing))).toBe('NOT_FOUND');
    expect(await codeOf(client.runs.update(missing, { status: 'FINISHED' }))).toBe('NOT_FOUND');
    expect(await codeOf(client.runs.logMetric(missing, 'loss', 1))).toBe('NOT_FOUND');
    expect(await codeOf(client.runs.metricHistory(missing, 'loss'))).toBe('NOT_FOUND');
    expect(await codeOf(client.runs.downloadArtifact(missing, 'a.txt'))).toBe('NOT_FOUND');
    const err = (await client.runs.get(missing).catch((e: unknown) => e)) as AscentError;
    expect(err.status).toBe(404);
    expect(err.message).toContain(missing);
  });

  it('refuses an invalid status with INVALID_ARGUMENT naming the field', async () => {
    const run = await client.runs.create({});
    expect(run.info.experimentId).toBe('0');
    const err = (await client.runs.update(run.info.runId, { status: 'DONE' as never }).catch((e: unknown) => e)) as AscentError;
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.field).toBe('status');
  });
});

describe('params, tags, metrics', () => {
  it('logs a batch and reads full history, latest values and a downsampled curve', async () => {
    const experimentId = await client.experiments.create('metrics');
    const { info } = await client.runs.create({ experimentId });
    const t0 = 1_700_000_000_000;
    const metrics = Array.from({ length: 500 }, (_, step) => ({ key: 'train/loss', value: 1 / (step + 1), step, timestamp: t0 + step }));
    await client.runs.logBatch(info.runId, { metrics, params: { lr: 0.01, layers: 3, shuffle: true }, tags: { note: 'baseline' } });

    const history = await client.runs.metricHistory(info.runId, 'train/loss');
    expect(history.items).toHaveLength(500);
    expect(history.items[0]).toMatchObject({ key: 'train/loss', value: 1, step: 0, timestamp: t0 });
    expect(history.items[499]).toMatchObject({ step: 499, value: 1 / 500 });

    const paged = await client.runs.metricHistory(info.runId, 'train/loss', { maxResults: 200 });
    expect(paged.items).toHaveLength(200);
    const rest = await client.runs.metricHistory(info.runId, 'train/loss', { maxResults: 1000, pageToken: paged.nextPageToken! });
    expect(rest.items[0]?.step).toBe(200);
    expect(rest.items).toHaveLength(300);

    const down = await client.runs.metricHistoryDownsampled(info.runId, 'train/loss', { maxPoints: 50 });
    expect(down).toMatchObject({ key: 'train/loss', totalPoints: 500, raw: false });
    expect(down.buckets.length).toBeLessThanOrEqual(50);
    expect(down.buckets.length).toBeGreaterThan(10);
    expect(down.buckets.reduce((n, b) => n + b.count, 0)).toBe(500);
    expect(down.buckets[0]).toMatchObject({ startStep: 0, max: 1 });
    expect(down.buckets.at(-1)).toMatchObject({ lastStep: 499, last: 1 / 500 });
    const window = await client.runs.metricHistoryDownsampled(info.runId, 'train/loss', { startStep: 100, endStep: 109 });
    expect(window).toMatchObject({ totalPoints: 10, raw: true });
    expect(window.buckets.map((b) => b.lastStep)).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);

    const run = await client.runs.get(info.runId);
    expect(run.data.params).toEqual(expect.arrayContaining([{ key: 'lr', value: '0.01' }, { key: 'layers', value: '3' }, { key: 'shuffle', value: 'true' }]));
    expect(run.data.metrics).toContainEqual(expect.objectContaining({ key: 'train/loss', value: 1 / 500, step: 499 }));
    expect(await client.runs.metricKeys(info.runId)).toEqual(['train/loss']);
  });

  it('round-trips NaN and ±Infinity as numbers', async () => {
    const { info } = await client.runs.create({});
    await client.runs.logBatch(info.runId, {
      metrics: [
        { key: 'nan', value: Number.NaN, step: 0 },
        { key: 'inf', value: Number.POSITIVE_INFINITY, step: 0 },
        { key: 'inf', value: Number.NEGATIVE_INFINITY, step: 1 },
      ],
    });
    const history = await client.runs.metricHistory(info.runId, 'inf');
    expect(history.items.map((m) => m.value)).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    const run = await client.runs.get(info.runId);
    expect(run.data.metrics.find((m) => m.key === 'nan')?.value).toBeNaN();
    expect(run.data.metrics.find((m) => m.key === 'inf')?.value).toBe(Number.NEGATIVE_INFINITY);
    const down = await client.runs.metricHistoryDownsampled(info.runId, 'inf');
    expect(down.buckets.map((b) => [b.min, b.max, b.last])).toEqual([
      [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
      [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
    ]);
    // Buckets leave NaN out of min/max and report a NaN last point as null (a bucket is never empty).
    const nanBuckets = await client.runs.metricHistoryDownsampled(info.runId, 'nan');
    expect(nanBuckets.buckets).toMatchObject([{ count: 1, min: null, max: null, last: null }]);
  });

  it('splits a batch over the server limits into several requests', async () => {
    const { info } = await client.runs.create({});
    const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, i]));
    const metrics = Array.from({ length: 2_345 }, (_, step) => ({ key: 'acc', value: step / 2345, step }));
    await client.runs.logBatch(info.runId, { params, metrics });
    const run = await client.runs.get(info.runId);
    expect(run.data.params).toHaveLength(250);
    expect((await client.runs.metricHistory(info.runId, 'acc')).items).toHaveLength(2_345);
  });

  it('keeps one point when the same batch is sent twice (what makes retrying a batch safe)', async () => {
    const { info } = await client.runs.create({});
    const batch = { metrics: [{ key: 'loss', value: 0.5, step: 1, timestamp: 1_700_000_000_000 }] };
    await client.runs.logBatch(info.runId, batch);
    await client.runs.logBatch(info.runId, batch);
    expect((await client.runs.metricHistory(info.runId, 'loss')).items).toHaveLength(1);
  });

  it('sets and deletes tags, including keys with slashes', async () => {
    const { info } = await client.runs.create({});
    await client.runs.setTag(info.runId, 'data/version', 'v3');
    expect((await client.runs.get(info.runId)).data.tags).toContainEqual({ key: 'data/version', value: 'v3' });
    await client.runs.deleteTag(info.runId, 'data/version');
    expect((await client.runs.get(info.runId)).data.tags.map((t) => t.key)).not.toContain('data/version');
    expect(await codeOf(client.runs.deleteTag(info.runId, 'data/version'))).toBe('NOT_FOUND');
  });

  it('records dataset inputs', async () => {
    const { info } = await client.runs.create({});
    await client.runs.logInputs(info.runId, [
      { dataset: { name: 'iris', digest: 'abc123', sourceType: 'local', source: '/data/iris.csv' }, tags: { 'mlflow.data.context': 'training' } },
    ]);
    const run = await client.runs.get(info.runId);
    expect(run.inputs.datasetInputs).toHaveLength(1);
    expect(run.inputs.datasetInputs[0]).toMatchObject({ dataset: { name: 'iris', digest: 'abc123' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] });
  });
});

describe('search', () => {
  it('filters, orders and pages with searchAll', async () => {
    const experimentId = await client.experiments.create('search');
    for (let i = 0; i < 12; i++) {
      const { info } = await client.runs.create({ experimentId, runName: `r${i}` });
      await client.runs.logBatch(info.runId, { metrics: [{ key: 'rmse', value: i / 10 }], params: { alpha: i % 2 === 0 ? 'even' : 'odd' } });
    }
    const page = await client.runs.search({ experimentIds: [experimentId], maxResults: 5, orderBy: ['metrics.rmse DESC'] });
    expect(page.items.map((r) => r.info.runName)).toEqual(['r11', 'r10', 'r9', 'r8', 'r7']);
    expect(page.nextPageToken).toBeTruthy();

    const found: Run[] = [];
    for await (const run of client.runs.searchAll({
      experimentIds: [experimentId],
      filter: "metrics.rmse < 0.95 AND params.alpha = 'even'",
      orderBy: ['metrics.rmse ASC'],
      maxResults: 2,
    })) {
      found.push(run);
    }
    expect(found.map((r) => r.info.runName)).toEqual(['r0', 'r2', 'r4', 'r6', 'r8']);
    expect(await codeOf(client.runs.search({ experimentIds: [experimentId], filter: 'metrics.rmse <<< 1' }))).toBe('INVALID_ARGUMENT');
  });
});

describe('artifacts', () => {
  it('uploads, lists and downloads bytes unchanged', async () => {
    const { info } = await client.runs.create({});
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
    await client.runs.uploadArtifact(info.runId, 'model/weights.bin', bytes);
    await client.runs.uploadArtifact(info.runId, 'model/config.json', '{"layers": 3}');
    await client.runs.uploadArtifact(info.runId, 'README.md', '# run notes\n');

    const root = await client.runs.listArtifacts(info.runId);
    expect(root.rootUri).toBe(info.artifactUri);
    expect(root.files).toEqual([
      { path: 'README.md', isDir: false, fileSize: 12 },
      { path: 'model', isDir: true },
    ]);
    const model = await client.runs.listArtifacts(info.runId, 'model');
    expect(model.files.map((f) => [f.path, f.fileSize])).toEqual([
      ['model/config.json', 13],
      ['model/weights.bin', 70_000],
    ]);

    expect(Buffer.from(await client.runs.downloadArtifact(info.runId, 'model/weights.bin')).equals(Buffer.from(bytes))).toBe(true);
    expect(new TextDecoder().decode(await client.runs.downloadArtifact(info.runId, 'model/config.json'))).toBe('{"layers": 3}');
    expect(await codeOf(client.runs.downloadArtifact(info.runId, 'model/missing.bin'))).toBe('NOT_FOUND');
    expect(await codeOf(client.runs.uploadArtifact(info.runId, '../escape.txt', 'x'))).toBe('INVALID_ARGUMENT');
  });
});
