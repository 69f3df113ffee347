/**
 * Server CPU per request, Ascent vs the bare handler: both under the same closed-loop load, with the
 * server process's user+system CPU time (from /proc) divided by the requests it answered. On a
 * shared machine this moves far less than req/s does, so it is the figure to compare changes with.
 *
 *   node --import tsx bench/serving/cpu-cost.ts [seconds] [clients]
 *   BENCH_ASCENT_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" … to profile the server as well.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closedLoop, type LoadResult } from '../support/load.js';
import { RawHttpClient } from '../support/raw-http.js';
import { groupCpuSeconds, loadAverage } from '../support/proc.js';
import { REPO_ROOT, startAscent, VENV_BIN, runToCompletion, ascentEntry } from '../support/servers.js';
import { FIXTURES_DIR, IRIS } from '../../test/fixtures/serving/iris-packages.js';
import { startBare } from './bare-target.js';
import { deployIris } from './deploy-iris.js';

const SECONDS = Number(process.argv[2] ?? 8);
const CLIENTS = Number(process.argv[3] ?? 16);
/** BENCH_CPU_ONLY=ascent|bare measures one of the two (e.g. to profile Ascent alone). */
const ONLY = process.env.BENCH_CPU_ONLY;
const ROUTE = '/deployments/iris/invocations';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-bench-cpu-'));
const body = Buffer.from(JSON.stringify({ dataframe_split: { columns: IRIS.features, data: [IRIS.rows[0]] } }));

async function measure(url: string, route: string, pid: number): Promise<LoadResult & { cpuUsPerRequest: number }> {
  const clients = Array.from({ length: CLIENTS }, () => new RawHttpClient(url));
  await closedLoop(clients.map((client) => ({ client, path: route, bodies: Array(200).fill(body), unitsPerBody: 1 })), 2_000, 30_000);
  const cpu0 = groupCpuSeconds(pid);
  const res = await closedLoop(clients.map((client) => ({ client, path: route, bodies: Array(1_000_000).fill(body), unitsPerBody: 1 })), SECONDS * 1000, 30_000);
  const cpu = groupCpuSeconds(pid) - cpu0;
  clients.forEach((c) => c.close());
  return { ...res, cpuUsPerRequest: (cpu * 1e6) / res.requests };
}

try {
  const onnxFile = path.join(work, 'iris-label.onnx');
  await runToCompletion(path.join(VENV_BIN, 'python'), [path.join(REPO_ROOT, 'bench/serving/save_mlflow_onnx.py'), path.join(FIXTURES_DIR, 'iris-logreg.onnx'), path.join(work, 'mlflow-model'), onnxFile], { cwd: work, timeoutMs: 180_000 });
  const server = await startAscent({ dir: path.join(work, 'ascent') });
  const bare = await startBare(onnxFile, work);
  try {
    await deployIris(server.url, onnxFile, work);
    console.log(`load ${loadAverage()}; ascent from ${ascentEntry().from}`);
    for (let round = 0; round < 2; round++) {
      const line = (name: string, r: Awaited<ReturnType<typeof measure>>) => `${name}: ${Math.round(r.unitsPerSecond)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, server CPU ${r.cpuUsPerRequest.toFixed(0)} µs/request, failed ${r.failed}`;
      if (!ONLY || ONLY === 'bare') console.log(line('bare  ', await measure(bare.url, bare.route, bare.pid)));
      if (!ONLY || ONLY === 'ascent') console.log(line('ascent', await measure(server.url, ROUTE, server.pid)));
    }
    console.log(`load ${loadAverage()}`);
  } finally {
    await bare.stop();
    await server.stop();
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
