/**
 * Scenario 2: `runs/search` latency over one experiment of N runs × 10 params × 10 metrics.
 * MLflow's database is seeded with MLflow's own store code (seed_mlflow.py) before its server
 * starts; Ascent is seeded through its MLflow-compatible REST API. Same data on both.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { HttpClient, median, percentile, pool, timeRepeated } from '../support/load.js';
import { loadAverage } from '../support/proc.js';
import { fmtInt, fmtMs, fmtRatio, met, type ScenarioReport } from '../support/report.js';
import { REPO_ROOT, VENV_BIN, runToCompletion } from '../support/servers.js';
import { REQUEST_TIMEOUT_MS, startServer, type BenchContext, type ServerKind } from './context.js';
import { T0, searchRunBatch } from './dataset.js';
import { API, createExperiment, createRun, getExperimentId, searchBody, type SearchedRun } from './mlflow-api.js';

const TARGET = 50;
const WARMUP = 2;
const QUERY_BUDGET_MS = 180_000;
const REST_SAMPLE_S = 30;
const REST_SAMPLE_MAX_RUNS = 400;

interface Query {
  id: string;
  label: string;
  filter: string | null;
  orderBy: string[];
}

const QUERIES: Query[] = [
  { id: 'filtered', label: "`metrics.m0 > 0.5 AND params.p1 = 'v3'`, order `metrics.m1 DESC`, max 1000", filter: "metrics.m0 > 0.5 AND params.p1 = 'v3'", orderBy: ['metrics.m1 DESC'] },
  { id: 'all', label: 'no filter, order `attributes.start_time DESC`, max 1000', filter: null, orderBy: ['attributes.start_time DESC'] },
];

interface QueryResult {
  samples: number[];
  count: number;
  bytes: number;
  /** A fingerprint of the answer (run names in order) to check both servers agree. */
  fingerprint: string;
}

async function runQuery(c: HttpClient, experimentId: string, q: Query, reps: number): Promise<QueryResult> {
  const body = searchBody(experimentId, q.filter, q.orderBy, 1000);
  let last: Buffer | undefined;
  const samples = await timeRepeated(
    async () => {
      const res = await c.request('POST', `${API}/runs/search`, body, REQUEST_TIMEOUT_MS);
      if (res.status !== 200) throw new Error(`runs/search → ${res.status}: ${res.body.toString().slice(0, 300)}`);
      last = res.body;
    },
    reps,
    WARMUP,
    QUERY_BUDGET_MS,
  );
  const parsed = JSON.parse(last!.toString()) as { runs?: SearchedRun[] };
  const runs = parsed.runs ?? [];
  return { samples, count: runs.length, bytes: last!.length, fingerprint: runs.map((r) => r.info.run_name ?? '?').join(',') };
}

type Results = Record<ServerKind, Map<string, QueryResult>>;
type Seeding = Partial<Record<ServerKind, { runs: number; seconds: number }>>;

/** MLflow: seed the database with MLflow's own store, then serve it and query it. */
async function measureMlflow(ctx: BenchContext, results: Results, seeding: Seeding): Promise<void> {
  const n = ctx.opts.searchRuns;
  const dir = path.join(ctx.workDir, 'search-mlflow');
  const t = performance.now();
  const seedOut = await runToCompletion(path.join(VENV_BIN, 'python'), [path.join(REPO_ROOT, 'bench', 'tracking', 'seed_mlflow.py'), 'search', path.join(dir, 'mlflow.db'), path.join(dir, 'art'), String(n)], {
    cwd: REPO_ROOT,
    timeoutMs: 30 * 60_000,
  });
  const seeded = JSON.parse(seedOut.trim().split('\n').pop()!) as { runs: number; seconds: number };
  ctx.log(`mlflow seeded with ${seeded.runs} runs by its store in ${seeded.seconds} s (${((performance.now() - t) / 1000).toFixed(1)} s with start-up)`);
  const server = await startServer(ctx, 'mlflow', dir);
  const c = new HttpClient(server.url);
  try {
    const exp = await getExperimentId(c, 'bench-search');
    for (const q of QUERIES) {
      const r = await runQuery(c, exp, q, ctx.opts.searchReps);
      results.mlflow.set(q.id, r);
      ctx.log(`mlflow search ${q.id}: median ${fmtMs(median(r.samples))}, p95 ${fmtMs(percentile(r.samples, 95))}, ${r.count} runs, ${r.samples.length} reps`);
    }
    // A bounded sample of REST seeding (separate experiment, after the timings).
    seeding.mlflow = await restSeed(server.url, await createExperiment(c, 'bench-rest-sample'), REST_SAMPLE_MAX_RUNS, REST_SAMPLE_S * 1000);
    ctx.log(`mlflow REST seeding sample: ${seeding.mlflow.runs} runs in ${seeding.mlflow.seconds.toFixed(1)} s`);
  } finally {
    c.close();
    await server.stop();
  }
}

/** Ascent: seed through its MLflow-compatible REST API, then query. */
async function measureAscent(ctx: BenchContext, results: Results, seeding: Seeding): Promise<void> {
  const n = ctx.opts.searchRuns;
  const server = await startServer(ctx, 'ascent', path.join(ctx.workDir, 'search-ascent'));
  const c = new HttpClient(server.url);
  try {
    const exp = await createExperiment(c, 'bench-search');
    seeding.ascent = await restSeed(server.url, exp, n, 30 * 60_000);
    ctx.log(`ascent seeded with ${seeding.ascent.runs} runs through REST in ${seeding.ascent.seconds.toFixed(1)} s`);
    if (seeding.ascent.runs !== n) throw new Error(`ascent seeding incomplete: ${seeding.ascent.runs} of ${n} runs`);
    for (const q of QUERIES) {
      const r = await runQuery(c, exp, q, ctx.opts.searchReps * 3);
      results.ascent.set(q.id, r);
      ctx.log(`ascent search ${q.id}: median ${fmtMs(median(r.samples))}, p95 ${fmtMs(percentile(r.samples, 95))}, ${r.count} runs, ${r.samples.length} reps`);
    }
  } finally {
    c.close();
    await server.stop();
  }
}

export async function searchScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const n = ctx.opts.searchRuns;
  const report: ScenarioReport = { id: 'search', title: `2. \`runs/search\` latency, one experiment of ${fmtInt(n)} runs × 10 params × 10 metrics`, rows: [], notes: [] };
  const results: Results = { mlflow: new Map(), ascent: new Map() };
  const seeding: Seeding = {};
  try {
    if (ctx.opts.servers.includes('mlflow')) await measureMlflow(ctx, results, seeding);
    if (ctx.opts.servers.includes('ascent')) await measureAscent(ctx, results, seeding);
  } catch (err) {
    report.error = err instanceof Error ? err.stack ?? err.message : String(err);
    ctx.log(`search scenario failed: ${report.error}`);
  }

  for (const q of QUERIES) {
    const m = results.mlflow.get(q.id);
    const a = results.ascent.get(q.id);
    const ratio = m && a ? median(m.samples) / median(a.samples) : Number.NaN;
    report.rows.push(
      { measure: `**median**, ${q.label}`, mlflow: m ? fmtMs(median(m.samples)) : 'n/a', ascent: a ? fmtMs(median(a.samples)) : 'n/a', ratio: fmtRatio(ratio), target: `≥ ${TARGET}×`, met: met(Number.isFinite(ratio) ? ratio >= TARGET : undefined) },
      { measure: `p95, ${q.label}`, mlflow: m ? fmtMs(percentile(m.samples, 95)) : 'n/a', ascent: a ? fmtMs(percentile(a.samples, 95)) : 'n/a', ratio: m && a ? fmtRatio(percentile(m.samples, 95) / percentile(a.samples, 95)) : 'n/a', target: '—', met: '—' },
    );
    if (m && a) {
      const same = m.fingerprint === a.fingerprint;
      report.notes.push(
        `${q.id}: MLflow returned ${m.count} runs (${fmtInt(m.bytes / 1024)} KiB), Ascent ${a.count} runs (${fmtInt(a.bytes / 1024)} KiB); same runs in the same order: ${same ? 'yes' : '**no**'}; repetitions after ${WARMUP} warm-ups: MLflow ${m.samples.length}, Ascent ${a.samples.length}.`,
      );
    }
  }
  if (seeding.mlflow && seeding.ascent) {
    const mr = seeding.mlflow.runs / seeding.mlflow.seconds;
    const ar = seeding.ascent.runs / seeding.ascent.seconds;
    report.rows.push({ measure: 'seeding through REST, runs/s (`runs/create` + one `log-batch` of 10 params + 10 metrics, 4 clients)', mlflow: `${mr.toFixed(1)}`, ascent: `${ar.toFixed(0)}`, ratio: fmtRatio(ar / mr), target: '—', met: '—' });
    report.notes.push(
      `Seeding: MLflow's database was written by \`bench/tracking/seed_mlflow.py\` with MLflow's own \`SqlAlchemyStore\` and its ORM tables (REST seeding of ${fmtInt(n)} runs would take ≈ ${fmtInt(n / mr / 60)} min at the sampled ${mr.toFixed(1)} runs/s); the REST row is a bounded sample (${seeding.mlflow.runs} runs in a separate experiment, after the timings). Ascent was seeded entirely through its REST API.`,
    );
  }
  report.notes.push(`Load average at the end: ${loadAverage()}.`);
  return report;
}

/** Create runs i = 0… through REST with 4 clients (run-i, start_time T0 + i s, 10 params + 10 metrics). */
async function restSeed(url: string, experimentId: string, maxRuns: number, budgetMs: number): Promise<{ runs: number; seconds: number }> {
  const clients = Array.from({ length: 4 }, () => new HttpClient(url));
  const deadline = performance.now() + budgetMs;
  const t0 = performance.now();
  let done = 0;
  let next = 0;
  await pool(clients, 4, async (c) => {
    while (performance.now() < deadline) {
      const i = next++;
      if (i >= maxRuns) break;
      const runId = await createRun(c, experimentId, `run-${i}`, T0 + i * 1000);
      const res = await c.request('POST', `${API}/runs/log-batch`, searchRunBatch(runId, i), REQUEST_TIMEOUT_MS);
      if (res.status !== 200) throw new Error(`log-batch → ${res.status}: ${res.body.toString().slice(0, 300)}`);
      done++;
    }
  });
  for (const c of clients) c.close();
  return { runs: done, seconds: (performance.now() - t0) / 1000 };
}
