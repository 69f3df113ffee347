import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { IRIS, pyfuncPackage, SKIP_PYTHON, VENV_PYTHON } from '../fixtures/serving/iris-packages.js';
import { registerPackageDir } from './serving-registry.js';

/**
 * A deployment served by the python runtime (an MLflow sklearn pyfunc model saved by the real mlflow
 * client) survives its Python process being killed: the runtime restarts it, callers get 503 (never
 * a hang) meanwhile, and the endpoint answers again.
 */
describe.skipIf(SKIP_PYTHON)('serving: a crashed python runtime is restarted and the endpoint recovers', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-serving-py-'));
  let server: RunningServer;

  beforeAll(async () => {
    process.env.ASCENT_PYTHON ??= VENV_PYTHON;
    server = await startServer(loadConfig({ dataDir: dir, port: 0, logLevel: 'silent' }));
    await registerPackageDir(server.services, 'iris-py', await pyfuncPackage());
  }, 240_000);
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const records = IRIS.rows.slice(0, 3).map((r) => Object.fromEntries(IRIS.features.map((f, j) => [f, r[j]])));
  const invoke = () => fetch(`${server.url}/deployments/py/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dataframe_records: records }) });

  it('restarts the killed process; the endpoint answers again', async () => {
    const created = await fetch(`${server.url}/api/v1/deployments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'py', variants: [{ name: 'main', model: 'iris-py/1' }] }) });
    expect(created.status, await created.clone().text()).toBe(200);
    expect(((await created.json()) as { status: { state: string } }).status.state).toBe('ready');
    const first = await invoke();
    expect(first.status).toBe(200);
    const expected = ((await first.json()) as { predictions: unknown[] }).predictions;
    expect(expected).toHaveLength(3);

    const model = server.services.serving.manager.metadata('py').variant.served.model as unknown as { inner: { pid?: number } };
    const pid = model.inner.pid!;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');

    // While it restarts callers get a prompt 503 (or, if the restart already finished, the answer).
    const statuses = new Set<number>();
    await expect.poll(async () => {
      const res = await invoke();
      statuses.add(res.status);
      return res.status;
    }, { timeout: 90_000, interval: 250 }).toBe(200);
    expect([...statuses].every((s) => s === 200 || s === 503)).toBe(true);
    expect(model.inner.pid).not.toBe(pid);
    const again = (await (await invoke()).json()) as { predictions: unknown[] };
    expect(again.predictions).toEqual(expected);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('ascent_model_ready{deployment="py",variant="main",model="iris-py",version="1"} 1');
  }, 180_000);
});
