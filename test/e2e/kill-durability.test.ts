import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startAscentProcess, type AscentProcess } from '../support/ascent-process.js';

/**
 * Acknowledged writes survive `kill -9`: a real server process ingests log-batch requests from
 * concurrent clients, is killed mid-stream, restarts on the same data directory, and every batch
 * that was answered 200 is there in full.
 */
describe('durability under kill -9', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-kill-'));
  const servers: AscentProcess[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every batch answered 200 and reopens the database cleanly', async () => {
    const first = await startAscentProcess({ dataDir });
    servers.push(first);
    let base = `${first.url}/api/2.0/mlflow`;
    const post = (route: string, body: unknown) => fetch(`${base}/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const exp = (await (await post('experiments/create', { name: 'kill-test' })).json()) as { experiment_id: string };
    const run = (await (await post('runs/create', { experiment_id: exp.experiment_id, start_time: Date.now() })).json()) as { run: { info: { run_id: string } } };
    const runId = run.run.info.run_id;

    const acked: number[] = [];
    let stop = false;
    const client = async (c: number) => {
      for (let b = 0; !stop && b < 100_000; b++) {
        const batchId = c * 1_000_000 + b;
        const metrics = Array.from({ length: 200 }, (_, i) => ({ key: `k${i % 4}`, value: batchId + i, timestamp: batchId, step: batchId * 1000 + i }));
        try {
          const res = await post('runs/log-batch', { run_id: runId, metrics });
          if (res.status === 200) acked.push(batchId);
        } catch {
          return; // connection reset by the kill
        }
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    await new Promise((r) => setTimeout(r, 2000));
    first.proc.kill('SIGKILL');
    stop = true;
    await Promise.all(clients);
    expect(acked.length).toBeGreaterThan(10);

    const second = await startAscentProcess({ dataDir });
    servers.push(second);
    base = `${second.url}/api/2.0/mlflow`;
    const stored = new Set<number>();
    for (const key of ['k0', 'k1', 'k2', 'k3']) {
      let token: string | undefined;
      do {
        const qs = new URLSearchParams({ run_id: runId, metric_key: key, max_results: '25000', ...(token ? { page_token: token } : {}) });
        const page = (await (await fetch(`${base}/metrics/get-history?${qs}`)).json()) as { metrics?: { step: number }[]; next_page_token?: string };
        for (const m of page.metrics ?? []) stored.add(m.step);
        token = page.next_page_token;
      } while (token);
    }
    const missing = acked.flatMap((batchId) => Array.from({ length: 200 }, (_, i) => batchId * 1000 + i)).filter((step) => !stored.has(step));
    expect(missing).toEqual([]);
    await second.stop();

    const db = new BetterSqlite3(path.join(dataDir, 'ascent.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
