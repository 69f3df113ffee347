import { performance } from 'node:perf_hooks';
import { percentile } from '../support/load.js';
import { RawHttpClient } from '../support/raw-http.js';

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
 * (no coordinated omission). At most `maxSockets` keep-alive connections (bench/support/raw-http.ts,
 * the client the closed loops use); a request that finds none idle waits for one (and that wait
 * counts). Each wake-up sends every request that is due, then sleeps until the
 * next one is: the generator never spins (it shares the cores with the server) and never keeps the
 * event loop from reading answers for longer than one batch of sends.
 *
 * The first `warmupMs` run on the same schedule and connections but are not counted, as the closed
 * loop's warm-up is not: without it the measurement included opening up to `maxSockets`
 * connections while requests queued behind them, a transient of a second or so that alone set p99
 * (hundreds of ms, for the bare handler too).
 */
export async function openLoop(url: string, path: string, body: Buffer, rps: number, durationMs: number, maxSockets = 64, warmupMs = 2_000): Promise<OpenLoopResult> {
  let ok = 0;
  let failed = 0;
  const interval = 1000 / rps;
  const warmup = Math.floor((rps * warmupMs) / 1000);
  const total = warmup + Math.floor((rps * durationMs) / 1000);
  const start = performance.now() + 50;
  // Measured requests are those scheduled from t0 on.
  const t0 = start + warmup * interval;
  // The generator shares the cores with the server and its pauses count as latency, so it keeps
  // little garbage: latencies in one preallocated array, a count of requests in flight (no promise
  // per request kept to the end).
  const latencies = new Float64Array(total - warmup);
  let measured = 0;
  let inflight = 0;
  let drained: (() => void) | undefined;
  const idle: RawHttpClient[] = [];
  const all: RawHttpClient[] = [];
  const waiting: ((c: RawHttpClient) => void)[] = [];
  const connection = (): RawHttpClient | Promise<RawHttpClient> => {
    const free = idle.pop();
    if (free) return free;
    if (all.length < maxSockets) {
      const c = new RawHttpClient(url);
      all.push(c);
      return c;
    }
    return new Promise<RawHttpClient>((resolve) => waiting.push(resolve));
  };
  // A finished connection goes straight to the oldest waiting request, else back to the idle list.
  const release = (c: RawHttpClient) => {
    const next = waiting.shift();
    if (next) next(c);
    else idle.push(c);
  };
  const send = async (at: number, counted: boolean): Promise<void> => {
    const client = await connection();
    try {
      const res = await client.request('POST', path, body, 30_000);
      if (counted) {
        latencies[measured++] = performance.now() - at;
        if (res.status === 200) ok++;
        else failed++;
      }
    } catch {
      if (counted) failed++;
    }
    release(client);
    if (--inflight === 0) drained?.();
  };
  let i = 0;
  while (i < total) {
    const now = performance.now();
    while (i < total && start + i * interval <= now) {
      inflight++;
      void send(start + i * interval, i >= warmup);
      i++;
    }
    if (i >= total) break;
    // Timers fire on a 1 ms grid at best: wake when the next request is due, or 1 ms from now.
    await new Promise((r) => setTimeout(r, Math.max(1, start + i * interval - performance.now())));
  }
  if (inflight > 0) await new Promise<void>((resolve) => (drained = resolve));
  const elapsed = performance.now() - t0;
  for (const c of all) c.close();
  const sorted = Array.from(latencies.subarray(0, measured));
  return { targetRps: rps, achievedRps: ok / (elapsed / 1000), ok, failed, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
}
