/**
 * Scenario 1: `runs/log-batch` throughput. Each client creates its own run and sends batches of
 * 1000 metric points (10 keys × 100 increasing steps), closed loop, for a fixed duration or until
 * its pre-built bodies run out. Only HTTP 200 answers count.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { HttpClient, closedLoop, type LoadResult } from '../support/load.js';
import { MLFLOW_BACKGROUND, groupCpuSeconds, loadAverage } from '../support/proc.js';
import { fmtInt, fmtMs, fmtRatio, met, type Row, type ScenarioReport } from '../support/report.js';
import { REQUEST_TIMEOUT_MS, SERVERS, startServer, type BenchContext, type ServerKind } from './context.js';
import { POINTS_PER_BATCH, T0, throughputBatch } from './dataset.js';
import { API, createExperiment, createRun } from './mlflow-api.js';

const WARMUP_MIN_BATCHES = 2;
const WARMUP_MIN_MS = 3000;
const TARGET = 50;

interface Measured extends LoadResult {
  serverCpuS: number;
  clientCpuS: number;
  buildMs: number;
  loadAvg: string;
}

/** Each client sends at least WARMUP_MIN_BATCHES batches and keeps going until WARMUP_MIN_MS passed. */
async function warmUp(clients: HttpClient[], runIds: string[]): Promise<{ next: number[]; failed: number; batchesPerS: number }> {
  const next = clients.map(() => 0);
  let failed = 0;
  let done = 0;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (client, c) => {
      while (next[c]! < WARMUP_MIN_BATCHES || performance.now() - t0 < WARMUP_MIN_MS) {
        const res = await client.request('POST', `${API}/runs/log-batch`, throughputBatch(runIds[c]!, next[c]!++), REQUEST_TIMEOUT_MS);
        if (res.status === 200) done++;
        else failed++;
        if (next[c]! >= 1000) break;
      }
    }),
  );
  return { next, failed, batchesPerS: done / ((performance.now() - t0) / 1000) };
}

export async function throughputScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const results: Record<ServerKind, Map<number, Measured>> = { mlflow: new Map(), ascent: new Map() };
  const report: ScenarioReport = { id: 'throughput', title: '1. `runs/log-batch` throughput (1000 points per request: 10 keys × 100 steps)', rows: [], notes: [] };
  try {
    for (const kind of SERVERS.filter((k) => ctx.opts.servers.includes(k))) {
      const server = await startServer(ctx, kind, path.join(ctx.workDir, `throughput-${kind}`));
      const admin = new HttpClient(server.url);
      try {
        const experimentId = await createExperiment(admin, 'bench-throughput');
        const serverCpu = () => groupCpuSeconds(server.pid, kind === 'mlflow' ? MLFLOW_BACKGROUND : undefined);
        for (const n of ctx.opts.clientCounts) {
          const clients = Array.from({ length: n }, () => new HttpClient(server.url));
          const runIds: string[] = [];
          for (let c = 0; c < n; c++) runIds.push(await createRun(admin, experimentId, `throughput-${n}c-${c}`, T0));
          // Warm-up (not counted; bodies built on the fly): the first requests of a fresh server pay
          // for imports and caches. It also estimates the rate, to pre-build just enough bodies.
          const warm = await warmUp(clients, runIds);
          if (warm.failed > 0) ctx.log(`${kind} ${n}c warm-up: ${warm.failed} failed`);
          const perClient = Math.min(Math.ceil(ctx.opts.maxBatchesPerConfig / n), Math.ceil((warm.batchesPerS / n) * ctx.opts.durationS * 3) + 20);
          const tBuild = performance.now();
          const work = clients.map((client, c) => ({
            client,
            path: `${API}/runs/log-batch`,
            bodies: Array.from({ length: perClient }, (_, b) => throughputBatch(runIds[c]!, warm.next[c]! + b)),
            unitsPerBody: POINTS_PER_BATCH,
          }));
          const buildMs = performance.now() - tBuild;
          const cpu0 = serverCpu();
          const client0 = process.cpuUsage();
          const r = await closedLoop(work, ctx.opts.durationS * 1000, REQUEST_TIMEOUT_MS);
          const clientCpu = process.cpuUsage(client0);
          const m: Measured = {
            ...r,
            serverCpuS: serverCpu() - cpu0,
            clientCpuS: (clientCpu.user + clientCpu.system) / 1e6,
            buildMs,
            loadAvg: loadAverage(),
          };
          results[kind].set(n, m);
          for (const w of work) w.client.close();
          ctx.log(
            `${kind} ${n} client(s): ${fmtInt(m.unitsPerSecond)} points/s, ${m.ok} ok / ${m.failed} failed in ${(m.elapsedMs / 1000).toFixed(1)} s, p50 ${fmtMs(m.p50Ms)}, p99 ${fmtMs(m.p99Ms)}, server CPU ${m.serverCpuS.toFixed(1)} s, client CPU ${m.clientCpuS.toFixed(1)} s`,
          );
        }
      } finally {
        admin.close();
        await server.stop();
      }
    }
  } catch (err) {
    report.error = err instanceof Error ? err.stack ?? err.message : String(err);
    ctx.log(`throughput scenario failed: ${report.error}`);
  }
  for (const n of ctx.opts.clientCounts) {
    const a = results.ascent.get(n);
    const b = results.mlflow.get(n);
    const ratio = a && b ? a.unitsPerSecond / b.unitsPerSecond : Number.NaN;
    const label = `${n} client${n > 1 ? 's' : ''}`;
    const rows: Row[] = [
      { measure: `**points/s, ${label}**`, mlflow: b ? fmtInt(b.unitsPerSecond) : 'n/a', ascent: a ? fmtInt(a.unitsPerSecond) : 'n/a', ratio: fmtRatio(ratio), target: `≥ ${TARGET}×`, met: met(Number.isFinite(ratio) ? ratio >= TARGET : undefined) },
      { measure: `request latency p50, ${label}`, mlflow: b ? fmtMs(b.p50Ms) : 'n/a', ascent: a ? fmtMs(a.p50Ms) : 'n/a', ratio: a && b ? fmtRatio(b.p50Ms / a.p50Ms) : 'n/a', target: '—', met: '—' },
      { measure: `request latency p99, ${label}`, mlflow: b ? fmtMs(b.p99Ms) : 'n/a', ascent: a ? fmtMs(a.p99Ms) : 'n/a', ratio: a && b ? fmtRatio(b.p99Ms / a.p99Ms) : 'n/a', target: '—', met: '—' },
      {
        measure: `server CPU-seconds per 1M points, ${label}`,
        mlflow: b && b.units > 0 ? `${((b.serverCpuS / b.units) * 1e6).toFixed(1)} s` : 'n/a',
        ascent: a && a.units > 0 ? `${((a.serverCpuS / a.units) * 1e6).toFixed(2)} s` : 'n/a',
        ratio: a && b && a.units > 0 && b.units > 0 ? fmtRatio(b.serverCpuS / b.units / (a.serverCpuS / a.units)) : 'n/a',
        target: '—',
        met: '—',
      },
    ];
    report.rows.push(...rows);
    for (const [kind, m] of [['MLflow', b], ['Ascent', a]] as const) {
      if (!m) continue;
      report.notes.push(
        `${kind}, ${label}: ${m.ok} requests acknowledged (${fmtInt(m.units)} points), ${m.failed} failed${m.errors.length ? ` (first: ${m.errors[0]!.replace(/\|/g, '/').slice(0, 160)})` : ''}, ${(m.elapsedMs / 1000).toFixed(1)} s${m.countBound ? ', stopped by the count bound' : ''}; load generator CPU ${((m.clientCpuS / (m.elapsedMs / 1000)) * 100).toFixed(0)} % of one core; load average after ${m.loadAvg}.`,
      );
    }
  }
  report.notes.push(
    `Each client has its own run and its own keep-alive connection; the timed bodies (≈${fmtInt(throughputBatch('0'.repeat(32), 1).length / 1024)} KiB each) are built before the clock starts, as many as 3× the warm-up rate needs (at most ${fmtInt(ctx.opts.maxBatchesPerConfig)} per configuration); a warm-up of ≥ ${WARMUP_MIN_BATCHES} batches per client and ≥ ${WARMUP_MIN_MS / 1000} s is not counted; timed duration ${ctx.opts.durationS} s per server per client count (or until the bodies run out, flagged above). Server CPU counts the request-serving processes (MLflow: the \`mlflow server\`/uvicorn processes, not its job runner and huey consumers; Ascent: its one node process).`,
  );
  return report;
}
