import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile } from '../support/load.js';

/** What a fixed-rate run measured. */
export interface OpenLoopResult {
  targetRps: number;
  achievedRps: number;
  ok: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Open-loop load: requests start on a fixed schedule (rate per second) whatever the answers do, and
 * latency counts from the scheduled start, so a stalled server cannot hide its queueing
 * (no coordinated omission). At most `maxSockets` keep-alive connections; a request that finds none
 * waits (and that wait counts). Each wake-up sends every request that is due, then sleeps until the
 * next one is: the generator never spins (it shares the cores with the server) and never keeps the
 * event loop from reading answers for longer than one batch of sends.
 *
 * The first `warmupMs` run on the same schedule and connections but are not counted, as the closed
 * loop's warm-up is not: without it the measurement included opening up to `maxSockets`
 * connections while requests queued behind them, a transient of a second or so that alone set p99
 * (hundreds of ms, for the bare handler too).
 */
export async function openLoop(url: string, path: string, body: Buffer, rps: number, durationMs: number, maxSockets = 64, warmupMs = 2_000): Promise<OpenLoopResult> {
  const u = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const interval = 1000 / rps;
  const warmup = Math.floor((rps * warmupMs) / 1000);
  const total = warmup + Math.floor((rps * durationMs) / 1000);
  const start = performance.now() + 50;
  // Measured requests are those scheduled from t0 on.
  const t0 = start + warmup * interval;
  const inflight: Promise<void>[] = [];
  const send = (at: number, counted: boolean) => new Promise<void>((resolve) => {
    const req = http.request({ host: u.hostname, port: Number(u.port), method: 'POST', path, agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => {
        if (counted) {
          latencies.push(performance.now() - at);
          if (res.statusCode === 200) ok++;
          else failed++;
        }
        resolve();
      });
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      if (counted) failed++;
      resolve();
    });
    req.end(body);
  });
  let i = 0;
  while (i < total) {
    const now = performance.now();
    while (i < total && start + i * interval <= now) {
      inflight.push(send(start + i * interval, i >= warmup));
      i++;
    }
    if (i >= total) break;
    // Timers fire on a 1 ms grid at best: wake when the next request is due, or 1 ms from now.
    await new Promise((r) => setTimeout(r, Math.max(1, start + i * interval - performance.now())));
  }
  await Promise.all(inflight);
  const elapsed = performance.now() - t0;
  agent.destroy();
  return { targetRps: rps, achievedRps: ok / (elapsed / 1000), ok, failed, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}
