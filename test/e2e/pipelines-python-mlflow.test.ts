import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { AscentClient } from '../../src/sdk/index.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const venv = process.env.ASCENT_PYTHON_VENV || path.join(REPO_ROOT, '.venv');
const python = path.join(venv, 'bin', 'python');

// A real server, the real mlflow client in a Python step, the native API through the SDK.
describe('pipelines end to end: a Python step logs through mlflow into its step run', () => {
  let server: RunningServer;
  let client: AscentClient;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-pipelines-e2e-'));
  beforeAll(async () => {
    if (!fs.existsSync(python)) throw new Error(`No Python virtualenv at ${venv}: python3 -m venv .venv && .venv/bin/pip install -r test/compat/requirements.txt`);
    server = await startServer(loadConfig({ dataDir: path.join(dir, 'data'), port: 0, logLevel: 'silent' }));
    client = new AscentClient({ baseUrl: server.url, user: 'e2e' });
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('logs metrics with plain mlflow calls, gates and registers the model with lineage', async () => {
    const project = path.join(dir, 'project');
    fs.mkdirSync(project, { recursive: true });
    fs.writeFileSync(path.join(project, 'train.py'), [
      'import os, mlflow',
      'run_id = os.environ["ASCENT_TRACKING_RUN_ID"]',
      'rows = open(os.environ["ASCENT_INPUT_DATA"]).read().split()',
      'mlflow.log_param("rows", len(rows))',
      'mlflow.log_metric("accuracy", 0.97)',
      'print("trained on", len(rows), "rows in run", run_id)',
      'open(os.environ["ASCENT_OUTPUT_MODEL"], "w").write("weights")',
    ].join('\n'));
    fs.writeFileSync(path.join(project, 'data.txt'), 'a\nb\nc\n');
    const yaml = `name: py-train
datasets:
  data: data.txt
steps:
  train:
    run: [${JSON.stringify(python)}, train.py]
    inputs: { data: datasets.data }
    outputs: { model: model.bin }
  register:
    register: { model: steps.train.outputs.model, name: py-model, when: "accuracy >= 0.9" }
`;
    await client.pipelines.register({ yaml, baseDir: project, file: 'pipeline.yaml' });
    const started = await client.pipelines.run('py-train');
    expect(started.trigger.kind).toBe('api');
    const detail = await client.pipelines.wait(started.runId, { intervalMs: 200, timeoutMs: 120_000 });
    expect(detail.run.status).toBe('succeeded');
    const train = detail.steps.find((s) => s.stepName === 'train')!;
    const stepRun = await client.runs.get(train.trackingRunId!);
    expect(stepRun.data.metrics.find((m) => m.key === 'accuracy')?.value).toBe(0.97);
    expect(stepRun.data.params).toContainEqual({ key: 'rows', value: '3' });
    expect(stepRun.info.status).toBe('FINISHED');
    const logs = await client.pipelines.logs(started.runId, 'train');
    expect(logs.lines.map((l) => l.line)).toContain(`trained on 3 rows in run ${train.trackingRunId}`);
    expect(detail.dag).toContainEqual({ step: 'register', upstream: ['train'] });

    const version = await client.models.getVersion('py-model', 1);
    expect(version.runId).toBe(train.trackingRunId);
    const lineage = await client.models.lineage('py-model', 1);
    expect(JSON.stringify(lineage)).toContain(train.trackingRunId);

    // Validation errors reach the client with the field and line.
    const bad = await client.pipelines.register({ yaml: yaml.replace('steps.train.outputs.model', 'steps.trian.outputs.model'), baseDir: project, file: 'pipeline.yaml' }).then(() => null, (e: { code: string; message: string }) => e);
    expect(bad?.code).toBe('INVALID_ARGUMENT');
    expect(bad?.message).toContain("pipeline.yaml:10: steps.register.register.model: unknown step 'trian'");
  });
});
