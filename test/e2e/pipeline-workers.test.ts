import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AscentClient } from '../../src/sdk/index.js';
import { openArtifactStore } from '../../src/storage/artifacts/open-artifact-store.js';
import type { ArtifactStore } from '../../src/storage/artifacts/artifact-store.js';
import { openSqlDatabase, type SqlDatabase } from '../../src/storage/sql/sql-database.js';
import { REPO_ROOT, startAscentProcess, type AscentProcess } from '../support/ascent-process.js';
import { createTestDatabase, type TestPostgres } from '../support/postgres.js';
import { ensureS3Server, type S3TestServer } from '../support/s3-server.js';

/** A real `ascent worker` process, as an operator would start one on another machine. */
interface WorkerProcess {
  name: string;
  proc: ChildProcess;
  output(): string;
  exited: Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A real `ascent server` (ASCENT_PIPELINE_EXECUTOR=queue) and two real `ascent worker` processes on
// real PostgreSQL (queue and metadata) and a real S3-compatible server (moto) for every input and
// output; one worker is killed with SIGKILL mid-step.
describe('distributed pipeline execution: ascent server + two ascent worker processes', () => {
  let pg: TestPostgres;
  let s3: S3TestServer;
  let dir: string;
  let database: SqlDatabase;
  let artifacts: ArtifactStore;
  let server: AscentProcess;
  let client: AscentClient;
  const workers: WorkerProcess[] = [];

  const sharedEnv = () => ({
    ASCENT_DATABASE_URL: pg.url,
    ASCENT_ARTIFACTS_URI: `s3://${s3.bucket}/artifacts`,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    AWS_REGION: s3.region,
  });
  const startWorker = (name: string): WorkerProcess => {
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/main.ts'), 'worker', '--worker-id', name, '--concurrency', '1', '--log-level', 'info'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...sharedEnv(),
        ASCENT_WORKER_HEARTBEAT_MS: '300',
        // Lets the test's step script say which worker ran it.
        TEST_WORKER_NAME: name,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const w = { name, proc, output: () => out, exited };
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    pg = await createTestDatabase();
    s3 = await ensureS3Server();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-workers-e2e-'));
    database = await openSqlDatabase({ url: pg.url });
    artifacts = openArtifactStore(`s3://${s3.bucket}/artifacts`, { s3: { endpoint: s3.endpoint, region: s3.region, credentials: s3.credentials } });
    // A short lease so the dead worker's step moves on within seconds (production default: 30 s).
    server = await startAscentProcess({ env: { ...sharedEnv(), ASCENT_PIPELINE_EXECUTOR: 'queue', ASCENT_WORKER_LEASE_MS: '2500' } });
    client = new AscentClient({ baseUrl: server.url, user: null });
    for (const name of ['w1', 'w2']) startWorker(name);
    // Both take steps from the start, so the fan-out really spreads over the two of them.
    const ready = Date.now() + 90_000;
    while (!workers.every((w) => w.output().includes('ascent worker ready'))) {
      if (Date.now() > ready) throw new Error(`workers did not start:\n${workers.map((w) => w.output()).join('\n')}`);
      await sleep(100);
    }
  });

  afterAll(async () => {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGTERM');
    await Promise.all(workers.map((w) => Promise.race([w.exited, sleep(10_000)])));
    await server?.stop();
    await database?.close();
    await s3?.stop();
    await pg?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs a fan-out across both workers, survives kill -9 of one mid-step, and records each output once', async () => {
    const markers = path.join(dir, 'markers');
    fs.mkdirSync(markers);
    fs.writeFileSync(path.join(dir, 'prep.mjs'), "import fs from 'node:fs';\nfs.writeFileSync(process.env.ASCENT_OUTPUT_BASE, '100');\nconsole.log('prepared on', process.env.TEST_WORKER_NAME);\n");
    // Each item records which worker started it (and the step's pid), works ~1.2 s, then writes its result.
    fs.writeFileSync(
      path.join(dir, 'work.mjs'),
      `import fs from 'node:fs';
const item = JSON.parse(process.env.ASCENT_ITEM);
const base = Number(fs.readFileSync(process.env.ASCENT_INPUT_BASE, 'utf8'));
fs.writeFileSync(${JSON.stringify(markers)} + '/' + process.env.TEST_WORKER_NAME + '-' + item + '-' + Date.now(), String(process.pid));
console.log('item', item, 'on', process.env.TEST_WORKER_NAME);
await new Promise((r) => setTimeout(r, 1200));
fs.writeFileSync(process.env.ASCENT_OUTPUT_RESULT, String(base + item));
`,
    );
    fs.writeFileSync(path.join(dir, 'gather.mjs'), "import fs from 'node:fs';\nconst d = process.env.ASCENT_INPUT_RESULTS;\nconst sum = fs.readdirSync(d).map((i) => Number(fs.readFileSync(d + '/' + i, 'utf8'))).reduce((a, b) => a + b, 0);\nfs.writeFileSync(process.env.ASCENT_OUTPUT_TOTAL, String(sum));\nconsole.log('total', sum);\n");
    await client.pipelines.register({
      baseDir: dir,
      yaml: `
name: fan-workers
concurrency: 4
params:
  items: { type: list, default: [1, 2, 3, 4, 5, 6, 7, 8] }
steps:
  prep: { run: node prep.mjs, outputs: { base: base.txt }, cache: false }
  work:
    run: node work.mjs
    foreach: params.items
    inputs: { base: steps.prep.outputs.base }
    outputs: { result: result.txt }
    cache: false
  gather: { run: node gather.mjs, inputs: { results: steps.work.outputs.result }, outputs: { total: total.txt }, cache: false }
`,
    });
    const run = await client.pipelines.run('fan-workers');

    // Kill w1 once it has finished one item and is in the middle of its second.
    const started = (name: string) => fs.readdirSync(markers).filter((m) => m.startsWith(`${name}-`));
    const deadline = Date.now() + 60_000;
    while (started('w1').length < 2) {
      if (Date.now() > deadline) throw new Error(`w1 never started a second item\n${workers[0]!.output()}`);
      await sleep(50);
    }
    await sleep(300);
    const w1 = workers[0]!;
    const latest = started('w1').sort((a, b) => Number(a.split('-')[2]) - Number(b.split('-')[2])).at(-1)!;
    const killedItem = Number(latest.split('-')[1]);
    w1.proc.kill('SIGKILL');
    // The machine "dies" with everything on it: its step process too.
    try {
      process.kill(-Number(fs.readFileSync(path.join(markers, latest), 'utf8')), 'SIGKILL');
    } catch {
      // already gone
    }
    await w1.exited;

    const detail = await client.pipelines.wait(run.runId, { timeoutMs: 90_000 });
    expect(detail.run.status, JSON.stringify(detail.steps.map((s) => [s.stepName, s.status, s.error]))).toBe('succeeded');
    const work = detail.steps.filter((s) => s.baseStep === 'work');
    expect(work).toHaveLength(8);
    for (const s of work) {
      expect(s.status).toBe('succeeded');
      expect(s.outputs).toHaveLength(1);
      expect(['w1', 'w2']).toContain(s.executedBy);
    }
    // Steps were executed by both workers; the killed one's item was finished by w2.
    expect(new Set(work.map((s) => s.executedBy))).toEqual(new Set(['w1', 'w2']));
    const killedStep = work.find((s) => s.itemIndex === killedItem - 1)!;
    expect(killedStep.executedBy).toBe('w2');
    expect(started('w2').some((m) => m.startsWith(`w2-${killedItem}-`))).toBe(true);

    // The result is correct: 8 × 100 + (1 + … + 8), read back from the artifact store.
    const gather = detail.steps.find((s) => s.stepName === 'gather')!;
    const chunks: Buffer[] = [];
    for await (const c of await artifacts.get(gather.outputs[0]!.artifactPath)) chunks.push(Buffer.from(c as Buffer));
    expect(Buffer.concat(chunks).toString()).toBe('836');

    // Exactly one recorded result per step attempt; the killed attempt needed a second delivery.
    const dispatches = await database.db.selectFrom('pipeline_step_dispatches').selectAll().where('pipeline_run_id', '=', run.runId).execute();
    expect(dispatches).toHaveLength(10);
    expect(dispatches.every((d) => d.status === 'done' && d.result !== null)).toBe(true);
    const killedDispatch = dispatches.find((d) => d.step_run_id === killedStep.stepRunId)!;
    expect(killedDispatch.delivery).toBe(2);
    expect(killedDispatch.worker_id).toBe('w2');
    expect(JSON.parse(killedDispatch.result!).outputs[0].artifactPath).toBe(killedStep.outputs[0]!.artifactPath);
    expect(killedStep.outputs[0]!.artifactPath).toMatch(/\/delivery-2\/result\.txt$/);
    const logs = (await client.pipelines.logs(run.runId, killedStep.stepName)).lines.map((l) => l.line);
    expect(logs.some((l) => l.includes('handing attempt 1 to another worker'))).toBe(true);
    expect(logs).toContain(`item ${killedItem} on w2`);
    expect(server.output()).not.toMatch(/step queue error/);
  }, 150_000);
});
