import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { AscentClient, type FireOutcome, type PipelineTrigger, type TriggerFiring } from '../../src/sdk/index.js';
import { REPO_ROOT } from '../support/ascent-process.js';

// The real `ascent` command (child processes) and the SDK against a real server on the embedded
// defaults, whose own trigger loop fires the schedule.
let server: RunningServer;
let client: AscentClient;
let dataDir: string;

function ascent(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO_ROOT, env: { ...process.env, ASCENT_URL: server.url, NO_COLOR: '1' }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
const json = async <T>(args: string[]): Promise<T> => {
  const r = await ascent([...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-triggers-cli-'));
  process.env.ASCENT_TRIGGER_TICK_MS = '200';
  server = await startServer(loadConfig({ dataDir, port: 0, host: '127.0.0.1', logLevel: 'silent' }, {}));
  client = new AscentClient({ baseUrl: server.url, user: null });
  await client.pipelines.register({ baseDir: dataDir, yaml: 'name: retrain\nparams:\n  reason: { type: string, default: none }\nsteps:\n  only: { run: node -e "console.log(process.env.ASCENT_PARAM_REASON)", cache: false }\n' });
});

afterAll(async () => {
  delete process.env.ASCENT_TRIGGER_TICK_MS;
  await server?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('ascent pipelines schedule / triggers', () => {
  it('adds, lists, fires and removes schedules and triggers; history shows the runs they started', async () => {
    const schedule = await json<PipelineTrigger>(['pipelines', 'schedule', 'add', 'retrain', '* * * * * *', '--missed', 'catch_up', '-p', 'reason=cron']);
    expect(schedule).toMatchObject({ kind: 'schedule', pipeline: 'retrain', params: { reason: 'cron' }, config: { cron: '* * * * * *', missed: 'catch_up', timezone: 'UTC' } });
    const event = await json<PipelineTrigger>(['pipelines', 'triggers', 'add', 'retrain', '--on-event', 'monitor.drift', '-p', 'reason=drift']);
    expect((await json<PipelineTrigger[]>(['pipelines', 'schedule', 'ls', 'retrain'])).map((t) => t.triggerId)).toEqual([schedule.triggerId]);
    const table = await ascent(['pipelines', 'triggers', 'ls', 'retrain']);
    expect(table.stdout).toContain(schedule.triggerId);
    expect(table.stdout).toContain('event monitor.drift');

    // The server's own loop fires the every-second schedule; then it is switched off.
    await sleep(2_500);
    expect((await ascent(['pipelines', 'triggers', 'disable', schedule.triggerId])).code).toBe(0);
    const scheduled = await client.pipelineTriggers.firings({ triggerId: schedule.triggerId });
    expect(scheduled.length).toBeGreaterThanOrEqual(1);
    expect(scheduled.every((f) => f.cause === 'schedule' && f.runId)).toBe(true);

    const published = await json<FireOutcome[]>(['pipelines', 'triggers', 'publish', 'monitor.drift', '--payload', '{"psi":0.3}', '--id', 'alert-9']);
    expect(published.map((o) => o.fired)).toEqual([true]);
    expect((await json<FireOutcome[]>(['pipelines', 'triggers', 'publish', 'monitor.drift', '--id', 'alert-9'])).map((o) => o.fired)).toEqual([false]);
    const fired = await ascent(['pipelines', 'triggers', 'fire', 'retrain', event.triggerId, '-p', 'reason=manual', '--key', 'k1']);
    expect(fired.stdout).toMatch(/^Started run plr_/);
    expect((await ascent(['pipelines', 'triggers', 'fire', 'retrain', event.triggerId, '--key', 'k1'])).stdout).toContain('Already fired');

    const history = await json<TriggerFiring[]>(['pipelines', 'triggers', 'history', 'retrain', '--limit', '100']);
    expect(history.filter((f) => f.triggerId === event.triggerId).map((f) => f.cause).sort()).toEqual(['event', 'http']);
    const manual = history.find((f) => f.slotKey === 'http:k1')!;
    const run = await client.pipelines.wait(manual.runId!, { timeoutMs: 60_000, intervalMs: 100 });
    expect(run.run.status).toBe('succeeded');
    expect(run.run.trigger.kind).toBe('api');
    expect((await client.pipelines.logs(manual.runId!, 'only')).lines.map((l) => l.line)).toContain('manual');
    expect((await ascent(['pipelines', 'triggers', 'history', event.triggerId])).stdout).toContain('http:k1');

    const bad = await ascent(['pipelines', 'schedule', 'add', 'retrain', 'not a cron']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('INVALID_ARGUMENT');
    expect(bad.stderr).toContain('config.cron');
    expect((await ascent(['pipelines', 'triggers', 'add', 'retrain'])).stderr).toContain('exactly one of');

    expect((await ascent(['pipelines', 'schedule', 'rm', schedule.triggerId])).code).toBe(0);
    expect((await ascent(['pipelines', 'triggers', 'rm', event.triggerId])).code).toBe(0);
    expect(await client.pipelineTriggers.list({ pipeline: 'retrain' })).toEqual([]);
  }, 240_000);
});
