/**
 * Bounded HTTP load against 127.0.0.1: a tiny keep-alive client on node:http (cheaper per request
 * than fetch), closed-loop load with N concurrent clients each on its own connection, and
 * percentile helpers. Request bodies are built by the caller before the clock starts.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface HttpResult {
  status: number;
  body: Buffer;
  /** Milliseconds from sending the request to the last byte of the response. */
  ms: number;
}

/** What the load loops need from a client: one request at a time on its own connection. */
export interface LoadClient {
  request(method: string, path: string, body?: Buffer | string, timeoutMs?: number): Promise<HttpResult>;
  close(): void;
}

/** One client: one keep-alive connection (maxSockets 1), like one training process logging. */
export class HttpClient implements LoadClient {
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string, sockets = 1) {
    const u = new URL(baseUrl);
    if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') throw new Error(`benchmarks only target 127.0.0.1, not ${u.hostname}`);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }

  request(method: string, path: string, body?: Buffer | string, timeoutMs = 120_000): Promise<HttpResult> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body) : body;
      const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
      if (payload) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = payload.length;
      }
      const t0 = performance.now();
      const req = http.request({ host: this.host, port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: performance.now() - t0 }));
        res.on('error', reject);
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no response within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** POST JSON and parse the answer; throws on a non-200 status. */
  async postJson<T = unknown>(path: string, body: unknown, timeoutMs?: number): Promise<T> {
    const res = await this.request('POST', path, JSON.stringify(body), timeoutMs);
    if (res.status !== 200) throw new Error(`POST ${path} → ${res.status}: ${res.body.toString().slice(0, 500)}`);
    return JSON.parse(res.body.toString()) as T;
  }

  async getJson<T = unknown>(path: string, timeoutMs?: number): Promise<T> {
    const res = await this.request('GET', path, undefined, timeoutMs);
    if (res.status !== 200) throw new Error(`GET ${path} → ${res.status}: ${res.body.toString().slice(0, 500)}`);
    return JSON.parse(res.body.toString()) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Nearest-rank percentile of unsorted samples (p in 0..100). */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const median = (samples: number[]) => percentile(samples, 50);

export interface ClientWork {
  client: LoadClient;
  path: string;
  /** Pre-built request bodies, sent in order; the loop stops when they run out. */
  bodies: Buffer[];
  /** Units (e.g. metric points) a 200 answer acknowledges, per body. */
  unitsPerBody: number;
}

export interface LoadResult {
  clients: number;
  requests: number;
  ok: number;
  failed: number;
  /** First non-200 answers (status and body excerpt), for the report. */
  errors: string[];
  units: number;
  elapsedMs: number;
  unitsPerSecond: number;
  latenciesMs: number[];
  p50Ms: number;
  p99Ms: number;
  /** True when a client ran out of pre-built bodies before the duration was up. */
  countBound: boolean;
}

/**
 * Closed-loop load: every client sends its next body as soon as the previous answer arrives, until
 * `durationMs` has passed or its bodies are used up, whichever comes first. Only 200 answers count.
 * Elapsed time runs until the last client's last answer, so in-flight work is not given away.
 */
export async function closedLoop(work: ClientWork[], durationMs: number, requestTimeoutMs: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const errors: string[] = [];
  let ok = 0;
  let failed = 0;
  let units = 0;
  let countBound = false;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  await Promise.all(
    work.map(async (w) => {
      let i = 0;
      while (performance.now() < deadline) {
        if (i >= w.bodies.length) {
          countBound = true;
          break;
        }
        try {
          const res = await w.client.request('POST', w.path, w.bodies[i++], requestTimeoutMs);
          latencies.push(res.ms);
          if (res.status === 200) {
            ok++;
            units += w.unitsPerBody;
          } else {
            failed++;
            if (errors.length < 5) errors.push(`${res.status} ${res.body.toString().slice(0, 200)}`);
          }
        } catch (err) {
          failed++;
          if (errors.length < 5) errors.push(String(err));
        }
      }
    }),
  );
  const elapsedMs = performance.now() - t0;
  return {
    clients: work.length,
    requests: ok + failed,
    ok,
    failed,
    errors,
    units,
    elapsedMs,
    unitsPerSecond: units / (elapsedMs / 1000),
    latenciesMs: latencies,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    countBound,
  };
}

/** Run `task` over `items` with at most `concurrency` in flight; resolves when all are done. */
export async function pool<T>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i]!, i);
      }
    }),
  );
}

/** Time `fn` `reps` times after `warmup` untimed calls; returns the samples in ms. */
export async function timeRepeated(fn: () => Promise<unknown>, reps: number, warmup: number, budgetMs = Number.POSITIVE_INFINITY): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  const stop = performance.now() + budgetMs;
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
    if (performance.now() > stop && samples.length >= 1) break;
  }
  return samples;
}
