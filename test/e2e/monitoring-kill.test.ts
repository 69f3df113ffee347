import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import type { MonitorWindow } from '../../src/monitoring/model.js';
import { createServices } from '../../src/server.js';
import { IRIS } from '../fixtures/serving/iris-packages.js';
import { startAscentProcess, type AscentProcess } from '../support/ascent-process.js';
import { registerIrisOnnx } from './serving-registry.js';

/**
 * Open monitoring windows survive `kill -9`: a real server process serves predictions of a
 * monitored deployment and is killed; after the restart the windows count exactly the predictions
 * that were acknowledged (and folded), whether the last checkpoint held none, some or all of them:
 * the checkpoint records the inference-log position it covers and the rest is folded again from the
 * stored log, never twice.
 */
describe('monitoring windows under kill -9', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-monitor-kill-'));
  const servers: AscentProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const body = JSON.stringify({ dataframe_split: { columns: IRIS.features, data: [IRIS.rows[0]] } });
  /** Send predictions from 3 clients until `n` were acknowledged; returns how many were. */
  const predict = async (url: string, n: number) => {
    let acked = 0;
    let sent = 0;
    const client = async () => {
      while (sent < n) {
        sent++;
        const res = await fetch(`${url}/deployments/iris/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        if (res.status === 200) acked++;
        await res.arrayBuffer();
      }
    };
    await Promise.all([client(), client(), client()]);
    return acked;
  };
  const rowsIn = (windows: MonitorWindow[]) => windows.reduce((sum, w) => sum + w.sketch.rows, 0);
  let last = '';
  const liveRows = async (url: string) => {
    const rows = rowsIn(((await (await fetch(`${url}/api/v1/monitors/iris/windows`)).json()) as { items: MonitorWindow[] }).items);
    last = `live rows ${rows}`;
    return rows;
  };
  /** Rows of the windows as stored in the database (what a checkpoint wrote). */
  const storedRows = () => {
    const db = new BetterSqlite3(path.join(dataDir, 'ascent.db'), { readonly: true });
    try {
      const rows = db.prepare("select document from monitor_windows where deployment = 'iris'").all() as { document: string }[];
      return rows.reduce((sum, r) => sum + (JSON.parse(r.document) as { sketch: { rows: number } }).sketch.rows, 0);
    } finally {
      db.close();
    }
  };
  const waitUntil = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${last})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('counts every acknowledged prediction once after restarts, with and without a checkpoint', async () => {
    // The model, registered in the server's data directory before it starts.
    const made = await createServices(loadConfig({ dataDir, logLevel: 'silent' }));
    await registerIrisOnnx(made.services, 'iris', 1);
    await made.close();

    // No periodic checkpoint in the first life: everything comes back from the stored log.
    const first = await startAscentProcess({ dataDir, env: { ASCENT_MONITOR_CHECKPOINT_MS: '3600000' } });
    servers.push(first);
    const put = (url: string, route: string, json: unknown) => fetch(`${url}${route}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
    const post = (url: string, route: string, json: unknown) => fetch(`${url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
    expect((await post(first.url, '/api/v1/deployments', { name: 'iris', variants: [{ name: 'a', model: 'iris/1' }] })).status).toBe(200);
    // One-day windows: every prediction of the test falls in one or two of them.
    expect((await put(first.url, '/api/v1/monitors/iris', { windowSeconds: 86_400 })).status).toBe(200);
    await waitUntil('deployment ready', async () => (await fetch(`${first.url}/deployments/iris/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status === 200);
    let acked = 1 + (await predict(first.url, 300));
    await waitUntil('every prediction folded', async () => (await liveRows(first.url)) === acked);
    expect(storedRows()).toBe(0);
    first.proc.kill('SIGKILL');
    await new Promise((r) => first.proc.once('exit', r));

    // Second life checkpoints every 200 ms: after a checkpoint more predictions come, then the kill.
    const second = await startAscentProcess({ dataDir, env: { ASCENT_MONITOR_CHECKPOINT_MS: '200' } });
    servers.push(second);
    await waitUntil('windows recovered from the log', async () => (await liveRows(second.url)) === acked, 20_000).catch((err: Error) => {
      throw new Error(`${err.message}; acked ${acked}; server output:\n${second.output().slice(-3000)}`);
    });
    acked += await predict(second.url, 200);
    await waitUntil('a checkpoint with every prediction', () => storedRows() === acked);
    const checkpointed = acked;
    acked += await predict(second.url, 200);
    await waitUntil('every prediction folded', async () => (await liveRows(second.url)) === acked);
    second.proc.kill('SIGKILL');
    await new Promise((r) => second.proc.once('exit', r));
    expect(storedRows()).toBeGreaterThanOrEqual(checkpointed);

    const third = await startAscentProcess({ dataDir });
    servers.push(third);
    await waitUntil('windows recovered from the checkpoint and the log', async () => (await liveRows(third.url)) >= acked);
    expect(await liveRows(third.url)).toBe(acked);
    // Still exact once the recovered window is checkpointed again by a clean stop.
    await third.stop();
    expect(storedRows()).toBe(acked);
  }, 240_000);
});
