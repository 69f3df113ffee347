import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { AscentClient, type Run } from '../../src/sdk/index.js';
import { createTestDatabase, type TestPostgres } from '../support/postgres.js';
import { ensureS3Server, type S3TestServer } from '../support/s3-server.js';

/**
 * The README's examples, run exactly as `npm run demo` runs them, against a real in-process server
 * on the embedded defaults; what they logged is then read back through the SDK (and, for the
 * Python one, would be what a user sees in the UI).
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const venv = process.env.ASCENT_PYTHON_VENV || path.join(ROOT, '.venv');
const python = path.join(venv, 'bin', 'python');
const skipPython = process.env.ASCENT_SKIP_PYTHON === '1';
const EPOCHS = 30;

let server: RunningServer;
let client: AscentClient;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-examples-'));
  server = await startServer(loadConfig({ dataDir, port: 0, host: '127.0.0.1', logLevel: 'silent' }, {}));
  client = new AscentClient({ baseUrl: server.url });
});

afterAll(async () => {
  await server?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('examples/typescript/train-cars.ts (TypeScript SDK, vega-datasets cars)', () => {
  let runs: Run[];
  let sweep: Run;
  let children: Run[];

  beforeAll(async () => {
    const result = await run(process.execPath, ['--import', 'tsx', 'examples/typescript/train-cars.ts'], {
      ASCENT_URL: server.url,
      EPOCHS: String(EPOCHS),
    });
    expect(result.code, `the example failed:\n${result.output}`).toBe(0);
    const experiment = await client.experiments.getByName('cars-mpg');
    runs = (await client.runs.search({ experimentIds: [experiment.experimentId] })).items;
    sweep = runs.find((r) => r.info.runName === 'sweep')!;
    children = runs.filter((r) => r.info.parentRunId === sweep?.info.runId);
  }, 120_000);

  it('logs one finished sweep run with a nested run per learning rate', () => {
    expect(runs).toHaveLength(5);
    expect(sweep).toBeDefined();
    expect(children.map((r) => r.info.runName).sort()).toEqual(['lr-0.003', 'lr-0.01', 'lr-0.03', 'lr-0.1']);
    for (const r of runs) expect(r.info.status).toBe('FINISHED');
    const params = Object.fromEntries(children[0]!.data.params.map((p) => [p.key, p.value]));
    expect(params).toMatchObject({ epochs: String(EPOCHS), target: 'Miles_per_Gallon', train_rows: '314', validation_rows: '78' });
  });

  it('logs a per-epoch loss curve that goes down and a model that predicts fuel economy', async () => {
    for (const child of children) {
      const history = (await client.runs.metricHistory(child.info.runId, 'val_rmse')).items;
      expect(history.map((m) => m.step)).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
      expect(history.at(-1)!.value).toBeLessThan(history[0]!.value);
      expect((await client.runs.metricKeys(child.info.runId)).sort()).toEqual(['train_loss', 'train_rmse', 'val_loss', 'val_rmse']);
    }
    // Predicting the training mean alone is off by ~7.8 mpg on this split; the fitted model is not.
    const best = Number(sweep.data.metrics.find((m) => m.key === 'best_val_rmse')?.value);
    expect(best).toBeGreaterThan(1);
    expect(best).toBeLessThan(4);
    const found = await client.runs.search({ experimentIds: [sweep.info.experimentId], filter: `metrics.val_rmse < ${best + 1e-9}` });
    expect(found.items.map((r) => r.info.runId)).toEqual([sweep.data.tags.find((t) => t.key === 'best_run_id')?.value]);
  });

  it('records the vega-datasets cars file as the dataset input, with its sha256 and schema', () => {
    const entry = createRequire(import.meta.url).resolve('vega-datasets');
    const file = path.join(path.dirname(entry), '..', 'data', 'cars.json');
    const digest = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    for (const r of [sweep, ...children]) {
      const [input] = r.inputs.datasetInputs;
      expect(input?.dataset).toMatchObject({ name: 'vega-datasets/cars', digest });
      expect(input?.tags).toContainEqual({ key: 'mlflow.data.context', value: 'training' });
      const columns = JSON.parse(input!.dataset.schema!).mlflow_colspec.map((c: { name: string }) => c.name);
      expect(columns).toContain('Miles_per_Gallon');
    }
  });

  it('stores model.json and report.txt artifacts that can be downloaded', async () => {
    const child = children.find((r) => r.info.runName === 'lr-0.1')!;
    const root = await client.runs.listArtifacts(child.info.runId);
    expect(root.files.map((f) => f.path).sort()).toEqual(['model', 'report.txt']);
    const model = JSON.parse(new TextDecoder().decode(await client.runs.downloadArtifact(child.info.runId, 'model/model.json')));
    expect(model.features).toHaveLength(6);
    expect(model.weights).toHaveLength(6);
    // Heavier cars use more fuel: the weight coefficient is negative.
    expect(model.weights[model.features.indexOf('Weight_in_lbs')]).toBeLessThan(0);
    const report = new TextDecoder().decode(await client.runs.downloadArtifact(child.info.runId, 'report.txt'));
    expect(report).toContain('validation RMSE');
  });
});

if (skipPython) console.warn('[examples] Python example skipped: ASCENT_SKIP_PYTHON=1');

describe.skipIf(skipPython)('examples/python/train_iris.py (unmodified mlflow client, scikit-learn iris)', () => {
  it('logs a sweep with nested runs, epoch curves, the dataset and a model', async () => {
    if (!fs.existsSync(python)) {
      throw new Error(`No Python virtualenv at ${venv}: python3 -m venv .venv && .venv/bin/pip install -r test/compat/requirements.txt (or ASCENT_SKIP_PYTHON=1)`);
    }
    const result = await run(python, ['examples/python/train_iris.py'], {
      MLFLOW_TRACKING_URI: server.url,
      EPOCHS: '5',
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
      MLFLOW_DISABLE_TELEMETRY: 'true',
      DO_NOT_TRACK: 'true',
    });
    expect(result.code, `the example failed:\n${result.output}`).toBe(0);
    const experiment = await client.experiments.getByName('iris-species');
    const runs = (await client.runs.search({ experimentIds: [experiment.experimentId] })).items;
    const sweep = runs.find((r) => r.info.runName === 'sweep')!;
    const children = runs.filter((r) => r.info.parentRunId === sweep.info.runId);
    expect(children.map((r) => r.info.runName).sort()).toEqual(['C=0.01', 'C=0.1', 'C=1.0', 'C=10.0']);
    for (const child of children) {
      expect(child.info.status).toBe('FINISHED');
      const history = (await client.runs.metricHistory(child.info.runId, 'val_accuracy')).items;
      expect(history.map((m) => m.step)).toEqual([1, 2, 3, 4, 5]);
      expect(child.inputs.datasetInputs[0]?.dataset.name).toBe('iris');
      expect(child.outputs.modelOutputs).toHaveLength(1);
    }
    expect(Number(sweep.data.metrics.find((m) => m.key === 'best_val_accuracy')?.value)).toBeGreaterThan(0.8);

    // The best model was registered and `champion` points at it (read through MLflow's registry API).
    const res = await fetch(`${server.url}/api/2.0/mlflow/registered-models/get?name=iris-classifier`);
    expect(res.status).toBe(200);
    const { registered_model: model } = (await res.json()) as {
      registered_model: { aliases: { alias: string; version: string }[]; latest_versions: { version: string; run_id: string }[] };
    };
    const champion = model.aliases.find((a) => a.alias === 'champion');
    expect(champion?.version).toBe('1');
    const bestRunId = sweep.data.tags.find((t) => t.key === 'best_run_id')?.value;
    expect(model.latest_versions.find((v) => v.version === champion?.version)?.run_id).toBe(bestRunId);
  }, 180_000);
});

describe('scale-out: the cars example through a round-robin balancer over two replicas on PostgreSQL + S3', () => {
  let db: TestPostgres | undefined;
  let s3: S3TestServer | undefined;
  let replicas: RunningServer[] = [];
  let balancer: Balancer | undefined;
  let replicaDataDir: string;
  const savedEnv: Record<string, string | undefined> = {};

  beforeAll(async () => {
    [db, s3] = await Promise.all([createTestDatabase(), ensureS3Server()]);
    // The S3 store takes its endpoint and credentials from the environment, as in a deployment.
    const env = {
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      AWS_REGION: s3.region,
    };
    for (const [key, value] of Object.entries(env)) {
      savedEnv[key] = process.env[key];
      process.env[key] = value;
    }
    replicaDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-replicas-'));
    const config = loadConfig(
      { databaseUrl: db.url, artifactsUri: `s3://${s3.bucket}/ascent`, dataDir: replicaDataDir, port: 0, host: '127.0.0.1', logLevel: 'silent' },
      {},
    );
    // Started together, as an orchestrator starts replicas: both run the migrations check at once.
    replicas = await Promise.all([startServer(config), startServer(config)]);
    balancer = await startBalancer(replicas.map((r) => r.url));
  }, 120_000);

  afterAll(async () => {
    await balancer?.close();
    await Promise.all(replicas.map((r) => r.close()));
    await s3?.stop();
    await db?.drop();
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    if (replicaDataDir) fs.rmSync(replicaDataDir, { recursive: true, force: true });
  });

  it('logs through both replicas and reads the same runs, curves and S3 artifacts from each', async () => {
    const result = await run(process.execPath, ['--import', 'tsx', 'examples/typescript/train-cars.ts'], {
      ASCENT_URL: balancer!.url,
      EPOCHS: '20',
    });
    expect(result.code, `the example failed:\n${result.output}`).toBe(0);
    expect(Math.min(...balancer!.hits)).toBeGreaterThan(10);

    for (const replica of replicas) {
      const client = new AscentClient({ baseUrl: replica.url });
      const experiment = await client.experiments.getByName('cars-mpg');
      const runs = (await client.runs.search({ experimentIds: [experiment.experimentId] })).items;
      expect(runs).toHaveLength(5);
      const child = runs.find((r) => r.info.runName === 'lr-0.1')!;
      expect(child.info.status).toBe('FINISHED');
      expect((await client.runs.metricHistory(child.info.runId, 'val_rmse')).items).toHaveLength(20);
      const model = JSON.parse(new TextDecoder().decode(await client.runs.downloadArtifact(child.info.runId, 'model/model.json')));
      expect(model.weights).toHaveLength(6);
    }

    // The artifacts live in the bucket, not on either replica's disk.
    const client = new S3Client({ endpoint: s3!.endpoint, region: s3!.region, credentials: s3!.credentials, forcePathStyle: true });
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: s3!.bucket, Prefix: 'ascent/' }));
      const keys = (listed.Contents ?? []).map((o) => o.Key ?? '');
      expect(keys.filter((k) => k.endsWith('/model/model.json'))).toHaveLength(4);
      expect(keys.filter((k) => k.endsWith('/report.txt'))).toHaveLength(4);
    } finally {
      client.destroy();
    }
  }, 120_000);
});

interface Balancer {
  url: string;
  /** Requests sent to each target so far. */
  hits: number[];
  close(): Promise<void>;
}

/** A minimal round-robin HTTP load balancer: each request goes to the next target in turn. */
async function startBalancer(targets: string[]): Promise<Balancer> {
  const hits = targets.map(() => 0);
  let next = 0;
  const server = http.createServer((req, res) => {
    const index = next++ % targets.length;
    hits[index]!++;
    const upstream = http.request(new URL(req.url ?? '/', targets[index]), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.once('error', (err) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`balancer: ${err.message}`);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Run a command from the repository root; resolve with its exit code and combined output. */
function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}
