import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { IRIS } from '../fixtures/serving/iris-packages.js';
import { registerIrisOnnx } from './serving-registry.js';

/** Deployments live in the store: a restarted server serves the same revision without being told. */
describe('serving: deployments survive a restart', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-serving-restart-'));
  let server: RunningServer | undefined;
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads every stored deployment at start, with its traffic and history', async () => {
    const config = loadConfig({ dataDir: dir, port: 0, logLevel: 'silent' });
    server = await startServer(config);
    await registerIrisOnnx(server.services, 'iris', 2);
    const spec = { name: 'iris', variants: [{ name: 'a', model: 'iris/1' }, { name: 'b', model: 'iris/2', role: 'canary', percent: 50 }], stickyKey: 'x-user' };
    const created = await fetch(`${server.url}/api/v1/deployments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
    expect(created.status).toBe(200);
    await server.close();

    server = await startServer(config);
    expect(server.services.serving.manager.status('iris')).toMatchObject({ state: 'ready', servingRevision: 1 });
    const body = JSON.stringify({ dataframe_split: { columns: IRIS.features, data: [IRIS.rows[0]] } });
    const variants = new Set<string>();
    for (const user of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8']) {
      const res = await fetch(`${server.url}/deployments/iris/invocations`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-user': user }, body });
      expect(res.status).toBe(200);
      variants.add(res.headers.get('x-ascent-variant')!);
      // Sticky: the same user gets the same variant again after the restart too.
      const again = await fetch(`${server.url}/deployments/iris/invocations`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-user': user }, body });
      expect(again.headers.get('x-ascent-variant')).toBe(res.headers.get('x-ascent-variant'));
    }
    expect(variants).toEqual(new Set(['a', 'b']));
  }, 120_000);

  it('an http variant forwards to an external Open Inference Protocol server (here: this server itself)', async () => {
    const res = await fetch(`${server!.url}/api/v1/deployments`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'proxy', variants: [{ name: 'remote', model: 'iris/1', runtime: 'http', http: { url: server!.url, protocol: 'oip', model: 'iris' } }] }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { status: { state: string } }).status.state).toBe('ready');
    const rows = IRIS.rows.slice(48, 53);
    const direct = await fetch(`${server!.url}/v2/models/proxy/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ name: 'float_input', shape: [rows.length, 4], datatype: 'FP32', data: rows }], outputs: [{ name: 'label' }] }) });
    expect(direct.status, await direct.clone().text()).toBe(200);
    expect(((await direct.json()) as { outputs: { data: number[] }[] }).outputs[0]!.data).toEqual(IRIS.labels.slice(48, 53));
  }, 120_000);
});
