/**
 * The floor for Ascent's serving overhead: one onnxruntime-node session behind a bare node:http
 * handler — no routing, validation, signature check, logging or metrics. It parses the same MLflow
 * `dataframe_split` body Ascent's `/invocations` takes and answers `{"predictions": [...]}` with the
 * model's first output, using the session options Ascent's onnx runtime uses (one intra-op thread).
 *
 *   node --import tsx bench/serving/bare-onnx.ts <model.onnx> <port>       serve (GET /health, POST /invocations)
 *   node --import tsx bench/serving/bare-onnx.ts --measure [clients] [s]   serve the iris fixture in a child
 *                                                                         process and load it; prints JSON
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ort from 'onnxruntime-node';
import { closedLoop, type LoadResult } from '../support/load.js';
import { RawHttpClient } from '../support/raw-http.js';
import { freePort } from '../support/servers.js';

/** A running bare handler. */
export interface BareOnnxServer {
  url: string;
  close(): Promise<void>;
}

/** Largest request body the bare handler reads (Ascent refuses large bodies too). */
const MAX_BODY = 16 * 1024 * 1024;

/** Serve `modelFile` on 127.0.0.1:`port` (0: any free port). */
export async function startBareOnnx(options: { modelFile: string; port?: number }): Promise<BareOnnxServer> {
  const session = await ort.InferenceSession.create(options.modelFile, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const input = session.inputNames[0]!;
  const output = session.outputNames[0]!;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET') {
      res.setHeader('content-type', 'text/plain');
      return void res.end('OK');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      void (async () => {
        try {
          const rows = (JSON.parse(Buffer.concat(chunks).toString()) as { dataframe_split: { data: number[][] } }).dataframe_split.data;
          const out = await session.run({ [input]: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, rows[0]!.length]) });
          const data = out[output]!.data as ArrayLike<number | bigint>;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ predictions: Array.from(data, Number) }));
        } catch (err) {
          res.statusCode = 400;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ error: String(err) }));
        }
      })();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await session.release();
    },
  };
}

/** One-row `dataframe_split` request for the iris model, as the serving bench sends it. */
export const IRIS_ROW_BODY = JSON.stringify({ dataframe_split: { columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'], data: [[6.3, 3.3, 6.0, 2.5]] } });

/**
 * Load a running handler (or any `/invocations` server) with `clients` closed-loop keep-alive
 * clients for `seconds` after a one-second warm-up: throughput and latency percentiles.
 */
export async function measureInvocations(url: string, options: { clients?: number; seconds?: number; route?: string; body?: string } = {}): Promise<LoadResult> {
  const clients = options.clients ?? 8;
  const body = Buffer.from(options.body ?? IRIS_ROW_BODY);
  const route = options.route ?? '/invocations';
  const make = (n: number) => Array.from({ length: clients }, () => ({ client: new RawHttpClient(url), path: route, bodies: Array.from({ length: n }, () => body), unitsPerBody: 1 }));
  const warm = make(1_000_000);
  await closedLoop(warm, 1_000, 10_000);
  for (const w of warm) w.client.close();
  const work = make(10_000_000);
  try {
    return await closedLoop(work, (options.seconds ?? 5) * 1000, 10_000);
  } finally {
    for (const w of work) w.client.close();
  }
}

async function measureMain(clients: number, seconds: number): Promise<void> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const model = path.resolve(here, '../../test/fixtures/serving/iris-logreg.onnx');
  const port = await freePort();
  // The handler runs in its own process, as in bench/serving/run.ts, so the load client does not share its event loop.
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), model, String(port)], { stdio: ['ignore', 'inherit', 'inherit'] });
  try {
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 300 && !(await fetch(`${url}/health`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
    const result = await measureInvocations(url, { clients, seconds });
    console.log(JSON.stringify({ clients, seconds, requestsPerSecond: Math.round(result.unitsPerSecond), p50Ms: +result.p50Ms.toFixed(3), p99Ms: +result.p99Ms.toFixed(3), ok: result.ok, failed: result.failed }));
  } finally {
    child.kill('SIGTERM');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  if (args[0] === '--measure') {
    await measureMain(Number(args[1] ?? 8), Number(args[2] ?? 5));
  } else {
    const [modelFile, port] = args;
    if (!modelFile || !port) {
      console.error('usage: bare-onnx.ts <model.onnx> <port> | --measure [clients] [seconds]');
      process.exit(2);
    }
    const server = await startBareOnnx({ modelFile, port: Number(port) });
    console.log(`bare onnxruntime-node handler on ${server.url}`);
  }
}
