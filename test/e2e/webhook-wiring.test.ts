import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { startReceiver, waitFor, type Receiver } from '../../src/registry/webhooks/webhook-test-kit.contract.js';

/**
 * The composed server delivers registry events to webhooks: a webhook created over the native API,
 * a model and alias moved over the MLflow API, the receiver gets both events in order.
 */
describe('webhooks wired into the server', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-wh-e2e-'));
  let server: RunningServer;
  let receiver: Receiver;

  beforeAll(async () => {
    server = await startServer(loadConfig({ dataDir: dir, port: 0, logLevel: 'silent' }));
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('delivers events written through any API surface', async () => {
    const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${server.url}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const hook = await post('/api/v1/webhooks', { name: 'ci', url: `${receiver.url}/hook`, events: ['model.created', 'alias.*'], allowPrivate: true }, { 'x-ascent-user': 'ops' });
    expect(hook.status).toBe(200);
    expect((await post('/api/2.0/mlflow/registered-models/create', { name: 'wired' })).status).toBe(200);
    expect((await post('/api/2.0/mlflow/model-versions/create', { name: 'wired', source: 's3://bucket/model' })).status).toBe(200);
    expect((await post('/api/2.0/mlflow/registered-models/alias', { name: 'wired', alias: 'champion', version: '1' })).status).toBe(200);
    await waitFor('two deliveries', () => (receiver.accepted.length >= 2 ? true : undefined));
    expect(receiver.accepted.map((r) => r.body.type)).toEqual(['model.created', 'alias.set']);
    expect(receiver.accepted[1]!.headers['x-ascent-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });
});
