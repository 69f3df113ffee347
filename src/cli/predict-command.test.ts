import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import { writeModelPackage } from '../registry/packages/model-package.js';
import { startServer, type RunningServer } from '../server.js';
import { requireProxiedArtifactPath } from '../tracking/artifact-uri.js';
import { FIXTURES_DIR, IRIS } from '../../test/fixtures/serving/iris-packages.js';

// The real `ascent predict` in a child process against a real in-process server holding the skl2onnx iris model.
let server: RunningServer;
let dataDir: string;
const root = path.resolve(import.meta.dirname, '../..');
const CLI_TIMEOUT = 180_000;

function ascent(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, env: { ...process.env, ASCENT_URL: server.url, NO_COLOR: '1' }, timeout: CLI_TIMEOUT }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-predict-cli-'));
  server = await startServer(loadConfig({ dataDir: path.join(dataDir, 'server'), port: 0, logLevel: 'silent' }));
  const { tracking, artifacts, registry, releases } = server.services;
  const exp = await tracking.createExperiment({ name: 'batch' });
  const runId = (await tracking.createRun({ experimentId: exp })).info.runId;
  const runRoot = requireProxiedArtifactPath((await tracking.getRunInfo(runId)).artifactUri);
  await writeModelPackage(artifacts, `${runRoot}/model`, {
    flavors: { onnx: { data: 'model.onnx' } },
    files: [{ path: 'model.onnx', body: fs.readFileSync(path.join(FIXTURES_DIR, 'iris-logreg.onnx')) }],
    signature: { inputs: IRIS.features.map((name) => ({ type: 'double', name, required: true })), outputs: null, params: null },
  });
  await registry.createModel({ name: 'iris' }, { user: 'test' });
  await registry.createVersion({ name: 'iris', source: `runs:/${runId}/model` }, { user: 'test' });
  await releases.setAlias('iris', 'champion', '1', { user: 'test' });
  fs.writeFileSync(path.join(dataDir, 'iris.csv'), `${IRIS.features.join(',')}\n${IRIS.rows.map((r) => r.join(',')).join('\n')}\n`);
}, CLI_TIMEOUT);
afterAll(async () => {
  await server.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('ascent predict', () => {
  it('scores a CSV file with name@alias into JSON lines, with progress on stderr and a summary on stdout', async () => {
    const out = path.join(dataDir, 'scored.jsonl');
    const res = await ascent(['predict', '--model', 'iris@champion', '--input', path.join(dataDir, 'iris.csv'), '--output', out, '--batch-size', '25']);
    expect(res.stderr).toMatch(/\[#+\]\s+100%\s+150 rows/);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Scored 150 rows with iris version 1 \(onnx\)/);
    const rows = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { label: number });
    expect(rows.filter((r, i) => r.label === IRIS.labels[i]).length / 150).toBeGreaterThan(0.9);
  }, CLI_TIMEOUT);

  it('--json summary, CSV output; an unknown model exits 2 with the coded error and writes nothing', async () => {
    const out = path.join(dataDir, 'scored.csv');
    const res = await ascent(['predict', '--model', 'iris/1', '--input', path.join(dataDir, 'iris.csv'), '--output', out, '--json', '--no-progress']);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ model: 'iris', version: '1', runtime: 'onnx', rows: 150, columns: ['label', 'probabilities'] });
    expect(fs.readFileSync(out, 'utf8').split('\n')[0]).toBe('label,probabilities');
    expect(res.stderr).toBe('');
    const missing = await ascent(['predict', '--model', 'nope@champion', '--input', path.join(dataDir, 'iris.csv'), '--output', path.join(dataDir, 'never.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/error \[NOT_FOUND\]/);
    expect(fs.existsSync(path.join(dataDir, 'never.jsonl'))).toBe(false);
  }, CLI_TIMEOUT);
});
