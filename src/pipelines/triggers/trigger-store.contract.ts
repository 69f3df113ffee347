import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AscentError } from '../../core/errors.js';
import type { SqlDatabase } from '../../storage/sql/sql-database.js';
import type { LaunchRequest, PipelineLauncher } from './pipeline-launcher.js';
import { TriggerService } from './service.js';
import { SqlTriggerStore } from './sql-store.js';
import { TriggerLoop } from './trigger-loop.js';

/** A database for the suite, and another handle on it as a second server would hold. */
export interface TriggerContractBackend {
  database: SqlDatabase;
  openPeer(): Promise<{ database: SqlDatabase; close(): Promise<void> }>;
  cleanup(): Promise<void>;
}

/** A launcher standing in for the pipeline service: it records each start and hands out run ids. */
export class RecordingLauncher implements PipelineLauncher {
  readonly started: LaunchRequest[] = [];
  failNext: string | undefined;
  constructor(private readonly pipelines: string[]) {}
  async startRun(request: LaunchRequest): Promise<{ runId: string }> {
    if (this.failNext !== undefined) {
      const message = this.failNext;
      this.failNext = undefined;
      throw new Error(message);
    }
    this.started.push(request);
    return { runId: `run-${this.started.length}-${request.trigger.slotKey}` };
  }
  async pipelineExists(name: string): Promise<boolean> {
    return this.pipelines.includes(name);
  }
}

const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: AscentError) => `${e.code}:${e.field ?? ''}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The trigger store and its fire-once rules, against a real database with two "servers" on it. */
export function runTriggerStoreContract(name: string, open: () => Promise<TriggerContractBackend>): void {
  describe(`pipeline trigger contract: ${name}`, () => {
    let backend: TriggerContractBackend;
    let peer: { database: SqlDatabase; close(): Promise<void> };
    let now = Date.parse('2026-01-01T00:00:00.000Z');
    const clock = { now: () => now };
    const launchers: RecordingLauncher[] = [];
    const stack = (database: SqlDatabase, realClock = false) => {
      const launcher = new RecordingLauncher(['train', 'prep', 'other']);
      launchers.push(launcher);
      const service = new TriggerService({ store: new SqlTriggerStore(database), launcher, ...(realClock ? {} : { clock }) });
      return { launcher, service };
    };

    beforeAll(async () => {
      backend = await open();
      peer = await backend.openPeer();
    });
    afterAll(async () => {
      await peer.close();
      await backend.cleanup();
    });

    it('validates input and names the offending field', async () => {
      const { service } = stack(backend.database);
      expect(await code(service.create({ pipeline: 'train', kind: 'schedule', config: { cron: 'every day' } }))).toBe('INVALID_ARGUMENT:config.cron');
      expect(await code(service.create({ pipeline: 'train', kind: 'schedule', config: { cron: '* * * * *', timezone: 'Mars/Base' } }))).toBe('INVALID_ARGUMENT:config.timezone');
      expect(await code(service.create({ pipeline: 'train', kind: 'schedule', config: { cron: '* * * * *', missed: 'sometimes' } }))).toBe('INVALID_ARGUMENT:config.missed');
      expect(await code(service.create({ pipeline: 'train', kind: 'nightly', config: {} }))).toBe('INVALID_ARGUMENT:kind');
      expect(await code(service.create({ pipeline: 'nope', kind: 'event', config: {} }))).toBe('NOT_FOUND:');
      expect(await code(service.create({ pipeline: 'train', kind: 'data', config: { uri: 'relative/dir' } }))).toBe('INVALID_ARGUMENT:config.uri');
      expect(await code(service.create({ pipeline: 'train', kind: 'upstream', config: { pipeline: 'train' } }))).toBe('INVALID_ARGUMENT:config.pipeline');
      expect(await code(service.create({ pipeline: 'train', kind: 'event', config: { eventType: 'x', extra: 1 } }))).toBe('INVALID_ARGUMENT:config');
      expect(await service.list({ pipeline: 'train' })).toEqual([]);
    });

    it('creates, lists, updates and deletes triggers with their history', async () => {
      const { service } = stack(backend.database);
      const s = await service.create({ pipeline: 'train', kind: 'schedule', config: { cron: '0 3 * * *' }, params: { lr: 0.1 }, description: 'nightly' });
      expect(s.config).toEqual({ cron: '0 3 * * *', timezone: 'UTC', missed: 'skip', graceSeconds: 60, maxCatchUp: 100 });
      const e = await service.create({ pipeline: 'train', kind: 'event', config: { eventType: 'monitor.alert' } });
      expect((await service.list({ pipeline: 'train' })).map((t) => t.triggerId).sort()).toEqual([s.triggerId, e.triggerId].sort());
      expect((await service.list({ kind: 'event' })).map((t) => t.triggerId)).toEqual([e.triggerId]);
      const off = await service.update(s.triggerId, { enabled: false, params: { lr: 0.2 } });
      expect(off.enabled).toBe(false);
      expect(off.params).toEqual({ lr: 0.2 });
      expect(await code(service.fire(s.triggerId))).toBe('INVALID_ARGUMENT:triggerId');
      await service.fire(e.triggerId, { payload: { why: 'test' } });
      expect((await service.history({ triggerId: e.triggerId })).length).toBe(1);
      await service.delete(e.triggerId);
      await service.delete(s.triggerId);
      expect(await code(service.get(e.triggerId))).toBe('NOT_FOUND:');
      expect(await code(service.delete(e.triggerId))).toBe('NOT_FOUND:');
      expect(await service.history({ pipeline: 'train' })).toEqual([]);
    });

    it('lets exactly one of two servers claim a slot, change a state, and never moves a cursor back', async () => {
      const a = stack(backend.database).service;
      const b = stack(peer.database).service;
      const t = await a.create({ pipeline: 'train', kind: 'schedule', config: { cron: '* * * * * *' } });
      const claim = (s: TriggerService) => s.store.claimFiring({ triggerId: t.triggerId, slotKey: 'cron:x', cause: 'schedule', detail: {}, firedTime: now });
      const wins = await Promise.all([claim(a), claim(b), claim(a), claim(b)]);
      expect(wins.filter(Boolean)).toHaveLength(1);
      const cas = await Promise.all([a.store.compareAndSetState(t.triggerId, 0, 'd1'), b.store.compareAndSetState(t.triggerId, 0, 'd2')]);
      expect(cas.filter(Boolean)).toHaveLength(1);
      await a.store.advanceCursor(t.triggerId, now + 5000);
      await b.store.advanceCursor(t.triggerId, now + 1000);
      expect((await a.get(t.triggerId)).cursorTime).toBe(now + 5000);
      const checks = await Promise.all([a.store.claimCheck(t.triggerId, now, now + 1), b.store.claimCheck(t.triggerId, now, now + 2)]);
      expect(checks.filter(Boolean)).toHaveLength(1);
      await a.delete(t.triggerId);
    });

    it('two servers with an every-second schedule fire each slot exactly once', async () => {
      const a = stack(backend.database, true);
      const b = stack(peer.database, true);
      // catch_up: a tick delayed past the next slot (a loaded machine) still fires every slot, so "each
      // slot exactly once" is checkable; the claim is the same for both policies.
      const t = await a.service.create({ pipeline: 'train', kind: 'schedule', config: { cron: '* * * * * *', missed: 'catch_up' } });
      const errors: unknown[] = [];
      const loops = [a, b].map((s) => new TriggerLoop({ service: s.service, tickMs: 100, onError: (e) => errors.push(e) }));
      loops.forEach((l) => l.start());
      await sleep(4_200);
      await Promise.all(loops.map((l) => l.stop()));
      expect(errors).toEqual([]);
      const slots = [...a.launcher.started, ...b.launcher.started].map((r) => r.trigger.slotKey).sort();
      expect(new Set(slots).size).toBe(slots.length);
      expect(slots.length).toBeGreaterThanOrEqual(3);
      const times = slots.map((s) => Date.parse(s.slice('cron:'.length)));
      for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBe(1000);
      const history = await a.service.history({ triggerId: t.triggerId });
      expect(history.map((f) => f.slotKey).sort()).toEqual(slots);
      expect(history.every((f) => f.status === 'started' && f.cause === 'schedule' && f.runId !== null)).toBe(true);
      await a.service.delete(t.triggerId);
    });

    it('applies the missed-slot policy: skip drops the slots of an outage, catch_up runs each one', async () => {
      const { service, launcher } = stack(backend.database);
      const start = now;
      const skip = await service.create({ pipeline: 'train', kind: 'schedule', config: { cron: '*/10 * * * *' } });
      const catchUp = await service.create({ pipeline: 'prep', kind: 'schedule', config: { cron: '*/10 * * * *', missed: 'catch_up' } });
      const loop = new TriggerLoop({ service, tickMs: 1_000_000 });
      now = start + 65 * 60_000 + 30_000; // down for 65.5 minutes: six slots passed, the last 5.5 min ago
      await loop.tick();
      expect(launcher.started.filter((r) => r.pipeline === 'train')).toEqual([]);
      expect(launcher.started.filter((r) => r.pipeline === 'prep').map((r) => r.trigger.slotKey)).toEqual(
        [10, 20, 30, 40, 50, 60].map((m) => `cron:${new Date(start + m * 60_000).toISOString()}`),
      );
      now = start + 70 * 60_000 + 2_000; // back up: the next slot is on time for both policies
      await loop.tick();
      await loop.tick();
      const latest = `cron:${new Date(start + 70 * 60_000).toISOString()}`;
      expect(launcher.started.filter((r) => r.pipeline === 'train').map((r) => r.trigger.slotKey)).toEqual([latest]);
      expect(launcher.started.filter((r) => r.pipeline === 'prep')).toHaveLength(7);
      const [firing] = await service.history({ triggerId: skip.triggerId });
      expect(firing?.detail).toEqual({ slot: new Date(start + 70 * 60_000).toISOString() });
      await service.delete(skip.triggerId);
      await service.delete(catchUp.triggerId);
    });

    it('fires a data trigger once per change of the watched folder, whichever server sees it', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-data-trigger-'));
      try {
        const a = stack(backend.database);
        const b = stack(peer.database);
        const t = await a.service.create({ pipeline: 'train', kind: 'data', config: { uri: dir, pollSeconds: 1 } });
        const loops = [new TriggerLoop({ service: a.service }), new TriggerLoop({ service: b.service })];
        const tickBoth = async () => {
          now += 1000;
          await Promise.all(loops.map((l) => l.tick()));
        };
        const fired = () => [...a.launcher.started, ...b.launcher.started].filter((r) => r.trigger.triggerId === t.triggerId);
        await tickBoth(); // baseline
        expect(fired()).toEqual([]);
        fs.writeFileSync(path.join(dir, 'part-0.csv'), 'a,b\n1,2\n');
        await tickBoth();
        await tickBoth();
        expect(fired().map((r) => r.trigger.slotKey)).toEqual(['data:2']);
        fs.mkdirSync(path.join(dir, 'day=2'));
        fs.writeFileSync(path.join(dir, 'day=2', 'part-1.csv'), 'a,b\n3,4\n');
        await tickBoth();
        await tickBoth();
        expect(fired().map((r) => r.trigger.slotKey).sort()).toEqual(['data:2', 'data:3']);
        const [latest] = await a.service.history({ triggerId: t.triggerId });
        expect(latest?.cause).toBe('data');
        expect(latest?.detail).toMatchObject({ uri: dir, change: 3 });
        await a.service.delete(t.triggerId);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('fires upstream triggers once per upstream run and only for the chosen statuses', async () => {
      const a = stack(backend.database);
      const b = stack(peer.database);
      const t = await a.service.create({ pipeline: 'train', kind: 'upstream', config: { pipeline: 'prep' }, params: { fresh: true } });
      const done = { runId: 'r-prep-1', pipeline: 'prep', status: 'succeeded' as const };
      const outcomes = (await Promise.all([a.service.onRunFinished(done), b.service.onRunFinished(done)])).flat();
      expect(outcomes.filter((o) => o.fired)).toHaveLength(1);
      await a.service.onRunFinished({ runId: 'r-prep-2', pipeline: 'prep', status: 'failed' });
      await a.service.onRunFinished({ runId: 'r-other', pipeline: 'other', status: 'succeeded' });
      const started = [...a.launcher.started, ...b.launcher.started].filter((r) => r.trigger.triggerId === t.triggerId);
      expect(started).toEqual([{ pipeline: 'train', params: { fresh: true }, trigger: { triggerId: t.triggerId, cause: 'upstream', slotKey: 'upstream:r-prep-1' } }]);
      await a.service.delete(t.triggerId);
    });

    it('fires event triggers by type, once per event id, and records failed starts', async () => {
      const { service, launcher } = stack(backend.database);
      const drift = await service.create({ pipeline: 'train', kind: 'event', config: { eventType: 'monitor.drift' }, params: { reason: 'drift' } });
      const any = await service.create({ pipeline: 'prep', kind: 'event', config: {} });
      const first = await service.fireEvent('monitor.drift', { feature: 'age', psi: 0.4 }, { eventId: 'alert-7' });
      expect(first.map((o) => o.fired)).toEqual([true, true]);
      expect((await service.fireEvent('monitor.drift', {}, { eventId: 'alert-7' })).map((o) => o.fired)).toEqual([false, false]);
      expect((await service.fireEvent('monitor.latency', {})).length).toBe(1);
      expect(await code(service.fireEvent('bad type!', {}))).toBe('INVALID_ARGUMENT:');
      const byKey = await Promise.all([service.fire(drift.triggerId, { idempotencyKey: 'k1', params: { lr: 1 } }), service.fire(drift.triggerId, { idempotencyKey: 'k1', params: { lr: 1 } })]);
      expect(byKey.filter((o) => o.fired)).toHaveLength(1);
      expect(launcher.started.find((r) => r.trigger.slotKey === 'http:k1')?.params).toEqual({ reason: 'drift', lr: 1 });
      launcher.failNext = 'pipeline has no steps';
      const failed = await service.fire(drift.triggerId);
      expect(failed.fired && failed.firing.status).toBe('failed');
      expect(failed.fired && failed.firing.error).toBe('pipeline has no steps');
      const history = await service.history({ triggerId: drift.triggerId });
      expect(history.map((f) => f.cause).sort()).toEqual(['event', 'http', 'http']);
      expect(history.find((f) => f.cause === 'event')?.detail).toEqual({ eventType: 'monitor.drift', eventId: 'alert-7', payload: { feature: 'age', psi: 0.4 } });
      await service.delete(drift.triggerId);
      await service.delete(any.triggerId);
    });
  });
}
