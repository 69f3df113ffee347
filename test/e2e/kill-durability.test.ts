import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Acknowledged writes survive `kill -9`: a real server process ingests log-batch requests from
 * concurrent clients, is killed mid-stream, restarts on the same data directory, and every batch
 * that was answered 200 is there in full.
 */
const repo = path.resolve(import.meta.dirname, '../..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function start(dataDir: string, port: number): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'src/cli/main.ts'), 'server', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'], {
    cwd: repo,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return proc;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become healthy');
}

describe('durability under kill -9', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-kill-'));
  const procs: ChildProcess[] = [];
  afterAll(() => {
    for (const p of procs) p.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every batch answered 200 and reopens the database cleanly', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}/api/2.0/mlflow`;
    const first = await start(dataDir, port);
    procs.push(first);
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
    first.kill('SIGKILL');
    stop = true;
    await Promise.all(clients);
    expect(acked.length).toBeGreaterThan(10);

    const second = await start(dataDir, port);
    procs.push(second);
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
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));

    const db = new BetterSqlite3(path.join(dataDir, 'ascent.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
