/**
 * CPU cost of each part of the inference request path, in one process, measured with
 * `process.cpuUsage()` (user + system CPU of the whole process, so other load on a shared machine
 * barely moves it): the bare onnxruntime-node call, the loaded model's predict, the serving
 * manager's predict (routing, signature check, encoding, limiter, metrics, inference-log enqueue),
 * the inference log's flush per record, and the full HTTP request through Fastify (`app.inject` and
 * a real socket), all with the iris onnx deployment and inference logging on.
 *
 *   node --import tsx bench/serving/hot-path.ts [calls]
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { loadConfig } from '../../src/core/config.js';
import { buildApp } from '../../src/http/app.js';
import { createServices } from '../../src/server.js';
import { invocationsRequest } from '../../src/serving/codec/index.js';
import { FIXTURES_DIR, IRIS } from '../../test/fixtures/serving/iris-packages.js';
import { registerIrisOnnx } from '../../test/e2e/serving-registry.js';

const N = Number(process.argv[2] ?? 20_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-hot-path-'));
const bodyObject = { dataframe_split: { columns: IRIS.features, data: [IRIS.rows[0]] } };
const body = JSON.stringify(bodyObject);

/** CPU µs per call of `fn`, called `n` times in sequence (after n/10 warm-up calls). */
async function cpuPerCall(n: number, fn: (i: number) => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < n / 10; i++) await fn(i);
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn(i);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

const rows: [string, number][] = [];
const report = (name: string, us: number) => {
  rows.push([name, us]);
  console.log(`${us.toFixed(1).padStart(8)} µs  ${name}`);
};

try {
  const session = await ort.InferenceSession.create(path.join(FIXTURES_DIR, 'iris-logreg.onnx'), { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const x = new Float32Array(IRIS.rows[0]!);
  report('onnxruntime-node session.run (bare)', await cpuPerCall(N, () => session.run({ float_input: new ort.Tensor('float32', x, [1, 4]) })));
  // What dynamic batching buys: a call's cost is mostly fixed, so 4 rows cost little more than 1.
  const x4 = new Float32Array(IRIS.rows.slice(0, 4).flat());
  report('onnxruntime-node session.run, one call of 4 rows (a batch)', await cpuPerCall(N, () => session.run({ float_input: new ort.Tensor('float32', x4, [4, 4]) })));

  const made = await createServices(loadConfig({ dataDir: dir, logLevel: 'warn' }));
  const { services } = made;
  try {
    const app = await buildApp({ services, logger: false, serveUi: false });
    await registerIrisOnnx(services, 'iris', 1);
    const res = await app.inject({ method: 'POST', url: '/api/v1/deployments', payload: { name: 'iris', variants: [{ name: 'main', model: 'iris/1', concurrency: 4, maxQueue: 4096 }], inputSampleRate: 1 } });
    if (res.statusCode !== 200) throw new Error(res.body);
    const manager = services.serving.manager;
    const variant = manager.metadata('iris').variant;
    const tensors = [{ name: 'float_input', datatype: 'FP32' as const, shape: [1, 4], data: x }];
    report('loaded model predict (checks, ort tensors, semaphore)', await cpuPerCall(N, () => variant.served.model.predict(tensors)));
    report('codec: invocationsRequest(parsed body)', await cpuPerCall(N, () => invocationsRequest(JSON.parse(body))));
    const log = services.serving.log;
    await log.flush();
    report('manager.predict incl. inference-log flush', await cpuPerCall(N, (i) => manager.predict({ deployment: 'iris', requestId: `r${i}`, input: invocationsRequest(bodyObject) })));
    await log.flush();
    const record = { requestId: 'r', deployment: 'iris', variant: 'main', modelName: 'iris', modelVersion: '1', timestamp: Date.now(), latencyMs: 1.5, shadow: false, inputs: [Object.fromEntries(IRIS.features.map((f, j) => [f, IRIS.rows[0]![j]]))], outputs: [2] };
    let flushUs = 0;
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 1000; i++) log.record({ ...record, requestId: `f${round}-${i}` }, { keepInputs: true });
      const f0 = process.cpuUsage();
      await log.flush();
      const f = process.cpuUsage(f0);
      flushUs += f.user + f.system;
    }
    report('inference log flush, per record (batches of 1,000)', flushUs / 10_000);

    report('HTTP via app.inject (light-my-request)', await cpuPerCall(Math.min(N, 10_000), () => app.inject({ method: 'POST', url: '/deployments/iris/invocations', payload: body, headers: { 'content-type': 'application/json' } })));
    await log.flush();

    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const payload = Buffer.from(body);
    const post = () => new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/deployments/iris/invocations', agent, headers: { 'content-type': 'application/json', 'content-length': payload.length } }, (r) => {
        r.on('data', () => undefined);
        r.on('end', resolve);
      });
      req.on('error', reject);
      req.end(payload);
    });
    report('HTTP over loopback, client + server in this process', await cpuPerCall(Math.min(N, 10_000), post));
    agent.destroy();
    await app.close();
  } finally {
    await made.close();
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
