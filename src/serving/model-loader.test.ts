import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import { isAscentError } from '../core/errors.js';
import type { AppServices } from '../http/app-services.js';
import { writeModelPackage } from '../registry/packages/model-package.js';
import { PackageService } from '../registry/packages/package-service.js';
import { createServices } from '../server.js';
import type { ArtifactStore } from '../storage/artifacts/artifact-store.js';
import { requireProxiedArtifactPath } from '../tracking/artifact-uri.js';
import { FIXTURES_DIR, IRIS, SKIP_PYTHON, VENV_PYTHON, makeJsPackage, pyfuncPackage } from '../../test/fixtures/serving/iris-packages.js';
import { irisColumns } from '../../test/fixtures/serving/model-servers.js';
import { ModelLoader } from './model-loader.js';

// Real services on a real SQLite file and on-disk artifact store; packages written the way the registry reads them.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-loader-'));
let services: AppServices;
let close: () => Promise<void>;
let packages: PackageService;
let runId: string;
let runRoot: string;
const actor = { user: 'test' };
const SIGNATURE = { inputs: IRIS.features.map((name) => ({ type: 'double', name, required: true })), outputs: null, params: null };
const floatInput = (rows: number[][]) => [{ name: 'float_input', datatype: 'FP32' as const, shape: [rows.length, 4], data: rows.flat() }];

/** Counts artifact reads per path on the real store, to see what the cache copies. */
function counting(store: ArtifactStore): { store: ArtifactStore; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const wrapped = Object.create(store) as ArtifactStore;
  wrapped.get = (p: string) => {
    reads.set(p, (reads.get(p) ?? 0) + 1);
    return store.get(p);
  };
  return { store: wrapped, reads };
}

beforeAll(async () => {
  const made = await createServices(loadConfig({ dataDir: path.join(dir, 'data'), logLevel: 'silent' }));
  services = made.services;
  close = made.close;
  packages = new PackageService({ artifacts: services.artifacts, tracking: services.tracking, loggedModels: services.loggedModels });
  const exp = await services.tracking.createExperiment({ name: 'serving' });
  runId = (await services.tracking.createRun({ experimentId: exp, runName: 'train' })).info.runId;
  runRoot = requireProxiedArtifactPath((await services.tracking.getRunInfo(runId)).artifactUri);
  const onnx = fs.readFileSync(path.join(FIXTURES_DIR, 'iris-logreg.onnx'));
  await writeModelPackage(services.artifacts, `${runRoot}/onnx-model`, { flavors: { onnx: { data: 'model.onnx' } }, files: [{ path: 'model.onnx', body: onnx }], signature: SIGNATURE });
  const js = makeJsPackage(path.join(dir, 'js'));
  await writeModelPackage(services.artifacts, `${runRoot}/js-model`, { flavors: { js: { entry: 'model.mjs' } }, files: ['model.mjs', 'centroids.json'].map((f) => ({ path: f, body: fs.readFileSync(path.join(js, f)) })), signature: SIGNATURE });
  await writeModelPackage(services.artifacts, `${runRoot}/r-model`, { flavors: { crate: { path: 'model.rds' } }, files: [{ path: 'model.rds', body: Buffer.from('x') }] });
  await services.registry.createModel({ name: 'iris' }, actor);
  await services.registry.createVersion({ name: 'iris', source: `runs:/${runId}/onnx-model` }, actor);
  await services.registry.createVersion({ name: 'iris', source: `runs:/${runId}/js-model` }, actor);
  await services.registry.createVersion({ name: 'iris', source: `runs:/${runId}/r-model` }, actor);
  await services.releases.setAlias('iris', 'champion', '1', actor);
});
afterAll(async () => {
  await close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ModelLoader', () => {
  it('loads name@alias through the registry into the content-addressed cache, on the runtime its flavors select', async () => {
    const cacheDir = path.join(dir, 'cache-a');
    const loader = new ModelLoader({ registry: services.registry, packages, artifacts: services.artifacts, cacheDir });
    const model = await loader.load('iris@champion');
    expect([model.name, model.version, model.runtime, model.source]).toEqual(['iris', '1', 'onnx', `runs:/${runId}/onnx-model`]);
    expect(model.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(model.packageDir).toBe(path.join(cacheDir, 'models', model.digest));
    expect(model.signature?.inputs?.map((s) => s.name)).toEqual(IRIS.features);
    const out = await model.predict(floatInput([IRIS.rows[0]!, IRIS.rows[100]!]));
    expect(out.find((t) => t.name === 'label')!.data).toEqual([0, 2]);
    expect(fs.readdirSync(path.join(cacheDir, 'staging'))).toEqual([]);

    const js = await loader.load('iris/2');
    expect([js.version, js.runtime]).toEqual(['2', 'js']);
    expect((await js.predict(floatInput([IRIS.rows[100]!])))[0]!.data).toEqual([2]);
    const byRun = await loader.load(`runs:/${runId}/js-model`);
    expect([byRun.runtime, byRun.digest]).toEqual(['js', js.digest]);
    await loader.close();
    expect(model.ready()).toBe(false);
  });

  it('follows an alias when it moves', async () => {
    const loader = new ModelLoader({ registry: services.registry, packages, artifacts: services.artifacts, cacheDir: path.join(dir, 'cache-b') });
    await services.releases.setAlias('iris', 'canary', '1', actor);
    expect((await loader.resolve('iris@canary')).version).toBe('1');
    await services.releases.setAlias('iris', 'canary', '2', actor);
    const moved = await loader.load('iris@canary');
    expect([moved.version, moved.runtime]).toEqual(['2', 'js']);
    await loader.close();
  });

  it('copies a package once for concurrent loads and not again after a restart', async () => {
    const cacheDir = path.join(dir, 'cache-c');
    const first = counting(services.artifacts);
    const loader = new ModelLoader({ registry: services.registry, packages, artifacts: first.store, cacheDir });
    const models = await Promise.all(Array.from({ length: 5 }, () => loader.load('iris/1')));
    expect(new Set(models.map((m) => m.digest)).size).toBe(1);
    expect(first.reads.get(`${runRoot}/onnx-model/model.onnx`)).toBe(1);
    await loader.close();

    // A copy a killed process left in staging two hours ago is swept by the next process; a fresh one is not.
    const stale = path.join(cacheDir, 'staging', 'left-by-a-crash');
    const fresh = path.join(cacheDir, 'staging', 'being-copied-now');
    for (const d of [stale, fresh]) fs.mkdirSync(d, { recursive: true });
    fs.utimesSync(stale, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
    const again = counting(services.artifacts);
    const restarted = new ModelLoader({ registry: services.registry, packages, artifacts: again.store, cacheDir });
    const model = await restarted.load('iris@champion');
    expect(model.digest).toBe(models[0]!.digest);
    expect(again.reads.get(`${runRoot}/onnx-model/model.onnx`)).toBeUndefined();
    expect(fs.readdirSync(path.join(cacheDir, 'staging'))).toEqual(['being-copied-now']);
    await restarted.close();
  });

  it.skipIf(SKIP_PYTHON)('serves a package the real mlflow client wrote (sklearn pyfunc) on the python runtime', async () => {
    const pyfunc = await pyfuncPackage();
    for (const file of fs.readdirSync(pyfunc, { recursive: true, withFileTypes: true })) {
      if (!file.isFile()) continue;
      const rel = path.relative(pyfunc, path.join(file.parentPath, file.name)).split(path.sep).join('/');
      await services.artifacts.put(`${runRoot}/sk-model/${rel}`, fs.readFileSync(path.join(file.parentPath, file.name)));
    }
    await services.registry.createModel({ name: 'iris-sk' }, actor);
    await services.registry.createVersion({ name: 'iris-sk', source: `runs:/${runId}/sk-model` }, actor);
    const loader = new ModelLoader({ registry: services.registry, packages, artifacts: services.artifacts, cacheDir: path.join(dir, 'cache-py'), python: { pythonExecutable: VENV_PYTHON } });
    try {
      const model = await loader.load('iris-sk/1');
      expect(model.runtime).toBe('python');
      expect(model.signature?.inputs?.map((s) => s.name)).toEqual(IRIS.features);
      expect((await model.predict(irisColumns([IRIS.rows[0]!, IRIS.rows[100]!])))[0]!.data).toEqual([0, 2]);
    } finally {
      await loader.close();
    }
  }, 300_000);

  it('refuses what it cannot serve with coded errors', async () => {
    const loader = new ModelLoader({ registry: services.registry, packages, artifacts: services.artifacts, cacheDir: path.join(dir, 'cache-d') });
    const code = (p: Promise<unknown>): Promise<unknown[] | null> => p.then(() => null, (e: unknown) => (isAscentError(e) ? [e.code, e.message] : [e]));
    expect(await code(loader.load('iris/3'))).toEqual(['INVALID_STATE', expect.stringMatching(/no flavor Ascent can serve \(flavors: crate\)/)]);
    expect((await code(loader.load('nope@champion')))![0]).toBe('NOT_FOUND');
    expect((await code(loader.load('iris')))![0]).toBe('INVALID_ARGUMENT');
    expect((await code(loader.load('iris/1', { runtime: 'http' })))![0]).toBe('INVALID_ARGUMENT');
    await loader.close();
  });
});
