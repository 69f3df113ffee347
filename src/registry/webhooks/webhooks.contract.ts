import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AscentError } from '../../core/errors.js';
import type { SqlDatabase } from '../../storage/sql/sql-database.js';
import { LoggedModelService } from '../../tracking/logged-model-service.js';
import { TrackingService } from '../../tracking/service.js';
import { SqlTrackingStore } from '../../tracking/sql-store.js';
import { ReleaseService } from '../releases.js';
import { RegistryService } from '../service.js';
import { SqlRegistryStore } from '../sql-store.js';
import { WebhookDispatcher, type WebhookDispatcherOptions } from './dispatcher.js';
import { notifyAfterCommit } from './notify-after-commit.js';
import { WebhookService } from './service.js';
import { SqlWebhookStore } from './sql-store.js';
import { WebhookSender } from './webhook-sender.js';
import { REPO_ROOT, docsTypeScriptVerifier, startReceiver, waitFor, type Receiver, type Received, type Verifier } from './webhook-test-kit.contract.js';

/** A database for the suite, and how a second server would reach the same one. */
export interface WebhookContractBackend {
  database: SqlDatabase;
  /** The database URL, for a separate process. */
  url: string;
  /** Another handle on the same database, as a second server holds one. */
  openPeer(): Promise<{ database: SqlDatabase; close(): Promise<void> }>;
  cleanup(): Promise<void>;
}

/**
 * Webhook delivery against real receivers (node:http on 127.0.0.1) and a real database: signing,
 * ordering, retries, restarts, crashes, several dispatchers, the SSRF guard and filters.
 */
export function runWebhookContract(name: string, open: () => Promise<WebhookContractBackend>): void {
  describe(`webhook contract: ${name}`, () => {
    let backend: WebhookContractBackend;
    let registry: RegistryService;
    let releases: ReleaseService;
    let webhooks: WebhookService;
    let verify: Verifier;
    const sender = new WebhookSender({ version: '0.0.0-test', timeoutMs: 5_000 });
    const dispatchers: WebhookDispatcher[] = [];
    const closers: (() => Promise<void>)[] = [];
    const errors: unknown[] = [];
    const ada = { user: 'ada' };

    beforeAll(async () => {
      backend = await open();
      const tracking = new TrackingService({ store: new SqlTrackingStore(backend.database) });
      await tracking.init();
      const store = notifyAfterCommit(new SqlRegistryStore(backend.database), () => dispatchers.forEach((d) => d.kick()));
      registry = new RegistryService({ store, tracking, loggedModels: new LoggedModelService(tracking) });
      releases = new ReleaseService(registry);
      webhooks = new WebhookService({ store: new SqlWebhookStore(backend.database), sender, onQueued: () => dispatchers.forEach((d) => d.kick()) });
      verify = await docsTypeScriptVerifier();
    });
    afterEach(async () => {
      await Promise.all(dispatchers.splice(0).map((d) => d.stop({ graceMs: 0 })));
      for (const w of await webhooks.list()) await webhooks.delete(w.webhookId, ada);
      for (const close of closers.splice(0).reverse()) await close();
      expect(errors.splice(0)).toEqual([]);
    });
    afterAll(async () => backend?.cleanup());

    const receiver = async (answer?: Parameters<typeof startReceiver>[0]): Promise<Receiver> => {
      const r = await startReceiver(answer);
      closers.push(r.close);
      return r;
    };
    /** A started dispatcher with test-sized timings (20 ms polls and backoff base). */
    const dispatcher = (options: Partial<WebhookDispatcherOptions> & { database?: SqlDatabase } = {}): WebhookDispatcher => {
      const { database = backend.database, ...rest } = options;
      const d = new WebhookDispatcher({ store: new SqlWebhookStore(database), sender, pollIntervalMs: 20, backoffBaseMs: 20, backoffMaxMs: 200, leaseMs: 10_000, onError: (e) => errors.push(e), ...rest });
      d.start();
      dispatchers.push(d);
      return d;
    };
    const peer = async (): Promise<SqlDatabase> => {
      const p = await backend.openPeer();
      closers.unshift(p.close); // closed after the receivers, and after the dispatchers have stopped
      return p.database;
    };
    const code = async (p: Promise<unknown>): Promise<string> => p.then(() => 'NO_ERROR', (err: AscentError) => err.code);
    const hook = (input: Record<string, unknown>) => webhooks.create({ name: 'test', events: ['*'], allowPrivate: true, ...input }, ada);
    const seqsOf = async (model: string, types?: string[]) => (await registry.history({ name: model })).filter((e) => !types || types.includes(e.type)).map((e) => e.seq);
    const acceptedSeqs = (rx: Receiver, model: string) => rx.accepted.filter((r) => r.body.model?.name === model).map((r) => r.body.seq);
    const allDelivered = async (webhookId: string, count: number) => {
      const log = await webhooks.deliveries(webhookId, { limit: 1000 });
      return log.length === count && log.every((d) => d.status === 'delivered') ? log : undefined;
    };
    /** Model created, then `versions` versions: 1 + versions events. */
    const modelWithVersions = async (model: string, versions: number) => {
      await registry.createModel({ name: model }, ada);
      for (let i = 1; i <= versions; i++) await registry.createVersion({ name: model, source: `s3://bucket/${model}/${i}` }, ada);
    };

    it('(a) delivers signed events that verify with the recipe of docs/webhooks.md; the secret is shown once', async () => {
      const rx = await receiver(() => 204);
      const created = await hook({ url: rx.url, modelName: 'signed' });
      expect(created.secret).toMatch(/^[0-9a-f]{64}$/);
      expect(await webhooks.get(created.webhookId)).not.toHaveProperty('secret');
      expect((await webhooks.list()).find((w) => w.webhookId === created.webhookId)).not.toHaveProperty('secret');
      dispatcher();
      await registry.createModel({ name: 'signed' }, ada);
      await registry.createVersion({ name: 'signed', source: 's3://b/1' }, ada);
      await releases.setAlias('signed', 'champion', '1', { user: 'ada', reason: 'ship it' });
      const seqs = await seqsOf('signed');
      await waitFor('3 deliveries', () => rx.accepted.length >= 3);
      expect(rx.accepted.map((r) => r.body.id)).toEqual(seqs.map((s) => `${created.webhookId}:${s}`));
      const check = (r: Received) => {
        expect(verify(created.secret, r.raw, r.headers)).toBe(true);
        expect(verify('0'.repeat(64), r.raw, r.headers)).toBe(false);
        expect(verify(created.secret, `${r.raw} `, r.headers)).toBe(false);
        expect(r.headers['content-type']).toBe('application/json');
        expect(r.headers['user-agent']).toBe('Ascent-Webhooks/0.0.0-test');
        expect(r.headers['x-ascent-event']).toBe(r.body.type);
        expect(r.headers['x-ascent-delivery']).toBe(r.body.id);
      };
      rx.accepted.forEach(check);
      expect(rx.accepted.map((r) => r.body.type)).toEqual(['model.created', 'version.created', 'alias.set']);
      const model = await registry.getModel('signed');
      expect(rx.accepted[2]!.body).toMatchObject({ seq: seqs[2], model: { id: model.modelId, name: 'signed' }, version: '1', alias: 'champion', fromVersion: null, toVersion: '1', actor: 'ada', reason: 'ship it' });
      const log = await waitFor('the log to show 3 delivered', () => allDelivered(created.webhookId, 3));
      expect(log.map((d) => [d.seq, d.attempts, d.lastStatusCode, d.attemptLog.map((a) => a.outcome)])).toEqual([...seqs].reverse().map((s) => [s, 1, 204, ['delivered']]));

      const ping = await webhooks.test(created.webhookId, ada);
      expect(ping).toMatchObject({ ok: true, statusCode: 204, error: null });
      expect(rx.requests.at(-1)!.body).toMatchObject({ type: 'ping', seq: 0, model: null, actor: 'ada' });
      check(rx.requests.at(-1)!);

      const own = await hook({ url: rx.url, modelName: 'nobody', secret: 'my-own-secret-of-some-length' });
      expect(own.secret).toBe('my-own-secret-of-some-length');
      await webhooks.test(own.webhookId, ada);
      expect(verify('my-own-secret-of-some-length', rx.requests.at(-1)!.raw, rx.requests.at(-1)!.headers)).toBe(true);
    });

    it('(b) retries a failing receiver with backoff; it gets every event in order per model, and the log shows the failures', async () => {
      let failures = 3;
      const rx = await receiver(() => (failures-- > 0 ? 503 : 200));
      const created = await hook({ url: rx.url });
      dispatcher();
      await registry.createModel({ name: 'flaky-a' }, ada);
      await registry.createModel({ name: 'flaky-b' }, ada);
      for (let i = 1; i <= 3; i++) {
        await registry.createVersion({ name: 'flaky-a', source: `s3://b/a${i}` }, ada);
        await registry.createVersion({ name: 'flaky-b', source: `s3://b/b${i}` }, ada);
      }
      await releases.setAlias('flaky-a', 'champion', '2', ada);
      const [a, b] = [await seqsOf('flaky-a'), await seqsOf('flaky-b')];
      const log = await waitFor('all 9 delivered', () => allDelivered(created.webhookId, a.length + b.length));
      expect(acceptedSeqs(rx, 'flaky-a')).toEqual(a);
      expect(acceptedSeqs(rx, 'flaky-b')).toEqual(b);
      expect(rx.accepted).toHaveLength(9);
      expect(rx.requests).toHaveLength(12);
      expect(rx.modelOverlaps).toEqual([]);
      const failed = log.flatMap((d) => d.attemptLog.filter((x) => x.outcome !== 'delivered'));
      expect(failed).toHaveLength(3);
      for (const f of failed) expect(f).toMatchObject({ outcome: 'retrying', statusCode: 503, error: 'HTTP 503: receiver says no (503)' });
      for (const d of log) expect(d.attempts).toBe(d.attemptLog.length);
    });

    it('(b) gives up after maxAttempts, records it, lets later events of the model proceed, and redelivers on request', async () => {
      let healed = false;
      const rx = await receiver((r) => (r.body.type === 'version.created' && !healed ? 500 : 200));
      const created = await hook({ url: rx.url, modelName: 'poison' });
      dispatcher({ maxAttempts: 3 });
      await modelWithVersions('poison', 1);
      await releases.setAlias('poison', 'champion', '1', ada);
      const [, versionSeq] = await seqsOf('poison');
      await waitFor('the alias event after the poisoned one', () => rx.accepted.some((r) => r.body.type === 'alias.set'));
      expect(rx.accepted.map((r) => r.body.type)).toEqual(['model.created', 'alias.set']);
      const [poisoned] = (await webhooks.deliveries(created.webhookId)).filter((d) => d.seq === versionSeq);
      expect(poisoned).toMatchObject({ status: 'failed', attempts: 3, lastStatusCode: 500 });
      expect(poisoned!.attemptLog.map((x) => x.outcome)).toEqual(['retrying', 'retrying', 'failed']);
      expect(poisoned!.lastError).toMatch(/giving up after 3 attempts/);

      expect(await code(webhooks.redeliver(created.webhookId, 999_999))).toBe('NOT_FOUND');
      healed = true;
      const queued = await webhooks.redeliver(created.webhookId, versionSeq!);
      expect(queued).toMatchObject({ seq: versionSeq, attempts: 0 });
      await waitFor('the redelivery', () => rx.accepted.some((r) => r.body.seq === versionSeq));
      const [again] = (await waitFor('delivered', () => allDelivered(created.webhookId, 3))).filter((d) => d.seq === versionSeq);
      expect(again!.attemptLog.map((x) => x.outcome)).toEqual(['retrying', 'retrying', 'failed', 'delivered']);
    });

    it('(c) stop() lets an in-flight delivery finish', async () => {
      const rx = await receiver(() => new Promise((resolve) => setTimeout(() => resolve(200), 150)));
      const created = await hook({ url: rx.url, modelName: 'graceful' });
      const d = dispatcher();
      await registry.createModel({ name: 'graceful' }, ada);
      await waitFor('the request to arrive', () => rx.requests.length === 1);
      await d.stop();
      const [delivery] = await webhooks.deliveries(created.webhookId);
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 1 });
      expect(rx.accepted).toHaveLength(1);
    });

    it('(c) restart mid-delivery: a new dispatcher sends everything, the interrupted event again, in order', async () => {
      const rx = await receiver((_r, index) => (index === 0 ? 'hang' : 200));
      const created = await hook({ url: rx.url, modelName: 'restart' });
      const first = dispatcher({ database: await peer() });
      await modelWithVersions('restart', 2);
      const seqs = await seqsOf('restart');
      await waitFor('the first request to hang', () => rx.requests.length === 1);
      await first.stop({ graceMs: 50 });
      expect(rx.requests).toHaveLength(1); // later events of the model waited behind the hanging one

      dispatcher({ database: await peer() });
      await waitFor('3 accepted', () => rx.accepted.length === 3);
      const ids = seqs.map((s) => `${created.webhookId}:${s}`);
      expect([...new Set(rx.requests.map((r) => r.id))]).toEqual(ids);
      expect(rx.accepted.map((r) => r.id)).toEqual(ids);
      expect(rx.requests.filter((r) => r.id === ids[0])).toHaveLength(2);
      const log = await waitFor('delivered', () => allDelivered(created.webhookId, 3));
      expect(log.at(-1)!.attemptLog.map((x) => x.outcome)).toEqual(['interrupted', 'delivered']);
    });

    it('(c) crash mid-delivery (kill -9): the lease runs out and another dispatcher sends the event again', async () => {
      const rx = await receiver((_r, index) => (index === 0 ? 'hang' : 200));
      const created = await hook({ url: rx.url, modelName: 'crash' });
      const child = spawnDispatcher(backend.url);
      try {
        await modelWithVersions('crash', 2);
        // Generous: the child compiles the dispatcher with tsx before it starts, slow on a loaded machine.
        await waitFor('the child to send the first event', () => rx.requests.length >= 1, 90_000);
      } finally {
        child.kill('SIGKILL');
      }
      dispatcher();
      await waitFor('3 accepted', () => rx.accepted.length === 3);
      const ids = (await seqsOf('crash')).map((s) => `${created.webhookId}:${s}`);
      expect(rx.accepted.map((r) => r.id)).toEqual(ids);
      expect(rx.requests.map((r) => r.id)).toEqual([ids[0], ...ids]);
      const log = await waitFor('delivered', () => allDelivered(created.webhookId, 3));
      expect(log.at(-1)!.attemptLog.map((x) => x.outcome)).toEqual(['delivered']); // the crashed attempt left no trace but its lease
    }, 150_000);

    it('(d) two dispatchers on one database deliver a burst of 50 events once each, never concurrently, in order per model', async () => {
      const rx = await receiver(() => new Promise((resolve) => setTimeout(() => resolve(200), Math.random() * 10)));
      const created = await hook({ url: rx.url });
      const models = ['burst-0', 'burst-1', 'burst-2', 'burst-3', 'burst-4'];
      await Promise.all(models.map((m) => modelWithVersions(m, 9)));
      // The whole backlog is queued before either dispatcher starts: they compete for every row.
      const peerDatabase = await peer();
      dispatcher({ concurrency: 4 });
      dispatcher({ concurrency: 4, database: peerDatabase });
      await waitFor('50 delivered', () => allDelivered(created.webhookId, 50));
      expect(rx.concurrentDuplicates).toEqual([]);
      expect(rx.modelOverlaps).toEqual([]);
      expect(rx.requests).toHaveLength(50);
      expect(new Set(rx.requests.map((r) => r.id)).size).toBe(50);
      for (const m of models) expect(acceptedSeqs(rx, m)).toEqual(await seqsOf(m));
    });

    it('(e) refuses private and loopback addresses unless allowPrivate, at create time and after DNS at delivery', async () => {
      for (const url of ['http://127.0.0.1:9/x', 'http://[::1]/x', 'http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/', 'http://[::ffff:127.0.0.1]/', 'http://0.0.0.0/', 'http://[fd00::1]/']) {
        const err = await webhooks.create({ name: 'ssrf', url, events: ['*'] }, ada).then(() => null, (e: AscentError) => e);
        expect([url, err?.code, err?.field]).toEqual([url, 'INVALID_ARGUMENT', 'url']);
      }
      expect(await code(webhooks.create({ name: 'ssrf', url: 'ftp://example.com/', events: ['*'] }, ada))).toBe('INVALID_ARGUMENT');
      expect(await code(webhooks.create({ name: 'ssrf', url: 'http://user:pw@example.com/', events: ['*'] }, ada))).toBe('INVALID_ARGUMENT');

      const rx = await receiver();
      // A name is not refused at create time: it may resolve anywhere by the time events flow.
      const byName = await webhooks.create({ name: 'ssrf', url: `http://localhost:${rx.port}/hook`, events: ['*'], modelName: 'ssrf' }, ada);
      expect(await code(webhooks.update(byName.webhookId, { url: rx.url }, ada))).toBe('INVALID_ARGUMENT');
      dispatcher({ maxAttempts: 2 });
      await registry.createModel({ name: 'ssrf' }, ada);
      const refused = await waitFor('the delivery to fail', async () => (await webhooks.deliveries(byName.webhookId)).find((d) => d.status === 'failed'));
      expect(refused.attemptLog.map((a) => a.outcome)).toEqual(['retrying', 'failed']);
      for (const a of refused.attemptLog) expect(a).toMatchObject({ statusCode: null, error: expect.stringMatching(/^refused: localhost resolves to \S+, a loopback address/) });
      expect(await webhooks.test(byName.webhookId, ada)).toMatchObject({ ok: false, statusCode: null, error: expect.stringMatching(/^refused/) });
      expect(rx.requests).toHaveLength(0);

      await webhooks.update(byName.webhookId, { allowPrivate: true }, ada);
      await webhooks.redeliver(byName.webhookId, refused.seq);
      await waitFor('delivery once private addresses are allowed', () => rx.accepted.length === 1);
    });

    it('(f) filters: a webhook for alias.* on one model gets only that model’s alias events', async () => {
      const [rxAlias, rxAll] = [await receiver(), await receiver()];
      const aliasHook = await hook({ url: rxAlias.url, events: ['alias.*'], modelName: 'filter-a' });
      const allHook = await hook({ url: rxAll.url, events: ['*'] });
      dispatcher();
      for (const m of ['filter-a', 'filter-b']) {
        await modelWithVersions(m, 2);
        await releases.setAlias(m, 'champion', '1', ada);
        await releases.setAlias(m, 'champion', '2', ada);
        await registry.setModelTag(m, 'team', 'growth', ada);
        await releases.deleteAlias(m, 'champion', ada);
      }
      const [a, b] = [await seqsOf('filter-a'), await seqsOf('filter-b')];
      await waitFor('the catch-all webhook to get everything', () => allDelivered(allHook.webhookId, a.length + b.length));
      const aliasSeqs = await seqsOf('filter-a', ['alias.set', 'alias.deleted']);
      const log = await waitFor('alias deliveries', () => allDelivered(aliasHook.webhookId, aliasSeqs.length));
      expect(log.map((d) => d.seq).reverse()).toEqual(aliasSeqs);
      expect(rxAlias.accepted.map((r) => [r.body.model?.name, r.body.type, r.body.toVersion])).toEqual([
        ['filter-a', 'alias.set', '1'],
        ['filter-a', 'alias.set', '2'],
        ['filter-a', 'alias.deleted', null],
      ]);
    });

    it('manages webhooks: validation, updates, deactivation, rotation and deletion', async () => {
      const rx = await receiver();
      const bad = await webhooks.create({ name: 'x', url: rx.url, events: ['alias.set', 'nope.*'], allowPrivate: true }, ada).then(() => null, (e: AscentError) => e);
      expect([bad?.code, bad?.field]).toEqual(['INVALID_ARGUMENT', 'events.1']);
      expect(await code(hook({ url: rx.url, events: [] }))).toBe('INVALID_ARGUMENT');
      expect(await code(hook({ url: rx.url, secret: 'short' }))).toBe('INVALID_ARGUMENT');
      const created = await hook({ url: rx.url, events: ['version.*', 'version.*'], modelName: 'managed' });
      expect(created).toMatchObject({ events: ['version.*'], createdBy: 'ada', active: true, allowPrivate: true });

      await registry.createModel({ name: 'managed' }, ada);
      expect(await webhooks.deliveries(created.webhookId)).toEqual([]); // model.created is not version.*
      await registry.createVersion({ name: 'managed', source: 's3://b/1' }, ada);
      const [queued] = await webhooks.deliveries(created.webhookId);
      expect(queued).toMatchObject({ status: 'pending', attempts: 0, event: { type: 'version.created' } });
      expect(await code(webhooks.redeliver(created.webhookId, queued!.seq))).toBe('INVALID_STATE');

      const off = await webhooks.update(created.webhookId, { active: false, events: ['*'], name: 'renamed' }, ada);
      expect(off).toMatchObject({ active: false, events: ['*'], name: 'renamed' });
      expect(off).not.toHaveProperty('secret');
      await registry.createVersion({ name: 'managed', source: 's3://b/2' }, ada);
      expect(await webhooks.deliveries(created.webhookId)).toHaveLength(1); // inactive: nothing new queued
      dispatcher();
      await registry.setModelTag('managed', 'k', 'v', ada);
      expect(rx.requests).toHaveLength(0); // inactive: the queued one waits too
      await webhooks.update(created.webhookId, { active: true }, ada);
      await waitFor('the queued event once active again', () => rx.accepted.length === 1);

      const rotated = await webhooks.update(created.webhookId, { rotateSecret: true }, ada);
      expect(rotated.secret).toMatch(/^[0-9a-f]{64}$/);
      expect(rotated.secret).not.toBe(created.secret);
      await webhooks.test(created.webhookId, ada);
      expect(verify(rotated.secret!, rx.requests.at(-1)!.raw, rx.requests.at(-1)!.headers)).toBe(true);

      await webhooks.delete(created.webhookId, ada);
      expect(await code(webhooks.get(created.webhookId))).toBe('NOT_FOUND');
      expect(await code(webhooks.delete(created.webhookId, ada))).toBe('NOT_FOUND');
      expect(await code(webhooks.deliveries(created.webhookId))).toBe('NOT_FOUND');
    });
  });
}

/**
 * A dispatcher in a separate process (tsx), with a short lease, to be killed with SIGKILL: the real
 * crash, no clean-up code runs.
 */
function spawnDispatcher(url: string) {
  const mod = (p: string) => JSON.stringify(pathToFileURL(path.join(REPO_ROOT, p)).href);
  const code = `
    const { openSqlDatabase } = await import(${mod('src/storage/sql/sql-database.ts')});
    const { SqlWebhookStore } = await import(${mod('src/registry/webhooks/sql-store.ts')});
    const { WebhookSender } = await import(${mod('src/registry/webhooks/webhook-sender.ts')});
    const { WebhookDispatcher } = await import(${mod('src/registry/webhooks/dispatcher.ts')});
    const database = await openSqlDatabase({ url: ${JSON.stringify(url)} });
    new WebhookDispatcher({ store: new SqlWebhookStore(database), sender: new WebhookSender({ version: 'child' }), pollIntervalMs: 20, leaseMs: 1_000 }).start();
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
  return child;
}
