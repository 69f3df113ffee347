import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { AscentClient } from '../../src/sdk/index.js';
import { readPipelineSource } from '../../src/cli/pipelines-source.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const python = path.join(process.env.ASCENT_PYTHON_VENV || path.join(REPO_ROOT, '.venv'), 'bin', 'python');

// The two example pipelines on real data, through a real server: each ends in a registered version.
describe('example pipelines', () => {
  let server: RunningServer;
  let client: AscentClient;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-pipeline-examples-'));
  beforeAll(async () => {
    server = await startServer(loadConfig({ dataDir: dir, port: 0, logLevel: 'silent' }));
    client = new AscentClient({ baseUrl: server.url, user: 'e2e' });
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('cars (TypeScript steps on vega-datasets) registers cars-mpg with lineage, then re-runs from cache', async () => {
    await client.pipelines.register(await readPipelineSource(path.join(REPO_ROOT, 'examples/typescript/pipeline-cars/pipeline.yaml')));
    const first = await client.pipelines.wait((await client.pipelines.run('cars-mpg')).runId, { intervalMs: 200 });
    expect(first.run.status).toBe('succeeded');
    expect(first.steps.map((s) => s.stepName)).toEqual(['prepare', 'train[0]', 'train[1]', 'train[2]', 'train[3]', 'select', 'register']);
    const select = first.steps.find((s) => s.stepName === 'select')!;
    const version = await client.models.getVersion('cars-mpg', 1);
    expect(version.runId).toBe(select.trackingRunId);
    // The selected model is a `js` flavor package: the registry read its signature.
    expect(version.signature).toContain('Weight_in_lbs');
    expect((await client.runs.get(select.trackingRunId!)).data.metrics.find((m) => m.key === 'r2')!.value).toBeGreaterThan(0.75);
    // Lineage reaches the pipeline run, whose dataset input is the vega-datasets file by digest.
    const parent = await client.runs.get(first.run.trackingRunId!);
    expect(parent.inputs.datasetInputs[0]!.dataset).toMatchObject({ name: 'cars', sourceType: 'local' });
    const lineage = JSON.stringify(await client.models.lineage('cars-mpg', 1));
    expect(lineage).toContain(parent.inputs.datasetInputs[0]!.dataset.digest);

    const second = await client.pipelines.wait((await client.pipelines.run('cars-mpg')).runId, { intervalMs: 200 });
    expect(second.steps.filter((s) => s.cacheStatus === 'hit').map((s) => s.stepName)).toEqual(['prepare', 'train[0]', 'train[1]', 'train[2]', 'train[3]', 'select']);
    expect((await client.models.getVersion('cars-mpg', 2)).runId).toBe(select.trackingRunId);
  });

  it('iris (Python steps, scikit-learn, ONNX via skl2onnx) registers iris-onnx gated on accuracy', async () => {
    await client.pipelines.register(await readPipelineSource(path.join(REPO_ROOT, 'examples/python/pipeline-iris/pipeline.yaml')));
    const d = await client.pipelines.wait((await client.pipelines.run('iris-onnx', { params: { python } })).runId, { intervalMs: 300, timeoutMs: 300_000 });
    if (d.run.status !== 'succeeded') {
      for (const s of d.steps) console.log(s.stepName, s.status, (await client.pipelines.logs(d.run.runId, s.stepName)).lines.map((l) => l.line).join('\n'));
    }
    expect(d.run.status).toBe('succeeded');
    const train0 = d.steps.find((s) => s.stepName === 'train[0]')!;
    expect((await client.runs.get(train0.trackingRunId!)).data.params).toContainEqual({ key: 'C', value: '0.01' });
    const version = await client.models.getVersion('iris-onnx', 1);
    expect(version.source).toMatch(/^mlflow-artifacts:\/.+\/outputs\/model$/);
    const select = d.steps.find((s) => s.stepName === 'select')!;
    expect(select.outputs[0]!.digest).toMatch(/^sha256:/);
    expect(version.runId).toBe(select.trackingRunId);
    // The selected model is an MLflow ONNX package: the registry reads its signature.
    expect(select.outputs[0]!.isDir).toBe(true);
    expect(version.signature).toContain('tensor');
  }, 300_000);
});
