import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import { startServer, type RunningServer } from '../server.js';
import { AscentClient } from '../sdk/index.js';

// The real `ascent models …` in child processes against a real in-process server. Each child
// loads the CLI through tsx (seconds), so the few invocations run concurrently.
let server: RunningServer;
let dataDir: string;
let championSetAt = 0;
const weights = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
const manifest = 'flavors:\n  python_function:\n    loader_module: churn_scorer\n';

const root = path.resolve(import.meta.dirname, '../..');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `ascent …` asynchronously (a sync spawn would block the server living in this process). */
function ascent(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: root, env: { ...process.env, ASCENT_URL: server.url, NO_COLOR: '1', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

const CLI_TIMEOUT = 180_000;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-cli-models-'));
  server = await startServer(loadConfig({ dataDir, port: 0, logLevel: 'silent' }));
  const ada = new AscentClient({ baseUrl: server.url, user: 'ada' });
  const run = await ada.runs.create({ runName: 'train-churn' });
  await ada.runs.uploadArtifact(run.info.runId, 'model/MLmodel', manifest);
  await ada.runs.uploadArtifact(run.info.runId, 'model/weights.bin', weights);
  await ada.models.create('churn', { description: 'churn classifier' });
  await ada.models.create('fraud');
  await ada.models.createVersion('churn', { source: `${run.info.artifactUri}/model`, runId: run.info.runId });
  await ada.models.createVersion('churn', { source: 's3://elsewhere/churn/2' });
  await ada.models.setAlias('churn', 'champion', 1);
  championSetAt = (await ada.models.history('churn', { alias: 'champion', limit: 1 }))[0]!.time;
  await new Promise((r) => setTimeout(r, 5));
  await ada.models.setAlias('churn', 'champion', 2, { reason: 'better recall' });
  await ada.models.setAlias('churn', 'stable', 1);
  await ada.approvals.setRule('churn', 'prod');
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe.concurrent('ascent models', { timeout: CLI_TIMEOUT }, () => {
  it('lists registered models with their aliases', async ({ expect }) => {
    const res = await ascent(['models', 'ls']);
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ALIASES\s+OWNER\s+UPDATED\s+DESCRIPTION$/);
    expect(lines[1]).toMatch(/^churn\s+champion→2, stable→1\s+ada\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+churn classifier$/);
    expect(lines[2]).toMatch(/^fraud\s+-\s+ada\s+/);
  });

  it('refuses to move a gated alias with exit 2, the server\'s reason and the command that asks', async ({ expect }) => {
    const res = await ascent(['--user', 'ada', 'models', 'alias', 'churn', 'prod', '1', '--reason', 'ship it']);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^error \[PERMISSION_DENIED\]: Moving 'prod' of model 'churn' to version 1 requires approval/);
    // The global --user reached the server.
    expect(res.stderr).toContain('attempted by ada');
    expect(res.stderr).toContain("To ask for it: ascent models request churn prod 1 --reason '…'");
  });

  it('answers which version an alias pointed to at a past time', async ({ expect }) => {
    const at = new Date(championSetAt).toISOString();
    const res = await ascent(['models', 'history', 'churn', '--alias', 'champion', '--at', at]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^At ${at.replace(/\./g, '\\.')}, alias 'champion' of model 'churn' pointed to version 1 \\(set [^ ]+ by ada\\)\n$`));
  });

  it('downloads and unpacks a package, printing only the folder', async ({ expect }) => {
    const dest = path.join(dataDir, 'downloads');
    const ok = await ascent(['models', 'download', 'churn@stable', '--dest', dest]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('Downloaded churn version 1 (2 files)\n');
    expect(ok.stdout).toBe(`${path.join(dest, 'churn-v1')}\n`);
    const dir = ok.stdout.trim();
    expect(fs.readdirSync(dir).sort()).toEqual(['MLmodel', 'weights.bin']);
    expect(fs.readFileSync(path.join(dir, 'MLmodel'), 'utf8')).toBe(manifest);
    expect(fs.readFileSync(path.join(dir, 'weights.bin')).equals(Buffer.from(weights))).toBe(true);
  });
});
