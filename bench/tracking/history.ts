/**
 * Scenario 3: reading a 1M-point metric. Ascent gets the points through `runs/log-batch` (1000
 * batches of 1000); MLflow's database gets the same points from MLflow's own store code
 * (seed_mlflow.py), since its REST ingest would take far longer (a bounded REST sample is
 * measured too). Then: Ascent's downsampled reads (target < 100 ms), MLflow's sampled read
 * (`get-history-bulk-interval`) on both, and the full `get-history` on both.
 */
import path from 'node:path';
import { HttpClient, closedLoop, median, percentile, timeRepeated } from '../support/load.js';
import { loadAverage } from '../support/proc.js';
import { fmtInt, fmtMs, fmtRatio, met, type ScenarioReport } from '../support/report.js';
import { REPO_ROOT, VENV_BIN, runToCompletion } from '../support/servers.js';
import { REQUEST_TIMEOUT_MS, startServer, type BenchContext } from './context.js';
import { HISTORY_BATCH, T0, historyBatch } from './dataset.js';
import { API, createExperiment, createRun, getExperimentId, getFullHistory } from './mlflow-api.js';

const DOWNSAMPLED_TARGET_MS = 100;
const FULL_TIMEOUT_MS = 900_000;
const REST_SAMPLE_S = 20;
const SLOW_FULL_MS = 20_000;

interface Timed {
  samples: number[];
  detail: string;
}

interface Zoom {
  id: string;
  label: string;
  start: number;
  end: number;
}

interface Measured {
  timings: Map<string, Timed>;
  ingestPointsPerS?: number;
}

const stats = (t: Timed | undefined) => (t ? { med: median(t.samples), p95: percentile(t.samples, 95) } : undefined);

function zoomsFor(points: number): Zoom[] {
  return [
    { id: 'zoom-1k', label: `zoom: 1,000 steps (${points / 2}–${points / 2 + 999})`, start: points / 2, end: points / 2 + 999 },
    { id: 'zoom-10k', label: `zoom: 10,000 steps (${0.4 * points}–${0.4 * points + 9999})`, start: 0.4 * points, end: 0.4 * points + 9999 },
    { id: 'zoom-half', label: `zoom: half the range (${points / 4}–${(3 * points) / 4 - 1})`, start: points / 4, end: (3 * points) / 4 - 1 },
  ];
}

/** Ascent: ingest through REST with one client, in order (a training loop's shape), then read. */
async function measureAscent(ctx: BenchContext, out: Measured): Promise<void> {
  const batches = ctx.opts.historyPoints / HISTORY_BATCH;
  const server = await startServer(ctx, 'ascent', path.join(ctx.workDir, 'history-ascent'));
  const c = new HttpClient(server.url);
  try {
    const exp = await createExperiment(c, 'bench-history');
    const runId = await createRun(c, exp, 'history', T0);
    const bodies = Array.from({ length: batches }, (_, b) => historyBatch(runId, b));
    const load = await closedLoop([{ client: c, path: `${API}/runs/log-batch`, bodies, unitsPerBody: HISTORY_BATCH }], 600_000, REQUEST_TIMEOUT_MS);
    if (load.failed > 0 || load.units !== batches * HISTORY_BATCH) throw new Error(`ascent history ingest incomplete: ${load.units} points, ${load.failed} failed: ${load.errors.join(' | ')}`);
    out.ingestPointsPerS = load.unitsPerSecond;
    ctx.log(`ascent ingested ${fmtInt(load.units)} points in ${(load.elapsedMs / 1000).toFixed(1)} s (${fmtInt(load.unitsPerSecond)} points/s)`);

    const native = `/api/v1/runs/${runId}/metrics/loss/downsampled`;
    const downsampled = async (id: string, query: string) => {
      let detail = '';
      const samples = await timeRepeated(
        async () => {
          const res = await c.request('GET', `${native}?${query}`, undefined, REQUEST_TIMEOUT_MS);
          if (res.status !== 200) throw new Error(`downsampled → ${res.status}: ${res.body.toString().slice(0, 300)}`);
          const body = JSON.parse(res.body.toString()) as { totalPoints: number; buckets: unknown[]; raw: boolean };
          detail = `${body.buckets.length} buckets over ${fmtInt(body.totalPoints)} points${body.raw ? ' (raw)' : ''}, ${fmtInt(res.body.length / 1024)} KiB`;
        },
        30,
        3,
        60_000,
      );
      out.timings.set(id, { samples, detail });
      ctx.log(`ascent ${id}: median ${fmtMs(median(samples))}, p95 ${fmtMs(percentile(samples, 95))} — ${detail}`);
    };
    await downsampled('full', 'maxPoints=1000');
    for (const z of zoomsFor(ctx.opts.historyPoints)) await downsampled(z.id, `maxPoints=1000&startStep=${z.start}&endStep=${z.end}`);
    out.timings.set('bulk', await bulkInterval(c, runId, 10));
    ctx.log(`ascent bulk-interval: median ${fmtMs(median(out.timings.get('bulk')!.samples))}`);
    out.timings.set('full-history', await fullHistory(c, runId, 3));
    ctx.log(`ascent full get-history: median ${fmtMs(median(out.timings.get('full-history')!.samples))} — ${out.timings.get('full-history')!.detail}`);
  } finally {
    c.close();
    await server.stop();
  }
}

/** MLflow: the same points written by its store, then served; plus a bounded REST ingest sample. */
async function measureMlflow(ctx: BenchContext, out: Measured): Promise<void> {
  const dir = path.join(ctx.workDir, 'history-mlflow');
  const seedOut = await runToCompletion(
    path.join(VENV_BIN, 'python'),
    [path.join(REPO_ROOT, 'bench', 'tracking', 'seed_mlflow.py'), 'history', path.join(dir, 'mlflow.db'), path.join(dir, 'art'), String(ctx.opts.historyPoints)],
    { cwd: REPO_ROOT, timeoutMs: 30 * 60_000 },
  );
  const seeded = JSON.parse(seedOut.trim().split('\n').pop()!) as { run_id: string; points: number; seconds: number };
  ctx.log(`mlflow seeded with ${fmtInt(seeded.points)} points by its store in ${seeded.seconds} s`);
  const server = await startServer(ctx, 'mlflow', dir);
  const m = new HttpClient(server.url);
  try {
    out.timings.set('bulk', await bulkInterval(m, seeded.run_id, 10));
    ctx.log(`mlflow bulk-interval: median ${fmtMs(median(out.timings.get('bulk')!.samples))}`);
    out.timings.set('full-history', await fullHistory(m, seeded.run_id, 3));
    ctx.log(`mlflow full get-history: median ${fmtMs(median(out.timings.get('full-history')!.samples))} — ${out.timings.get('full-history')!.detail}`);
    const sampleRun = await createRun(m, await getExperimentId(m, 'bench-history'), 'rest-sample', T0);
    const bodies = Array.from({ length: 500 }, (_, b) => historyBatch(sampleRun, b));
    const sample = await closedLoop([{ client: m, path: `${API}/runs/log-batch`, bodies, unitsPerBody: HISTORY_BATCH }], REST_SAMPLE_S * 1000, REQUEST_TIMEOUT_MS);
    out.ingestPointsPerS = sample.unitsPerSecond;
    ctx.log(`mlflow REST ingest sample: ${fmtInt(sample.units)} points in ${(sample.elapsedMs / 1000).toFixed(1)} s (${fmtInt(sample.unitsPerSecond)} points/s)`);
  } finally {
    m.close();
    await server.stop();
  }
}

export async function historyScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const points = ctx.opts.historyPoints;
  const report: ScenarioReport = { id: 'history', title: `3. Reading a ${fmtInt(points)}-point metric history (one run, one key)`, rows: [], notes: [] };
  const ascent: Measured = { timings: new Map() };
  const mlflow: Measured = { timings: new Map() };
  try {
    if (ctx.opts.servers.includes('ascent')) await measureAscent(ctx, ascent);
    if (ctx.opts.servers.includes('mlflow')) await measureMlflow(ctx, mlflow);
  } catch (err) {
    report.error = err instanceof Error ? err.stack ?? err.message : String(err);
    ctx.log(`history scenario failed: ${report.error}`);
  }

  const full = stats(ascent.timings.get('full'));
  report.rows.push({
    measure: '**downsampled read, full range** (`GET /api/v1/runs/{id}/metrics/loss/downsampled?maxPoints=1000`), median / p95',
    mlflow: 'no equivalent',
    ascent: full ? `${fmtMs(full.med)} / ${fmtMs(full.p95)}` : 'n/a',
    ratio: '—',
    target: `p95 < ${DOWNSAMPLED_TARGET_MS} ms`,
    met: met(full ? full.p95 < DOWNSAMPLED_TARGET_MS : undefined),
  });
  for (const z of zoomsFor(points)) {
    const s = stats(ascent.timings.get(z.id));
    report.rows.push({ measure: `**downsampled read, ${z.label}**, median / p95`, mlflow: 'no equivalent', ascent: s ? `${fmtMs(s.med)} / ${fmtMs(s.p95)}` : 'n/a', ratio: '—', target: `p95 < ${DOWNSAMPLED_TARGET_MS} ms`, met: met(s ? s.p95 < DOWNSAMPLED_TARGET_MS : undefined) });
  }
  const bm = stats(mlflow.timings.get('bulk'));
  const ba = stats(ascent.timings.get('bulk'));
  report.rows.push({ measure: "sampled read `metrics/get-history-bulk-interval?max_results=1000` (what MLflow's UI calls), median", mlflow: bm ? fmtMs(bm.med) : 'n/a', ascent: ba ? fmtMs(ba.med) : 'n/a', ratio: bm && ba ? fmtRatio(bm.med / ba.med) : 'n/a', target: '—', met: '—' });
  const fm = stats(mlflow.timings.get('full-history'));
  const fa = stats(ascent.timings.get('full-history'));
  report.rows.push({ measure: `full \`metrics/get-history\` (all ${fmtInt(points)} points, following page tokens), median`, mlflow: fm ? fmtMs(fm.med) : 'n/a', ascent: fa ? fmtMs(fa.med) : 'n/a', ratio: fm && fa ? fmtRatio(fm.med / fa.med) : 'n/a', target: '—', met: '—' });
  const im = mlflow.ingestPointsPerS;
  const ia = ascent.ingestPointsPerS;
  report.rows.push({
    measure: 'ingest of the history through `runs/log-batch` (1 key × 1000 steps per request, 1 client), points/s',
    mlflow: im ? fmtInt(im) : 'n/a',
    ascent: ia ? fmtInt(ia) : 'n/a',
    ratio: im && ia ? fmtRatio(ia / im) : 'n/a',
    target: '—',
    met: '—',
  });
  for (const [id, t] of ascent.timings) report.notes.push(`Ascent ${id}: ${t.samples.length} timed repetitions; ${t.detail}.`);
  for (const [id, t] of mlflow.timings) report.notes.push(`MLflow ${id}: ${t.samples.length} timed repetitions; ${t.detail}.`);
  report.notes.push(
    `MLflow's ${fmtInt(points)} points were written into its SQLite database by \`seed_mlflow.py\` (MLflow's \`SqlAlchemyStore\`: first batch through \`log_batch\`, the rest as the same \`metrics\` rows), because its REST ingest runs at the rate in the last row (≈ ${im ? fmtInt(points / im / 60) : '?'} min for the whole history); that row is a ${REST_SAMPLE_S} s sample into a fresh run. Full-history times are the sum of the requests' times to last byte (client-side JSON parsing excluded). Load average at the end: ${loadAverage()}.`,
  );
  return report;
}

async function bulkInterval(c: HttpClient, runId: string, reps: number): Promise<Timed> {
  let detail = '';
  const samples = await timeRepeated(
    async () => {
      const res = await c.request('GET', `${API}/metrics/get-history-bulk-interval?run_ids=${runId}&metric_key=loss&max_results=1000`, undefined, REQUEST_TIMEOUT_MS);
      if (res.status !== 200) throw new Error(`get-history-bulk-interval → ${res.status}: ${res.body.toString().slice(0, 300)}`);
      const body = JSON.parse(res.body.toString()) as { metrics?: unknown[] };
      detail = `${body.metrics?.length ?? 0} points returned, ${fmtInt(res.body.length / 1024)} KiB`;
    },
    reps,
    2,
    120_000,
  );
  return { samples, detail };
}

/**
 * Whole-history fetches: the first call is a warm-up unless it already takes more than
 * SLOW_FULL_MS (then its cost is per point, not cold start: it counts, and one more call is made).
 */
async function fullHistory(c: HttpClient, runId: string, reps: number): Promise<Timed> {
  let detail = '';
  const samples: number[] = [];
  const first = await getFullHistory(c, runId, 'loss', FULL_TIMEOUT_MS);
  const slow = first.ms > SLOW_FULL_MS;
  if (slow) samples.push(first.ms);
  const more = slow ? 1 : reps;
  let last = first;
  for (let i = 0; i < more; i++) {
    last = await getFullHistory(c, runId, 'loss', FULL_TIMEOUT_MS);
    samples.push(last.ms);
  }
  detail = `${fmtInt(last.points)} points in ${last.pages} page(s), ${fmtInt(last.bytes / 2 ** 20)} MiB${slow ? ' (first call counted: slower than 20 s)' : ', after 1 warm-up call'}`;
  return { samples, detail };
}
