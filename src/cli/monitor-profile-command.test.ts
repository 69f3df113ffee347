import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import { AscentClient } from '../sdk/index.js';
import { startServer, type RunningServer } from '../server.js';

// The real `ascent monitor profile …` in child processes against a real in-process server.
let server: RunningServer;
let dataDir: string;
const root = path.resolve(import.meta.dirname, '../..');
const manifest = [
  'flavors:',
  '  python_function:',
  '    loader_module: churn_scorer',
  'signature:',
  `  inputs: '[{"type": "double", "name": "tenure"}, {"type": "string", "name": "plan"}]'`,
  `  outputs: '[{"type": "long", "name": "churned"}]'`,
  '',
].join('\n');

function ascent(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, env: { ...process.env, ASCENT_URL: server.url, NO_COLOR: '1' }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-cli-profile-'));
  server = await startServer(loadConfig({ dataDir, port: 0, logLevel: 'silent' }));
  const ada = new AscentClient({ baseUrl: server.url, user: 'ada' });
  const run = await ada.runs.create({ runName: 'train-churn' });
  await ada.runs.uploadArtifact(run.info.runId, 'model/MLmodel', manifest);
  await ada.models.create('churn');
  await ada.models.createVersion('churn', { source: `${run.info.artifactUri}/model`, runId: run.info.runId });
  const lines = ['id,tenure,plan,churned'];
  for (let i = 0; i < 400; i++) lines.push(`${i},${(i * 7) % 60},${['basic', 'plus', 'pro'][i % 3]},${i % 4 === 0 ? 1 : 0}`);
  fs.writeFileSync(path.join(dataDir, 'ref.csv'), `${lines.join('\n')}\n`);
  // The registration found no training dataset on the run: the status says so.
  const deadline = Date.now() + 30_000;
  while (!(await ada.monitoring.profileStatus('churn', '1')).registration?.status && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('ascent monitor profile', () => {
  it('uploads a profile computed from a CSV file and shows it with the registration outcome', async () => {
    const help = await ascent(['monitor', '--help']);
    expect(help.stdout).toMatch(/profile/);

    const before = await ascent(['monitor', 'profile', 'show', 'churn', '1']);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toContain('no reference profile for churn version 1');
    expect(before.stdout).toContain('at registration: skipped (no training dataset: the run logged no dataset input)');

    const up = await ascent(['monitor', 'profile', 'upload', 'churn', '1', '--file', path.join(dataDir, 'ref.csv')]);
    expect(up.code, up.stderr).toBe(0);
    // The signature picks the features (id is not an input) and the prediction column.
    expect(up.stdout).toMatch(/stored profile prof\S* for churn version 1: 400 rows, 2 features, prediction \(churned\) categorical/);

    const shown = await ascent(['monitor', 'profile', 'show', 'churn', '1']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/profile prof\S* \(upload, /);
    expect(shown.stdout).toMatch(/tenure\s+numeric\s+400\s+0\s+0 \.\. 59/);
    expect(shown.stdout).toMatch(/plan\s+categorical\s+400\s+0\s+3 categories/);
    expect(shown.stdout).toMatch(/churned \(prediction\)\s+categorical/);

    const json = await ascent(['monitor', 'profile', 'show', 'churn', '1', '--json']);
    const doc = JSON.parse(json.stdout) as { profile: { profile: { rows: number; prediction: { frequencies: Record<string, number> } } }; registration: { status: string } };
    expect(doc.profile.profile.rows).toBe(400);
    expect(doc.profile.profile.prediction.frequencies).toEqual({ '0': 300, '1': 100 });
    expect(doc.registration.status).toBe('skipped');
  }, 180_000);

  it('takes a prediction column and exclusions by flag, and refuses what it cannot read', async () => {
    const up = await ascent(['monitor', 'profile', 'upload', 'churn', '1', '--file', path.join(dataDir, 'ref.csv'), '--prediction-column', 'plan', '--exclude', 'id', '--json']);
    expect(up.code, up.stderr).toBe(0);
    const summary = JSON.parse(up.stdout) as { features: { name: string }[]; prediction: string };
    expect(summary.features.map((f) => f.name)).toEqual(['tenure', 'churned']);
    expect(summary.prediction).toBe('categorical');

    const [txt, missing, noVersion] = await Promise.all([
      ascent(['monitor', 'profile', 'upload', 'churn', '1', '--file', path.join(dataDir, 'ref.txt')]),
      ascent(['monitor', 'profile', 'upload', 'churn', '1', '--file', path.join(dataDir, 'absent.csv')]),
      ascent(['monitor', 'profile', 'upload', 'churn', '9', '--file', path.join(dataDir, 'ref.csv')]),
    ]);
    expect(txt.code).not.toBe(0);
    expect(txt.stderr).toContain('is not .csv, .parquet or .jsonl');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/absent\.csv/);
    expect(noVersion.code).not.toBe(0);
    expect(noVersion.stderr).toMatch(/version=9/);
  }, 180_000);
});
