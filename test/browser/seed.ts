import zlib from 'node:zlib';

/** Seeds an Ascent server through the native API with what the browser suite looks at. */

export interface SeededData {
  experimentId: string;
  experimentName: string;
  runs: { alpha: string; beta: string; gamma: string; child: string };
  lossPoints: number;
  readmeText: string;
}

async function call<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

async function upload(base: string, runId: string, artifactPath: string, body: Uint8Array | string, contentType: string): Promise<void> {
  const res = await fetch(`${base}/api/v1/runs/${runId}/artifacts/content?path=${encodeURIComponent(artifactPath)}`, {
    method: 'PUT',
    headers: { 'content-type': contentType },
    body,
  });
  if (!res.ok) throw new Error(`upload ${artifactPath} → ${res.status}: ${await res.text()}`);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A real PNG (a 3×3 "confusion matrix" heat map, 40 px per cell), encoded without dependencies. */
export function confusionMatrixPng(): Buffer {
  const cells = [
    [0.92, 0.05, 0.03],
    [0.08, 0.81, 0.11],
    [0.02, 0.14, 0.84],
  ];
  const cell = 40;
  const size = cell * 3;
  const raw = Buffer.alloc(size * (size * 3 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 3 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const v = cells[Math.floor(y / cell)]![Math.floor(x / cell)]!;
      const edge = x % cell === 0 || y % cell === 0;
      const o = y * (size * 3 + 1) + 1 + x * 3;
      raw[o] = edge ? 255 : Math.round(255 - v * 218);
      raw[o + 1] = edge ? 255 : Math.round(255 - v * 156);
      raw[o + 2] = edge ? 255 : Math.round(255 - v * 20);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', new Uint8Array())]);
}

async function createRun(base: string, experimentId: string, runName: string, startTime: number, tags: { key: string; value: string }[] = []): Promise<string> {
  const run = await call<{ info: { runId: string } }>(base, 'POST', '/runs', { experimentId, runName, startTime, userId: 'ada', tags });
  return run.info.runId;
}

async function logBatch(base: string, runId: string, batch: { metrics?: unknown[]; params?: unknown[]; tags?: unknown[] }): Promise<void> {
  await call(base, 'POST', `/runs/${runId}/batch`, batch);
}

/** A curve over `steps` points ending at `final`, so the latest value is what the filters test. */
async function logCurve(base: string, runId: string, key: string, final: number, steps: number, t0: number): Promise<void> {
  const metrics = Array.from({ length: steps }, (_, i) => ({ key, value: i === steps - 1 ? final : final * (0.4 + (0.6 * i) / steps) + 0.02 * Math.sin(i), timestamp: t0 + i * 1000, step: i }));
  await logBatch(base, runId, { metrics });
}

export async function seed(base: string, options: { lossPoints: number }): Promise<SeededData> {
  const suffix = Math.random().toString(36).slice(2, 8);
  const experimentName = `ui-suite-${suffix}`;
  const { experimentId } = await call<{ experimentId: string }>(base, 'POST', '/experiments', {
    name: experimentName,
    tags: [{ key: 'team', value: 'vision' }],
  });
  // A second experiment in a project of its own, for the project selector.
  await call(base, 'POST', '/experiments', { name: `ui-suite-other-${suffix}`, tags: [{ key: 'team', value: 'nlp' }], projectId: 'nlp-team' });

  const t0 = Date.now() - 3_600_000;
  const sourceTags = [
    { key: 'mlflow.source.name', value: 'train.py' },
    { key: 'mlflow.source.type', value: 'LOCAL' },
    { key: 'mlflow.source.git.commit', value: '3f9c2a1b7e5d4c6f8a0b1c2d3e4f5a6b7c8d9e0f' },
  ];
  const alpha = await createRun(base, experimentId, 'alpha', t0, sourceTags);
  const beta = await createRun(base, experimentId, 'beta', t0 + 60_000, sourceTags);
  const gamma = await createRun(base, experimentId, 'gamma', t0 + 120_000, sourceTags);
  const child = await createRun(base, experimentId, 'alpha-fold-1', t0 + 30_000, [{ key: 'mlflow.parentRunId', value: alpha }]);

  const params = {
    [alpha]: { lr: '0.1', model: 'tree', depth: '4' },
    [beta]: { lr: '0.01', model: 'tree', depth: '8' },
    [gamma]: { lr: '0.1', model: 'linear', depth: '4' },
    [child]: { lr: '0.1', model: 'tree', depth: '4', fold: '1' },
  };
  const finals = {
    [alpha]: { acc: 0.91, f1: 0.88, precision: 0.9, recall: 0.87, rmse: 0.31 },
    [beta]: { acc: 0.42, f1: 0.4, precision: 0.45, recall: 0.38, rmse: 0.77 },
    [gamma]: { acc: 0.73, f1: 0.7, precision: 0.72, recall: 0.69, rmse: 0.52 },
  };
  for (const [runId, p] of Object.entries(params)) {
    await logBatch(base, runId, { params: Object.entries(p).map(([key, value]) => ({ key, value })), tags: [{ key: 'stage', value: 'dev' }] });
  }
  for (const [runId, values] of Object.entries(finals)) {
    for (const [key, final] of Object.entries(values)) await logCurve(base, runId, key, final, 60, t0);
  }
  await logBatch(base, child, { metrics: [{ key: 'fold_rmse', value: 0.33, timestamp: t0, step: 0 }] });

  // The 200k-point metric, in batches of 1000 (MLflow's per-request limit), four requests at a time.
  const batches = Math.ceil(options.lossPoints / 1000);
  let next = 0;
  const worker = async () => {
    while (next < batches) {
      const b = next++;
      const metrics = [];
      for (let step = b * 1000; step < Math.min(options.lossPoints, (b + 1) * 1000); step++) {
        const value = 2 * Math.exp(-step / 40_000) + 0.15 * Math.sin(step / 900) + 0.08 * Math.sin(step * 12.9898) + 0.1;
        metrics.push({ key: 'loss', value, timestamp: t0 + step, step });
      }
      await logBatch(base, alpha, { metrics });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);

  await call(base, 'POST', `/runs/${alpha}/inputs`, {
    datasets: [
      {
        dataset: {
          name: 'iris-train',
          digest: 'a1b2c3d4',
          sourceType: 'local',
          source: '/data/iris/train.csv',
          schema: JSON.stringify({ mlflow_colspec: [{ name: 'sepal_length', type: 'double' }, { name: 'sepal_width', type: 'double' }, { name: 'species', type: 'string' }] }),
          profile: JSON.stringify({ num_rows: 120 }),
        },
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
      },
    ],
  });

  const readmeText = 'Model notes: gradient-boosted trees, 5-fold CV.\nThe validation split is stratified by species.\n';
  await upload(base, alpha, 'notes/readme.txt', readmeText, 'text/plain');
  await upload(base, alpha, 'plots/confusion.png', confusionMatrixPng(), 'image/png');
  await upload(base, alpha, 'model/MLmodel', 'artifact_path: model\nflavors:\n  python_function:\n    loader_module: mlflow.sklearn\n', 'application/octet-stream');
  await upload(base, alpha, 'metrics.json', JSON.stringify({ acc: 0.91, f1: 0.88 }), 'application/octet-stream');

  for (const [i, runId] of [alpha, beta, gamma, child].entries()) {
    await call(base, 'PATCH', `/runs/${runId}`, { status: i === 1 ? 'FAILED' : 'FINISHED', endTime: t0 + 600_000 + i * 95_000 });
  }
  return { experimentId, experimentName, runs: { alpha, beta, gamma, child }, lossPoints: options.lossPoints, readmeText };
}
