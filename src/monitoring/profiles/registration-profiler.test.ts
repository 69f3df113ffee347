import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryService } from '../../registry/service.js';
import { SqlRegistryStore } from '../../registry/sql-store.js';
import { FsArtifactStore } from '../../storage/artifacts/fs-artifact-store.js';
import { openSqlDatabase, type SqlDatabase } from '../../storage/sql/sql-database.js';
import { proxiedArtifactPath } from '../../tracking/artifact-uri.js';
import { LoggedModelService } from '../../tracking/logged-model-service.js';
import { TrackingService } from '../../tracking/service.js';
import { SqlTrackingStore } from '../../tracking/sql-store.js';
import { SqlMonitoringStore } from '../sql-store.js';
import { RegistrationProfiler } from './registration-profiler.js';

// Real SQLite, tracking, registry and artifact store (no mocks): registrations are profiled from
// the durable event log, and every way of having no profile is recorded with its reason.
describe('RegistrationProfiler', () => {
  let dir: string;
  let database: SqlDatabase;
  let tracking: TrackingService;
  let registry: RegistryService;
  let artifacts: FsArtifactStore;
  let store: SqlMonitoringStore;
  let profiler: RegistrationProfiler;
  let experimentId: string;
  const actor = { user: 'ada' };
  // The signature the registry records for every version here: inputs x, city; output `label`.
  const signature = JSON.stringify({ inputs: [{ type: 'double', name: 'x' }, { type: 'string', name: 'city' }], outputs: [{ type: 'long', name: 'label' }], params: null });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-profiler-'));
    database = await openSqlDatabase({ url: `sqlite:${path.join(dir, 'db.sqlite')}` });
    tracking = new TrackingService({ store: new SqlTrackingStore(database) });
    await tracking.init();
    const loggedModels = new LoggedModelService(tracking);
    registry = new RegistryService({ store: new SqlRegistryStore(database), tracking, loggedModels, packageInspector: async () => signature });
    artifacts = new FsArtifactStore(path.join(dir, 'artifacts'));
    store = new SqlMonitoringStore(database);
    profiler = new RegistrationProfiler({ store, registry, tracking, artifacts });
    experimentId = await tracking.createExperiment({ name: 'profiles', artifactLocation: 'mlflow-artifacts:/profiles' });
    await registry.createModel({ name: 'churn' }, actor);
  });
  afterAll(async () => {
    await profiler.stop();
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const csv = (name: string, rows: number) => {
    const file = path.join(dir, name);
    const lines = ['x,city,label,note'];
    for (let i = 0; i < rows; i++) lines.push(`${(i * 0.37) % 5},${['paris', 'lyon', 'nice'][i % 3]},${i % 2},row ${i}`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };
  // Datasets are unique by (name, digest) per experiment, as in MLflow: each source gets its own digest.
  let digests = 0;
  const dataset = (source: string, context: string | null, name = 'train') => ({
    dataset: { name, digest: `d${++digests}`, sourceType: 'local', source: JSON.stringify({ uri: source }) },
    tags: context ? [{ key: 'mlflow.data.context', value: context }] : [],
  });
  /** A run with these dataset inputs, registered as a new version of `churn`; returns the version. */
  const register = async (inputs: ReturnType<typeof dataset>[] | null) => {
    const run = await tracking.createRun({ experimentId });
    if (inputs && inputs.length > 0) await tracking.logInputs(run.info.runId, { datasets: inputs });
    const v = await registry.createVersion({ name: 'churn', source: `runs:/${run.info.runId}/model`, runId: inputs === null ? undefined : run.info.runId }, actor);
    return { version: v.version, run };
  };

  it('computes the profile from the run input tagged training, with the signature output as the prediction', async () => {
    const { version } = await register([dataset(csv('eval.csv', 10), 'eval', 'eval'), dataset(csv('train.csv', 300), 'training')]);
    expect(await profiler.runOnce()).toBeGreaterThanOrEqual(1);
    const status = await store.getProfileStatus('churn', version);
    expect(status).toMatchObject({ status: 'computed', reason: null, dataset: { name: 'train' } });
    const stored = await store.latestProfile('churn', version);
    expect(stored?.profileId).toBe(status?.profileId);
    expect(stored?.source).toBe('training');
    expect(stored?.profile.rows).toBe(300);
    // Only the model's inputs are features; `note` (not an input) is left out, `label` is the prediction.
    expect(stored?.profile.features.map((f) => f.name)).toEqual(['x', 'city']);
    expect(stored?.profile.prediction?.kind).toBe('categorical');
    // Handled once: the cursor moved past it.
    expect(await profiler.runOnce()).toBe(0);
  });

  it('reads a JSON-lines dataset stored as an artifact of the run (relative source path)', async () => {
    const run = await tracking.createRun({ experimentId });
    const root = proxiedArtifactPath(run.info.artifactUri)!;
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ x: i, city: i % 2 ? 'paris' : 'lyon', ...(i > 10 ? { label: i % 2 } : {}) }));
    await artifacts.put(`${root}/data/train.jsonl`, `${lines.join('\n')}\n`);
    await tracking.logInputs(run.info.runId, { datasets: [dataset('data/train.jsonl', null)] });
    const v = await registry.createVersion({ name: 'churn', source: `runs:/${run.info.runId}/model`, runId: run.info.runId }, actor);
    await profiler.runOnce();
    expect((await store.getProfileStatus('churn', v.version))?.status).toBe('computed');
    const p = (await store.latestProfile('churn', v.version))!.profile;
    expect(p.rows).toBe(50);
    expect(p.prediction?.missing).toBe(11);
  });

  it('records why a version has no profile', async () => {
    const cases: [ReturnType<typeof dataset>[] | null, string][] = [
      [null, 'no training dataset: the version has no source run'],
      [[], 'no training dataset: the run logged no dataset input'],
      [[dataset(csv('a.csv', 5), 'eval', 'a'), dataset(csv('b.csv', 5), null, 'b')], 'no training dataset: 2 dataset inputs, none with mlflow.data.context=training'],
      [[dataset(path.join(dir, 'missing.csv'), 'training')], `source not readable: no such file ${path.join(dir, 'missing.csv')}`],
      [[dataset('https://example.com/train.csv', 'training')], 'source not readable: https://example.com/train.csv: sources of this kind are not read'],
      [[dataset('s3://elsewhere/train.csv', 'training')], 'source not readable: s3://elsewhere/train.csv is outside the artifact store'],
      [[dataset(path.join(dir, 'train.txt'), 'training')], 'unsupported dataset format'],
      [[dataset('data/absent.csv', 'training')], 'source not readable: no artifact at'],
    ];
    const versions: string[] = [];
    for (const [inputs] of cases) versions.push((await register(inputs)).version);
    await profiler.runOnce();
    for (const [i, [, reason]] of cases.entries()) {
      const status = await store.getProfileStatus('churn', versions[i]!);
      expect(status?.status, reason).toBe('skipped');
      expect(status?.reason).toContain(reason);
      expect(await store.latestProfile('churn', versions[i]!)).toBeNull();
    }
  });

  it('skips local files when they are disabled, and a bad file fails only its own profile', async () => {
    const local = new RegistrationProfiler({ store, registry, tracking, artifacts, localFiles: false });
    const file = csv('local.csv', 20);
    const { version } = await register([dataset(file, 'training')]);
    await local.runOnce();
    expect((await store.getProfileStatus('churn', version))?.reason).toMatch(/^source not readable: .*local dataset files/);

    const bad = path.join(dir, 'ragged.csv');
    fs.writeFileSync(bad, 'x,city\n1,paris\n2\n');
    const ragged = await register([dataset(bad, 'training')]);
    const good = await register([dataset(csv('good.csv', 20), 'training')]);
    await profiler.runOnce();
    expect((await store.getProfileStatus('churn', ragged.version))?.reason).toMatch(/^source not readable: .*line 3/);
    expect((await store.getProfileStatus('churn', good.version))?.status).toBe('computed');
  });
});
