import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import { startServer, type RunningServer } from '../server.js';
import { AscentClient, type Experiment, type Run } from '../sdk/index.js';
import type { RunComparison } from './runs-compare-command.js';

// The real `ascent` command in a child process against a real in-process server.
let server: RunningServer;
let client: AscentClient;
let dataDir: string;
const runIds: string[] = [];
let experimentId = '';

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
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

// Each child process loads the CLI through tsx (seconds on a busy machine), so tests get room.
const CLI_TIMEOUT = 180_000;

const widest = (text: string) => Math.max(...text.split('\n').map((l) => l.length));

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-cli-'));
  server = await startServer(loadConfig({ dataDir, port: 0, logLevel: 'silent' }));
  client = new AscentClient({ baseUrl: server.url });
  experimentId = await client.experiments.create('cli-demo');
  const specs = [
    { name: 'alpha-run', alpha: '0.1', rmse: 0.42 },
    { name: 'beta-run', alpha: '0.5', rmse: 0.31 },
    { name: 'gamma-run', alpha: '0.5', rmse: Number.NaN },
  ];
  for (const spec of specs) {
    const run = await client.startRun({ experimentId, runName: spec.name, flushIntervalMs: 0 });
    await run.logParams({ alpha: spec.alpha, optimizer: 'adam', description: 'x'.repeat(300) });
    await run.logMetric('rmse', spec.rmse, 10);
    await run.end();
    runIds.push(run.runId);
  }
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('ascent experiments', { timeout: CLI_TIMEOUT }, () => {
  it('creates an experiment and lists it in a table and as JSON', async () => {
    const created = await ascent(['experiments', 'create', 'cli-created', '--json']);
    expect(created.code).toBe(0);
    const { experimentId: id } = JSON.parse(created.stdout) as { experimentId: string };
    expect(id).toMatch(/^\d+$/);

    const [table, json] = await Promise.all([ascent(['experiments', 'ls']), ascent(['experiments', 'ls', '--json'])]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+PROJECT\s+CREATED\s+ARTIFACT LOCATION$/m);
    expect(table.stdout).toMatch(new RegExp(`^${id}\\s+cli-created\\s+default\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+mlflow-artifacts:/${id}$`, 'm'));
    expect(widest(table.stdout)).toBeLessThanOrEqual(100);

    const names = (JSON.parse(json.stdout) as Experiment[]).map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['Default', 'cli-demo', 'cli-created']));
  });

  it('exits 2 with the server code for a duplicate name', async () => {
    const res = await ascent(['experiments', 'create', 'cli-demo']);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^error \[ALREADY_EXISTS\]: .*cli-demo/);
  });

  it('shows deleted experiments only when asked', async () => {
    const id = await client.experiments.create('cli-deleted');
    await client.experiments.delete(id);
    const [active, deleted] = await Promise.all([ascent(['experiments', 'ls']), ascent(['experiments', 'ls', '--view', 'deleted'])]);
    expect(active.stdout).not.toContain('cli-deleted');
    expect(deleted.stdout).toMatch(/^\d+\s+cli-deleted\s+deleted\s+default/m);
    expect(deleted.stdout).not.toContain('cli-demo');
  });
});

describe('ascent runs ls', { timeout: CLI_TIMEOUT }, () => {
  it('lists runs by experiment name with extra columns, within 100 columns', async () => {
    const res = await ascent(['runs', 'ls', '--experiment', 'cli-demo', '--columns', 'metrics.rmse,params.alpha,params.description', '--order-by', 'attributes.run_name ASC']);
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^RUN ID\s+NAME\s+STATUS\s+metrics\.rmse\s+params\.alpha\s+params\.desc/);
    // Runs sorted by name; the 300-character param is cut to fit, numbers are right-aligned.
    expect(lines[1]).toMatch(new RegExp(`^${runIds[0]}  alpha-run  FINISHED\\s+0\\.42  0\\.1\\s+x+…$`));
    expect(lines[3]).toMatch(new RegExp(`^${runIds[2]}  gamma-run  FINISHED\\s+NaN  0\\.5\\s+x+…$`));
    expect(widest(res.stdout)).toBeLessThanOrEqual(100);
  });

  it('filters, orders and limits, and prints JSON only on stdout', async () => {
    const [res, everything] = await Promise.all([
      ascent(['runs', 'ls', '-e', experimentId, '--filter', "params.alpha = '0.5'", '--order-by', 'metrics.rmse DESC', '--max', '1', '--json']),
      ascent(['runs', 'ls', '-e', 'cli-demo', '--json']),
    ]);
    expect(res.code).toBe(0);
    const runs = JSON.parse(res.stdout) as Run[];
    expect(runs.map((r) => r.info.runId)).toHaveLength(1);
    expect(runs[0]?.info.runName).toMatch(/^(beta|gamma)-run$/);

    const all = JSON.parse(everything.stdout) as Run[];
    expect(all.map((r) => r.info.runId).sort()).toEqual([...runIds].sort());
    const gamma = all.find((r) => r.info.runName === 'gamma-run');
    // NaN stays distinguishable from a missing value.
    expect(gamma?.data.metrics[0]?.value).toBe('NaN');
  });

  it('says when --max cut the list', async () => {
    const res = await ascent(['runs', 'ls', '-e', 'cli-demo', '--max', '2']);
    expect(res.code).toBe(0);
    expect(res.stdout.match(/-run\s+FINISHED/g)).toHaveLength(2);
    expect(res.stderr).toContain('Showing the first 2 runs');
  });

  it('exits 2 for an unknown experiment, a bad filter and a bad --max', async () => {
    const [unknown, badFilter, badMax] = await Promise.all([
      ascent(['runs', 'ls', '-e', 'no-such-experiment']),
      ascent(['runs', 'ls', '-e', 'cli-demo', '--filter', 'metrics.rmse <<< 1']),
      ascent(['runs', 'ls', '-e', 'cli-demo', '--max', '0']),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error \[NOT_FOUND\]: .*no-such-experiment/);
    expect(badFilter.code).toBe(2);
    expect(badFilter.stderr).toMatch(/^error \[INVALID_ARGUMENT\]/);
    expect(badMax.code).toBe(2);
    expect(badMax.stderr).toContain('--max must be a positive integer');
  });
});

describe('ascent runs show / compare / delete / restore', { timeout: CLI_TIMEOUT }, () => {
  it('shows a run as tables and as JSON', async () => {
    const [table, json] = await Promise.all([ascent(['runs', 'show', runIds[0]!]), ascent(['runs', 'show', runIds[0]!, '--json'])]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`Run ${runIds[0]}`);
    expect(table.stdout).toMatch(/^name\s+alpha-run$/m);
    expect(table.stdout).toMatch(/^status\s+FINISHED$/m);
    expect(table.stdout).toMatch(/\nParams\nKEY\s+VALUE\nalpha\s+0\.1\ndescription\s+x+…\noptimizer\s+adam\n/);
    expect(table.stdout).toMatch(/\nMetrics \(latest\)\nKEY\s+VALUE\s+STEP\s+TIME\nrmse\s+0\.42\s+10\s+\d{4}-/);
    expect(widest(table.stdout)).toBeLessThanOrEqual(100);

    expect((JSON.parse(json.stdout) as Run).info.runId).toBe(runIds[0]);
  });

  it('exits 2 with NOT_FOUND for an unknown run', async () => {
    const res = await ascent(['runs', 'show', '0123456789abcdef0123456789abcdef']);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('NOT_FOUND');
    expect(res.stderr).toMatch(/^error \[NOT_FOUND\]: /);
  });

  it('exits 1 when the server cannot be reached', async () => {
    const res = await ascent(['runs', 'show', runIds[0]!], { ASCENT_URL: 'http://127.0.0.1:9' });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error: cannot reach Ascent server at http:\/\/127\.0\.0\.1:9/);
  });

  it('--url wins over ASCENT_URL', async () => {
    const res = await ascent(['runs', 'show', runIds[0]!, '--json', '--url', server.url], { ASCENT_URL: 'http://127.0.0.1:9' });
    expect(res.code).toBe(0);
  });

  it('compares runs side by side and marks the values that differ', async () => {
    const [table, jsonOut] = await Promise.all([ascent(['runs', 'compare', ...runIds]), ascent(['runs', 'compare', runIds[0]!, runIds[1]!, '--json'])]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^\s+KEY\s+alpha-run\s+beta-run\s+gamma-run$/m);
    expect(table.stdout).toMatch(/^\*\s+params\.alpha\s+0\.1\s+0\.5\s+0\.5$/m);
    expect(table.stdout).toMatch(/^\s+params\.optimizer\s+adam\s+adam\s+adam$/m);
    expect(table.stdout).toMatch(/^\*\s+metrics\.rmse\s+0\.42\s+0\.31\s+NaN$/m);
    expect(table.stdout).toContain('* 2 param/metric value(s) differ.');
    expect(widest(table.stdout)).toBeLessThanOrEqual(100);

    const json = JSON.parse(jsonOut.stdout) as RunComparison;
    expect(json.runs.map((r) => r.runId)).toEqual([runIds[0], runIds[1]]);
    expect(json.params.find((p) => p.key === 'alpha')).toEqual({ key: 'alpha', values: ['0.1', '0.5'], differs: true });
    expect(json.params.find((p) => p.key === 'optimizer')).toEqual({ key: 'optimizer', values: ['adam', 'adam'], differs: false });
    expect(json.metrics).toEqual([{ key: 'rmse', values: [0.42, 0.31], differs: true }]);
  });

  it('needs two runs to compare', async () => {
    const res = await ascent(['runs', 'compare', runIds[0]!]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^error \[INVALID_ARGUMENT\]: compare needs at least two run ids/);
  });

  it('deletes and restores a run', async () => {
    const run = await client.runs.create({ experimentId, runName: 'doomed' });
    const deleted = await ascent(['runs', 'delete', run.info.runId]);
    expect(deleted).toMatchObject({ code: 0, stdout: `Deleted run ${run.info.runId}\n` });
    expect((await client.runs.get(run.info.runId)).info.lifecycleStage).toBe('deleted');
    const listed = await ascent(['runs', 'ls', '-e', 'cli-demo', '--view', 'deleted', '--json']);
    expect((JSON.parse(listed.stdout) as Run[]).map((r) => r.info.runId)).toEqual([run.info.runId]);

    const restored = await ascent(['runs', 'restore', run.info.runId]);
    expect(restored).toMatchObject({ code: 0, stdout: `Restored run ${run.info.runId}\n` });
    expect((await client.runs.get(run.info.runId)).info.lifecycleStage).toBe('active');
    await client.runs.delete(run.info.runId);
  });
});
