import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPipelineHarness, type PipelineHarness } from '../../src/pipelines/pipeline-harness.js';
import { createPipelineTriggers, type PipelineTriggers } from '../../src/pipelines/triggers/create-pipeline-triggers.js';
import { nativeErrorBody, toAscentError } from '../../src/http/error-mapping.js';
import { NativeRouter } from '../../src/http/native/native-router.js';
import { addPipelineTriggerRoutes } from '../../src/http/native/pipeline-trigger-routes.js';
import { createTestDatabase, type TestPostgres } from '../support/postgres.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

// Two complete server stacks (pipeline service + triggers, each with its own connection pool) on one
// real PostgreSQL database; triggers start real pipeline runs of real child processes.
describe('pipeline schedules and triggers on two servers sharing PostgreSQL', () => {
  let pg: TestPostgres;
  let a: PipelineHarness;
  let b: PipelineHarness;
  let ta: PipelineTriggers;
  let tb: PipelineTriggers;
  let app: FastifyInstance;
  const errors: unknown[] = [];

  beforeAll(async () => {
    pg = await createTestDatabase();
    a = await openPipelineHarness({ databaseUrl: pg.url });
    b = await openPipelineHarness({ databaseUrl: pg.url });
    ta = createPipelineTriggers({ database: a.database, pipelines: a.pipelines, tickMs: 100, onError: (e) => errors.push(e) });
    tb = createPipelineTriggers({ database: b.database, pipelines: b.pipelines, tickMs: 100, onError: (e) => errors.push(e) });
    for (const [name, body] of [
      ['tick', 'node -e "console.log(\'tick\', process.env.ASCENT_PARAM_SOURCE)"'],
      ['prep', 'node -e "console.log(\'prep done\')"'],
      ['train', 'node -e "console.log(\'training because\', process.env.ASCENT_PARAM_REASON)"'],
    ] as const) {
      await a.pipelines.registerPipeline({ baseDir: a.dir, yaml: `name: ${name}\nparams:\n  source: { type: string, default: manual }\n  reason: { type: string, default: none }\nsteps:\n  only: { run: ${JSON.stringify(body)}, cache: false }\n` });
    }
    app = Fastify();
    await app.register(
      async (scope) => {
        scope.setErrorHandler((err, _req, reply) => {
          const e = toAscentError(err);
          void reply.status(e.status).send(nativeErrorBody(e));
        });
        addPipelineTriggerRoutes(new NativeRouter(scope, '/api/v1'), { pipelineTriggers: ta.service });
      },
      { prefix: '/api/v1' },
    );
    await app.ready();
  });

  afterAll(async () => {
    await ta?.close();
    await tb?.close();
    await app?.close();
    await a?.close();
    await b?.close();
    await pg?.drop();
  });

  const runsOf = async (pipeline: string) => a.pipelines.listRuns({ pipeline, limit: 1000 });
  // A run started by either server: poll the shared database until it is final.
  const finished = (runId: string) =>
    until(`run ${runId}`, async () => {
      const d = await a.pipelines.getRun(runId);
      return ['succeeded', 'failed', 'cancelled'].includes(d.run.status) ? d : null;
    });

  it('an every-second schedule starts one run per slot with both servers ticking', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/v1/pipeline-triggers', payload: { pipeline: 'tick', kind: 'schedule', config: { cron: '* * * * * *', missed: 'catch_up' }, params: { source: 'cron' } } });
    expect(created.statusCode).toBe(200);
    const trigger = created.json<{ triggerId: string }>();
    ta.start();
    tb.start();
    await sleep(4_500);
    await app.inject({ method: 'PATCH', url: `/api/v1/pipeline-triggers/${trigger.triggerId}`, payload: { enabled: false } });
    await sleep(300); // a tick in flight may still fire the last slot
    const firings = (await app.inject({ method: 'GET', url: `/api/v1/pipeline-triggers/${trigger.triggerId}/firings?limit=100` })).json<{ items: { slotKey: string; runId: string; status: string }[] }>().items;
    const slots = firings.map((f) => f.slotKey);
    expect(new Set(slots).size).toBe(slots.length);
    expect(slots.length).toBeGreaterThanOrEqual(3);
    const runs = await runsOf('tick');
    expect(runs).toHaveLength(firings.length);
    expect(new Set(runs.map((r) => r.runId))).toEqual(new Set(firings.map((f) => f.runId)));
    expect(runs.every((r) => r.trigger.kind === 'schedule' && r.params.source === 'cron')).toBe(true);
    const times = slots.map((s) => Date.parse(s.slice('cron:'.length))).sort((x, y) => x - y);
    for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBe(1000);
    for (const r of runs) expect((await finished(r.runId)).run.status).toBe('succeeded');
  });

  it('a data trigger starts one run per change of the watched folder', async () => {
    const watched = path.join(a.dir, 'incoming');
    fs.mkdirSync(watched);
    const res = await app.inject({ method: 'POST', url: '/api/v1/pipeline-triggers', payload: { pipeline: 'train', kind: 'data', config: { uri: watched, pollSeconds: 0.2 }, params: { reason: 'new-data' } } });
    const trigger = res.json<{ triggerId: string }>();
    await until('baseline', async () => (await ta.service.get(trigger.triggerId)).state);
    await sleep(500);
    expect(await runsOf('train')).toHaveLength(0);
    fs.writeFileSync(path.join(watched, 'batch-1.csv'), 'x\n1\n');
    const [firing] = await until('data firing', async () => {
      const h = await ta.service.history({ triggerId: trigger.triggerId });
      return h.length > 0 && h[0]!.runId ? h : null;
    });
    await sleep(800); // more checks on both servers: no second firing without a second change
    expect(await ta.service.history({ triggerId: trigger.triggerId })).toHaveLength(1);
    expect(firing!.cause).toBe('data');
    const run = await finished(firing!.runId!);
    expect(run.run.status).toBe('succeeded');
    expect(run.run.trigger.kind).toBe('data');
    expect((await a.pipelines.getLogs(run.run.runId, 'only')).lines.map((l) => l.line)).toContain('training because new-data');
    await ta.service.update(trigger.triggerId, { enabled: false });
  });

  it('an upstream trigger starts the downstream pipeline when the upstream run succeeds', async () => {
    const trigger = await ta.service.create({ pipeline: 'train', kind: 'upstream', config: { pipeline: 'prep' }, params: { reason: 'prep-finished' } });
    const before = (await runsOf('train')).length;
    const upstream = await b.pipelines.startRun({ pipeline: 'prep' });
    expect((await b.pipelines.waitForRun(upstream.runId, 30_000)).run.status).toBe('succeeded');
    const [firing] = await until('upstream firing', async () => {
      const h = await ta.service.history({ triggerId: trigger.triggerId });
      return h.length > 0 && h[0]!.runId ? h : null;
    });
    expect(firing!.detail).toMatchObject({ upstreamPipeline: 'prep', upstreamRunId: upstream.runId, upstreamStatus: 'succeeded' });
    const downstream = await finished(firing!.runId!);
    expect(downstream.run.status).toBe('succeeded');
    expect(downstream.run.trigger).toMatchObject({ kind: 'upstream' });
    expect((await runsOf('train')).length).toBe(before + 1);
    await ta.service.delete(trigger.triggerId);
  });

  it('an event trigger fires from a domain event and from the HTTP route, once per event id or idempotency key', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/pipeline-triggers', payload: { pipeline: 'train', kind: 'event', config: { eventType: 'monitor.drift' }, params: { reason: 'drift' } } });
    const trigger = res.json<{ triggerId: string }>();
    const published = await app.inject({ method: 'POST', url: '/api/v1/pipeline-events', payload: { type: 'monitor.drift', eventId: 'alert-1', payload: { feature: 'age' } } });
    expect(published.statusCode).toBe(200);
    expect(published.json<{ outcomes: { fired: boolean }[] }>().outcomes.map((o) => o.fired)).toEqual([true]);
    // The same alert delivered to the other server starts nothing.
    expect((await tb.service.fireEvent('monitor.drift', {}, { eventId: 'alert-1' })).map((o) => o.fired)).toEqual([false]);
    const fire = (key: string) => app.inject({ method: 'POST', url: `/api/v1/pipelines/train/triggers/${trigger.triggerId}/fire`, payload: { idempotencyKey: key, params: { reason: 'by-hand' } } });
    const first = await fire('k-1');
    expect(first.statusCode).toBe(200);
    expect(first.json<{ fired: boolean }>().fired).toBe(true);
    expect((await fire('k-1')).json<{ fired: boolean; duplicate: boolean }>()).toMatchObject({ fired: false, duplicate: true });
    const wrongPipeline = await app.inject({ method: 'POST', url: `/api/v1/pipelines/tick/triggers/${trigger.triggerId}/fire`, payload: {} });
    expect(wrongPipeline.statusCode).toBe(404);
    const history = await ta.service.history({ triggerId: trigger.triggerId });
    expect(history.map((f) => f.cause).sort()).toEqual(['event', 'http']);
    for (const f of history) expect((await finished(f.runId!)).run.status).toBe('succeeded');
    const manual = history.find((f) => f.cause === 'http')!;
    expect((await a.pipelines.getLogs(manual.runId!, 'only')).lines.map((l) => l.line)).toContain('training because by-hand');
  });

  it('refuses bad input with a 4xx naming the field', async () => {
    const bad = await app.inject({ method: 'POST', url: '/api/v1/pipeline-triggers', payload: { pipeline: 'train', kind: 'schedule', config: { cron: '61 * * * *' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { code: string; field?: string } }>().error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(JSON.stringify(bad.json())).toContain('config.cron');
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/pipeline-triggers', payload: { pipeline: 'ghost', kind: 'event', config: {} } });
    expect(unknown.statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/v1/pipeline-triggers/trg_00' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/v1/pipeline-triggers/../../etc' })).statusCode).toBeGreaterThanOrEqual(400);
    expect(errors).toEqual([]);
  });
});
