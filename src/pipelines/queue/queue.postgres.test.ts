import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestPostgres } from '../../../test/support/postgres.js';
import { FsArtifactStore } from '../../storage/artifacts/fs-artifact-store.js';
import { openSqlDatabase, type SqlDatabase } from '../../storage/sql/sql-database.js';
import type { StepTask } from '../step-executor.js';
import { StepDispatchStore } from './dispatch-store.js';
import { QueueExecutor } from './queue-executor.js';
import { QueueWorker } from './queue-worker.js';
import { openStepQueue } from './step-queue.js';

// Real PostgreSQL, real pg-boss, real child processes: the executor and in-process workers (the same
// QueueWorker class `ascent worker` runs) on separate connection pools, as on separate machines.
describe('step queue on PostgreSQL', () => {
  let pg: TestPostgres;
  let serverDb: SqlDatabase;
  let workerDb: SqlDatabase;
  let serverBoss: PgBoss;
  let workerBoss: PgBoss;
  let executor: QueueExecutor;
  let dir: string;
  let artifacts: FsArtifactStore;
  const workers: QueueWorker[] = [];
  let seq = 0;

  const task = (command: string[], extra: Partial<StepTask> = {}): StepTask => {
    seq += 1;
    return {
      pipelineRunId: 'plr_test', stepRunId: `psr_${seq}`, stepName: `s${seq}`, attempt: 1, kind: 'command', command, cwd: dir, env: {}, params: {},
      inputs: [], outputs: [{ name: 'out', path: 'out.txt' }], outputPrefix: `runs/${seq}/outputs`, timeoutMs: 60_000, ...extra,
    };
  };
  const hooks = (signal = new AbortController().signal) => {
    const lines: string[] = [];
    return { lines, hooks: { onLog: (_s: 'stdout' | 'stderr', l: string) => lines.push(l), signal } };
  };

  beforeAll(async () => {
    pg = await createTestDatabase();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-queue-'));
    artifacts = new FsArtifactStore(path.join(dir, 'artifacts'));
    serverDb = await openSqlDatabase({ url: pg.url });
    workerDb = await openSqlDatabase({ url: pg.url });
    serverBoss = await openStepQueue({ url: pg.url });
    workerBoss = await openStepQueue({ url: pg.url });
    executor = new QueueExecutor({ store: new StepDispatchStore(serverDb), boss: serverBoss, listenUrl: pg.url, pollMs: 100, leaseMs: 1_500 });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await executor?.close();
    await serverBoss?.stop({ graceful: false, close: true, timeout: 5_000 });
    await workerBoss?.stop({ graceful: false, close: true, timeout: 5_000 });
    await serverDb?.close();
    await workerDb?.close();
    await pg?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fences every worker write by delivery: a superseded worker can neither heartbeat nor record a result', async () => {
    const store = new StepDispatchStore(workerDb);
    const server = new StepDispatchStore(serverDb);
    const t = task(['true']);
    await server.create('dsp_fence', t, 1);
    expect(await store.claim('dsp_fence', 2, 'w-late', 2)).toBeNull(); // a job of a delivery that does not exist yet
    expect(await store.claim('dsp_fence', 1, 'w-a', 2)).toEqual(t);
    expect(await store.claim('dsp_fence', 1, 'w-b', 3)).toBeNull(); // the same job delivered twice
    expect(await store.heartbeat('dsp_fence', 1, 'w-a', 4)).toBe(true);
    expect(await server.redeliver('dsp_fence', 1)).toBe(true);
    expect(await server.redeliver('dsp_fence', 1)).toBe(false);
    expect(await store.heartbeat('dsp_fence', 1, 'w-a', 5)).toBe(false);
    expect(await store.claim('dsp_fence', 2, 'w-b', 6)).toEqual(t);
    const result = { status: 'succeeded' as const, outputs: [], executedBy: 'w-a' };
    expect(await store.complete('dsp_fence', 1, 'w-a', result, 7)).toBe(false);
    expect(await store.complete('dsp_fence', 2, 'w-b', { ...result, executedBy: 'w-b' }, 8)).toBe(true);
    expect(await store.complete('dsp_fence', 2, 'w-b', result, 9)).toBe(false);
    const [state] = await server.states(['dsp_fence']);
    expect(state).toMatchObject({ status: 'done', delivery: 2, workerId: 'w-b', result: { executedBy: 'w-b' } });
  });

  it('runs attempts on workers, streams their log lines, and stores outputs in the artifact store', async () => {
    const worker = new QueueWorker({ store: new StepDispatchStore(workerDb), boss: workerBoss, artifacts, workRoot: path.join(dir, 'work-1'), workerId: 'w-1', concurrency: 2, heartbeatMs: 200 });
    workers.push(worker);
    await worker.start();
    const runs = [1, 2, 3].map((i) => {
      const h = hooks();
      const done = executor.execute(task(['node', '-e', `console.log('hello ${i}'); console.error('warn ${i}'); require('fs').writeFileSync(process.env.ASCENT_OUTPUT_OUT, 'v${i}')`]), h.hooks);
      return { h, done };
    });
    for (const [i, r] of runs.entries()) {
      const result = await r.done;
      expect(result).toMatchObject({ status: 'succeeded', executedBy: 'w-1' });
      expect(result.outputs).toHaveLength(1);
      expect(result.outputs[0]!.sizeBytes).toBe(2);
      expect(r.h.lines).toEqual(expect.arrayContaining([`hello ${i + 1}`, `warn ${i + 1}`]));
      expect(await artifacts.stat(result.outputs[0]!.artifactPath)).toMatchObject({ isDir: false, size: 2 });
    }
  });

  it('cancels a running attempt: the worker stops the step at its next heartbeat', async () => {
    const marker = path.join(dir, 'cancel-finished');
    const controller = new AbortController();
    const h = hooks(controller.signal);
    const t0 = Date.now();
    const done = executor.execute(task(['node', '-e', `console.log('started'); setTimeout(() => require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'), 4000)`]), h.hooks);
    while (!h.lines.includes('started')) await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    expect(await done).toMatchObject({ status: 'cancelled' });
    await new Promise((r) => setTimeout(r, 4_500 - (Date.now() - t0)));
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('hands an attempt whose worker went silent to another worker', async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    // A worker that claims and then never heartbeats nor finishes: a process frozen or cut off.
    const frozen = new QueueWorker({ store: new StepDispatchStore(workerDb), boss: workerBoss, artifacts, workRoot: path.join(dir, 'work-frozen'), workerId: 'frozen', heartbeatMs: 60_000, runAttempt: () => new Promise(() => {}) });
    await frozen.start();
    const h = hooks();
    const done = executor.execute(task(['node', '-e', "require('fs').writeFileSync(process.env.ASCENT_OUTPUT_OUT, 'ok')"]), h.hooks);
    while (!h.lines.some((l) => l.includes('running on worker frozen'))) await new Promise((r) => setTimeout(r, 50));
    await workerBoss.offWork('ascent-pipeline-steps', { wait: false });
    const healthy = new QueueWorker({ store: new StepDispatchStore(workerDb), boss: serverBoss, artifacts, workRoot: path.join(dir, 'work-2'), workerId: 'w-2', heartbeatMs: 200 });
    workers.push(healthy);
    await healthy.start();
    const result = await done;
    expect(result).toMatchObject({ status: 'succeeded', executedBy: 'w-2' });
    expect(result.outputs[0]!.artifactPath).toMatch(/\/delivery-2\/out\.txt$/);
    expect(h.lines.some((l) => l.includes('handing attempt 1 to another worker (delivery 2)'))).toBe(true);
  });
});
