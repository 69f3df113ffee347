import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeErrorBody, toAscentError } from '../error-mapping.js';
import { NativeRouter } from './native-router.js';
import { addWebhookRoutes } from './webhook-routes.js';
import { openSqlDatabase, type SqlDatabase } from '../../storage/sql/sql-database.js';
import { LoggedModelService } from '../../tracking/logged-model-service.js';
import { TrackingService } from '../../tracking/service.js';
import { SqlTrackingStore } from '../../tracking/sql-store.js';
import { RegistryService } from '../../registry/service.js';
import { SqlRegistryStore } from '../../registry/sql-store.js';
import { WebhookService } from '../../registry/webhooks/service.js';
import { SqlWebhookStore } from '../../registry/webhooks/sql-store.js';
import { WebhookSender } from '../../registry/webhooks/webhook-sender.js';
import { startReceiver, type Receiver } from '../../registry/webhooks/webhook-test-kit.contract.js';

// The routes of src/http/native/webhook-routes.ts over a real SQLite file, via app.inject(). (This
// file sits with the webhooks domain because its author owns this folder; it belongs beside the route.)
describe('native API /api/v1/webhooks', () => {
  let app: FastifyInstance;
  let database: SqlDatabase;
  let registry: RegistryService;
  let rx: Receiver;
  let router: NativeRouter;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-webhook-routes-'));

  beforeAll(async () => {
    database = await openSqlDatabase({ url: `sqlite:${path.join(dir, 'ascent.db')}` });
    const tracking = new TrackingService({ store: new SqlTrackingStore(database) });
    await tracking.init();
    registry = new RegistryService({ store: new SqlRegistryStore(database), tracking, loggedModels: new LoggedModelService(tracking) });
    const webhooks = new WebhookService({ store: new SqlWebhookStore(database), sender: new WebhookSender({ version: '1.2.3' }) });
    rx = await startReceiver(() => 202);
    app = Fastify();
    await app.register(
      async (scope) => {
        scope.setErrorHandler((err, _request, reply) => {
          const error = toAscentError(err);
          void reply.status(error.status).send(nativeErrorBody(error));
        });
        router = new NativeRouter(scope, '/api/v1');
        addWebhookRoutes(router, { webhooks });
      },
      { prefix: '/api/v1' },
    );
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await rx.close();
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, user?: string) => {
    const res = await app.inject({ method, url: `/api/v1${url}`, ...(body === undefined ? {} : { payload: body as object }), ...(user ? { headers: { 'x-ascent-user': user } } : {}) });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies of many shapes
    return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, any> };
  };

  it('creates, reads, updates, tests, redelivers and deletes a webhook', async () => {
    const created = await call('POST', '/webhooks', { name: 'bot', url: rx.url, events: ['version.*'], modelName: 'routed', allowPrivate: true }, 'grace');
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: 'bot', events: ['version.*'], modelName: 'routed', createdBy: 'grace', active: true });
    expect(created.body.secret).toMatch(/^[0-9a-f]{64}$/);
    const id = created.body.webhookId as string;

    const listed = await call('GET', '/webhooks');
    expect(listed.body.items.map((w: { webhookId: string }) => w.webhookId)).toEqual([id]);
    expect(listed.body.items[0]).not.toHaveProperty('secret');
    expect((await call('GET', `/webhooks/${id}`)).body).not.toHaveProperty('secret');
    expect((await call('POST', '/webhooks', { name: 'anon', url: rx.url, events: ['*'], allowPrivate: true })).body.createdBy).toBe('anonymous');

    const patched = await call('PATCH', `/webhooks/${id}`, { active: false, events: ['*'] });
    expect(patched.body).toMatchObject({ active: false, events: ['*'] });
    expect(patched.body).not.toHaveProperty('secret');
    await call('PATCH', `/webhooks/${id}`, { active: true });

    await registry.createModel({ name: 'routed' }, { user: 'grace' });
    const deliveries = await call('GET', `/webhooks/${id}/deliveries?limit=10`);
    expect(deliveries.status).toBe(200);
    const [queued] = deliveries.body.items as { seq: number; status: string; event: { type: string } }[];
    expect(queued).toMatchObject({ status: 'pending', event: { type: 'model.created' } });
    expect((await call('POST', `/webhooks/${id}/deliveries/${queued!.seq}/redeliver`)).body.error.code).toBe('INVALID_STATE');
    expect((await call('POST', `/webhooks/${id}/deliveries/99999/redeliver`)).status).toBe(404);

    const ping = await call('POST', `/webhooks/${id}/test`, undefined, 'grace');
    expect(ping.body).toMatchObject({ ok: true, statusCode: 202, error: null });
    expect(rx.requests.at(-1)!.headers['user-agent']).toBe('Ascent-Webhooks/1.2.3');
    expect(rx.requests.at(-1)!.body).toMatchObject({ type: 'ping', actor: 'grace' });

    expect((await call('DELETE', `/webhooks/${id}`)).status).toBe(200);
    expect((await call('GET', `/webhooks/${id}`)).body.error.code).toBe('NOT_FOUND');
  });

  it('describes every webhook route in the OpenAPI document', () => {
    const doc = router.openApi({ title: 't', version: '1' }) as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }>> };
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/v1/webhooks',
      '/api/v1/webhooks/{webhookId}',
      '/api/v1/webhooks/{webhookId}/deliveries',
      '/api/v1/webhooks/{webhookId}/deliveries/{seq}/redeliver',
      '/api/v1/webhooks/{webhookId}/test',
    ]);
    expect(Object.keys(doc.paths['/api/v1/webhooks']!.post!.requestBody!.content['application/json']!.schema.properties)).toEqual(['name', 'url', 'events', 'modelName', 'secret', 'allowPrivate', 'active']);
  });

  it('answers bad input with a coded 400 naming the field', async () => {
    const loopback = await call('POST', '/webhooks', { name: 'x', url: 'http://127.0.0.1:8080/', events: ['*'] });
    expect(loopback).toMatchObject({ status: 400, body: { error: { code: 'INVALID_ARGUMENT', field: 'url' } } });
    expect(loopback.body.error.message).toMatch(/loopback/);
    const events = await call('POST', '/webhooks', { name: 'x', url: 'https://example.com/', events: ['alias.sett'] });
    expect(events).toMatchObject({ status: 400, body: { error: { code: 'INVALID_ARGUMENT', field: 'events.0' } } });
    expect((await call('GET', '/webhooks/nope/deliveries?limit=0')).status).toBe(400);
    expect((await call('POST', '/webhooks/nope/deliveries/abc/redeliver')).body.error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'seq' });
  });
});
