import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AscentError } from '../../core/errors.js';
import { FsArtifactStore } from '../../storage/artifacts/fs-artifact-store.js';
import { openSqlDatabase, type SqlDatabase } from '../../storage/sql/sql-database.js';
import { LoggedModelService } from '../../tracking/logged-model-service.js';
import { TrackingService } from '../../tracking/service.js';
import { SqlTrackingStore } from '../../tracking/sql-store.js';
import { RegistryService } from '../service.js';
import { SqlRegistryStore } from '../sql-store.js';
import { readModelPackage, writeModelPackage } from './model-package.js';
import { resolvePackageRoot } from './package-source.js';
import { PackageService } from './package-service.js';

const SIGNATURE = {
  inputs: [{ type: 'tensor', name: 'features', 'tensor-spec': { dtype: 'float32', shape: [-1, 4] } }],
  outputs: [{ type: 'tensor', name: 'label', 'tensor-spec': { dtype: 'int64', shape: [-1] } }],
  params: null,
};

async function untar(stream: NodeJS.ReadableStream): Promise<Map<string, Buffer>> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  const files = new Map<string, Buffer>();
  const ex = extract();
  const done = (async () => {
    for await (const entry of ex) {
      const parts: Buffer[] = [];
      for await (const c of entry) parts.push(c as Buffer);
      files.set(entry.header.name, Buffer.concat(parts));
    }
  })();
  Readable.from([gunzipSync(Buffer.concat(chunks))]).pipe(ex as unknown as NodeJS.WritableStream);
  await done;
  return files;
}

// Real SQLite and a real on-disk artifact store: the package path a server would take.
describe('model packages', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-packages-'));
  const artifacts = new FsArtifactStore(path.join(dir, 'artifacts'));
  let database: SqlDatabase;
  let tracking: TrackingService;
  let loggedModels: LoggedModelService;
  let packages: PackageService;
  let registry: RegistryService;
  const onnxBytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));

  beforeAll(async () => {
    database = await openSqlDatabase({ url: `sqlite:${path.join(dir, 'ascent.db')}` });
    tracking = new TrackingService({ store: new SqlTrackingStore(database) });
    await tracking.init();
    loggedModels = new LoggedModelService(tracking);
    packages = new PackageService({ artifacts, tracking, loggedModels });
    registry = new RegistryService({ store: new SqlRegistryStore(database), tracking, loggedModels, packageInspector: packages.inspector });
  });
  afterAll(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes an ONNX package (payload first, MLmodel last) and reads it back', async () => {
    const written = await writeModelPackage(artifacts, 'pkg/onnx', {
      flavors: { onnx: { data: 'model.onnx', onnx_version: '1.17.0' } },
      files: [{ path: 'model.onnx', body: onnxBytes }],
      signature: SIGNATURE,
      requirements: ['onnxruntime==1.20.0'],
      inputExample: { features: [[5.1, 3.5, 1.4, 0.2]] },
    });
    expect(written.files.map((f) => f.path)).toEqual(['MLmodel', 'input_example.json', 'model.onnx', 'requirements.txt']);
    const pkg = await readModelPackage(artifacts, 'pkg/onnx');
    expect(pkg).toMatchObject({ flavors: ['onnx'], runtime: 'onnx', signature: SIGNATURE, requirements: ['onnxruntime==1.20.0'], problems: [] });
    expect(pkg.files.find((f) => f.path === 'model.onnx')?.size).toBe(onnxBytes.length);
    expect(pkg.manifest.saved_input_example_info).toMatchObject({ artifact_path: 'input_example.json' });
    expect(pkg.manifest.model_size_bytes).toBe(pkg.files.filter((f) => f.path !== 'MLmodel').reduce((s, f) => s + f.size, 0));
  });

  it('writes a js package and refuses a flavor whose file is missing, writing nothing', async () => {
    await writeModelPackage(artifacts, 'pkg/js', { flavors: { js: { entry: 'model.mjs' } }, files: [{ path: 'model.mjs', body: 'export function predict(x) { return x; }\n' }] });
    expect((await readModelPackage(artifacts, 'pkg/js')).runtime).toBe('js');
    await expect(writeModelPackage(artifacts, 'pkg/broken', { flavors: { js: { entry: 'model.mjs' } }, files: [{ path: 'other.mjs', body: 'x' }] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await artifacts.list('pkg/broken')).toEqual([]);
    await expect(writeModelPackage(artifacts, 'pkg/x', { flavors: { js: { entry: 'a.mjs' } }, files: [{ path: '../a.mjs', body: 'x' }] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(readModelPackage(artifacts, 'pkg')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('flags a flavor file that the package does not hold', async () => {
    await artifacts.put('pkg/hollow/MLmodel', 'flavors:\n  onnx:\n    data: model.onnx\n');
    expect((await readModelPackage(artifacts, 'pkg/hollow')).problems).toEqual(["flavor file 'model.onnx' is missing from the package"]);
  });

  it('resolves mlflow-artifacts:/, runs:/ and models:/m-… sources to artifact-store paths', async () => {
    const exp = await tracking.createExperiment({ name: 'pkg-sources' });
    const run = await tracking.createRun({ experimentId: exp });
    const logged = await loggedModels.create({ experimentId: exp, sourceRunId: run.info.runId });
    const deps = { tracking, loggedModels };
    const runRoot = `${exp}/${run.info.runId}/artifacts`;
    expect(await resolvePackageRoot({ source: `mlflow-artifacts:/${runRoot}/model` }, deps)).toBe(`${runRoot}/model`);
    expect(await resolvePackageRoot({ source: `mlflow-artifacts://ascent:5000/${runRoot}/model` }, deps)).toBe(`${runRoot}/model`);
    expect(await resolvePackageRoot({ source: `runs:/${run.info.runId}/model` }, deps)).toBe(`${runRoot}/model`);
    expect(await resolvePackageRoot({ source: `models:/${logged.modelId}` }, deps)).toBe(`${exp}/models/${logged.modelId}/artifacts`);
    expect(await resolvePackageRoot({ source: 's3://elsewhere/model' }, deps)).toBeNull();
    const refused = await resolvePackageRoot({ source: `runs:/${run.info.runId}/../../../etc` }, deps).catch((e: AscentError) => e.code);
    expect(refused).toBe('INVALID_ARGUMENT');
    await expect(resolvePackageRoot({ source: 'runs:/ffffffffffffffffffffffffffffffff/model' }, deps)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('records the signature when a version is registered after its package (MLflow order), and streams a reproducible tar.gz', async () => {
    const exp = await tracking.createExperiment({ name: 'pkg-register' });
    const logged = await loggedModels.create({ experimentId: exp });
    const root = `${exp}/models/${logged.modelId}/artifacts`;
    await writeModelPackage(artifacts, root, { flavors: { onnx: { data: 'model.onnx' } }, files: [{ path: 'model.onnx', body: onnxBytes }], signature: SIGNATURE });
    await registry.createModel({ name: 'iris onnx' }, { user: 'ada' });
    const v = await registry.createVersion({ name: 'iris onnx', source: `models:/${logged.modelId}` }, { user: 'ada' });
    expect(JSON.parse(v.signature!)).toEqual(SIGNATURE);
    // No package at the source: the version still registers, without a signature.
    const bare = await registry.createVersion({ name: 'iris onnx', source: 's3://bucket/elsewhere' }, { user: 'ada' });
    expect(bare).toMatchObject({ version: '2', signature: null });

    const first = await packages.archive(v);
    expect(first.fileName).toBe('iris_onnx-v1.tar.gz');
    const files = await untar(first.stream);
    expect([...files.keys()].sort()).toEqual(['iris_onnx-v1/MLmodel', 'iris_onnx-v1/model.onnx']);
    expect(files.get('iris_onnx-v1/model.onnx')!.equals(onnxBytes)).toBe(true);
    const bytes = async () => Buffer.concat(await (await packages.archive(v)).stream.toArray());
    expect((await bytes()).equals(await bytes())).toBe(true);
    await expect(packages.openFile(v, '../MLmodel')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(packages.read(bare)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
