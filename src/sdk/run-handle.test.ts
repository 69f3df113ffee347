import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import { startServer, type RunningServer } from '../server.js';
import { AscentClient, AscentError } from './index.js';

// A real server on a random port with its own SQLite file and artifact folder (no mocks).
let server: RunningServer;
let client: AscentClient;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-sdk-handle-'));
  server = await startServer(loadConfig({ dataDir, port: 0, logLevel: 'silent' }));
  client = new AscentClient({ baseUrl: server.url });
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('RunHandle', () => {
  it('buffers 2,500 points into batches and has all of them after end()', async () => {
    const run = await client.startRun({ experimentName: 'handle-buffering', runName: 'long', tags: { kind: 'test' }, flushIntervalMs: 0 });
    await run.logParams({ lr: 0.001, epochs: 5 });
    for (let step = 0; step < 2_500; step++) {
      await run.logMetric('loss', Math.exp(-step / 500), step);
      // The buffer never holds more than one batch: a full buffer is sent before logMetric resolves.
      expect(run.pendingPoints).toBeLessThan(1000);
    }
    expect(run.pendingPoints).toBe(500);
    const info = await run.end();
    expect(info.status).toBe('FINISHED');
    expect(info.endTime).toBeGreaterThanOrEqual(info.startTime);

    const history = await client.runs.metricHistory(run.runId, 'loss');
    expect(history.items).toHaveLength(2_500);
    expect(history.items.map((m) => m.step)).toEqual(Array.from({ length: 2_500 }, (_, i) => i));
    const stored = await client.runs.get(run.runId);
    expect(stored.info.runName).toBe('long');
    expect(stored.data.params).toEqual(expect.arrayContaining([{ key: 'lr', value: '0.001' }, { key: 'epochs', value: '5' }]));
    expect(stored.data.tags).toContainEqual({ key: 'kind', value: 'test' });
    // Like mlflow's fluent API, the run records who ran what.
    expect(stored.info.userId).toBe(process.env.USER || process.env.USERNAME || process.env.LOGNAME || 'unknown');
    expect(stored.data.tags).toContainEqual({ key: 'mlflow.source.type', value: 'LOCAL' });
    expect(stored.data.tags).toContainEqual({ key: 'mlflow.source.name', value: process.argv[1] });
    expect((await client.experiments.get(run.experimentId)).name).toBe('handle-buffering');
  });

  it('sends buffered points on its interval without an explicit flush', async () => {
    const run = await client.startRun({ flushIntervalMs: 50 });
    await run.logMetrics({ acc: 0.5, f1: 0.25 }, 1);
    expect(run.pendingPoints).toBe(2);
    await expect.poll(async () => (await client.runs.metricKeys(run.runId)).sort(), { timeout: 5_000 }).toEqual(['acc', 'f1']);
    await run.end('KILLED');
    expect((await client.runs.get(run.runId)).info.status).toBe('KILLED');
  });

  it('links a child run to its parent and records inputs, tags and artifacts', async () => {
    const parent = await client.startRun({ experimentName: 'handle-nested', runName: 'sweep' });
    const child = await client.startRun({ experimentName: 'handle-nested', runName: 'trial-1', parentRunId: parent.runId });
    expect(child.run.info.parentRunId).toBe(parent.runId);
    await child.setTags({ 'mlflow.note.content': 'first trial' });
    await child.logInput({ name: 'iris', digest: 'd1', sourceType: 'local', source: 'iris.csv' }, { context: 'training' });

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-sdk-art-'));
    try {
      fs.writeFileSync(path.join(dir, 'model.txt'), 'weights');
      fs.mkdirSync(path.join(dir, 'plots'));
      fs.writeFileSync(path.join(dir, 'plots', 'loss.csv'), 'step,loss\n0,1\n');
      await child.logArtifact(path.join(dir, 'model.txt'), 'model');
      await child.logArtifact(path.join(dir, 'model.txt'));
      await child.logArtifacts(path.join(dir, 'plots'), 'figures');
      await child.logText('# report', 'report.md');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await child.end();
    await parent.end();

    const stored = await client.runs.get(child.runId);
    expect(stored.data.tags).toContainEqual({ key: 'mlflow.note.content', value: 'first trial' });
    expect(stored.inputs.datasetInputs[0]?.tags).toContainEqual({ key: 'mlflow.data.context', value: 'training' });
    expect(new TextDecoder().decode(await client.runs.downloadArtifact(child.runId, 'model/model.txt'))).toBe('weights');
    expect(new TextDecoder().decode(await client.runs.downloadArtifact(child.runId, 'model.txt'))).toBe('weights');
    expect(new TextDecoder().decode(await client.runs.downloadArtifact(child.runId, 'figures/loss.csv'))).toBe('step,loss\n0,1\n');
    expect((await client.runs.listArtifacts(child.runId)).files.map((f) => f.path)).toEqual(['figures', 'model', 'model.txt', 'report.md']);
    const children = await client.runs.search({ experimentIds: [parent.experimentId], filter: `tags.mlflow.parentRunId = '${parent.runId}'` });
    expect(children.items.map((r) => r.info.runId)).toEqual([child.runId]);
  });

  it('refuses a bad metric key at the call, not in a later batch', async () => {
    const run = await client.startRun({ flushIntervalMs: 0 });
    await run.logMetric('ok', 1);
    const err = await run.logMetric('../escape', 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AscentError);
    expect((err as AscentError).code).toBe('INVALID_ARGUMENT');
    await run.end();
    expect((await client.runs.metricHistory(run.runId, 'ok')).items).toHaveLength(1);
  });

  it('reports a send the server refused from end(), and logging after end() throws', async () => {
    const run = await client.startRun({ flushIntervalMs: 0 });
    await run.logMetric('loss', 1);
    // Someone deletes the run while it trains: the server refuses further writes.
    await client.runs.delete(run.runId);
    const err = (await run.end().catch((e: unknown) => e)) as AscentError;
    expect(err.code).toBe('INVALID_STATE');
    await expect(run.logMetric('loss', 2)).rejects.toThrow(/has ended/);
  });

  it('closes the run as FAILED when its metrics could not be delivered', async () => {
    // A fetch that loses every metric batch in front of the real server.
    const lossy = new AscentClient({
      baseUrl: server.url,
      fetch: (url, init) =>
        url.endsWith('/batch')
          ? Promise.resolve(new Response(JSON.stringify({ error: { code: 'INVALID_ARGUMENT', message: 'injected' } }), { status: 400 }))
          : fetch(url, init),
    });
    const run = await lossy.startRun({ flushIntervalMs: 0 });
    await run.logMetric('loss', 1);
    const err = (await run.end().catch((e: unknown) => e)) as AscentError;
    expect(err.message).toBe('injected');
    expect((await client.runs.get(run.runId)).info.status).toBe('FAILED');
  });

  it('withRun ends FINISHED on success and FAILED when training throws', async () => {
    let okId = '';
    const value = await client.withRun({ experimentName: 'handle-with' }, async (run) => {
      okId = run.runId;
      await run.logMetric('m', 1);
      return 42;
    });
    expect(value).toBe(42);
    expect((await client.runs.get(okId)).info.status).toBe('FINISHED');
    expect((await client.runs.metricHistory(okId, 'm')).items).toHaveLength(1);

    let failedId = '';
    await expect(
      client.withRun({ experimentName: 'handle-with' }, async (run) => {
        failedId = run.runId;
        throw new Error('diverged');
      }),
    ).rejects.toThrow('diverged');
    expect((await client.runs.get(failedId)).info.status).toBe('FAILED');
  });

  it('resumes a finished run', async () => {
    const run = await client.startRun({});
    await run.end();
    const again = await client.resumeRun(run.runId);
    expect((await client.runs.get(run.runId)).info.status).toBe('RUNNING');
    await again.logMetric('extra', 3);
    await again.end();
    expect((await client.runs.metricKeys(run.runId))).toEqual(['extra']);
  });
});
