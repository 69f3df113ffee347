import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AscentError } from '../../core/errors.js';
import { ReleaseService } from '../../registry/releases.js';
import { RegistryService } from '../../registry/service.js';
import { SqlRegistryStore } from '../../registry/sql-store.js';
import { openSqlDatabase, type SqlDatabase } from '../../storage/sql/sql-database.js';
import { LoggedModelService } from '../../tracking/logged-model-service.js';
import { TrackingService } from '../../tracking/service.js';
import { SqlTrackingStore } from '../../tracking/sql-store.js';
import { DeploymentService } from '../deployments/service.js';
import { SqlDeploymentStore } from '../deployments/sql-store.js';
import { InferenceLog } from '../inference-log/inference-log.js';
import { SqlInferenceLogStore } from '../inference-log/sql-store.js';
import type { InferenceRecord } from '../inference-record.js';
import { ServingMetrics } from '../metrics/serving-metrics.js';
import type { LoadedModel, Tensor } from '../model-runtime.js';
import type { ModelTarget } from './model-cache.js';
import { ServingManager } from './serving-manager.js';
import { recordsRequest } from '../codec/index.js';
import type { ModelSignature } from '../../registry/packages/manifest.js';

/** A column-based MLflow signature: features a and b, stacked into the model's one [-1, 2] input. */
const SIGNATURE: ModelSignature = { inputs: [{ type: 'double', name: 'a', required: true }, { type: 'double', name: 'b', required: true }], outputs: null, params: null };

/**
 * Router behaviour on the real stores and registry; the model is a tiny in-test LoadedModel that
 * answers its own version number (so every answer says who served it) after an optional delay.
 */
class VersionModel implements LoadedModel {
  closed = false;
  constructor(readonly version: string, private readonly delayMs: () => number) {}
  readonly metadata = { name: 'm', platform: 'test', inputs: [{ name: 'x', datatype: 'FP32' as const, shape: [-1, 2] }], outputs: [{ name: 'y', datatype: 'FP32' as const, shape: [-1] }] };
  async predict(inputs: Tensor[]): Promise<Tensor[]> {
    if (this.closed) throw new Error(`version ${this.version} used after close`);
    const ms = this.delayMs();
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
    const n = inputs[0]!.shape[0]!;
    return [{ name: 'y', datatype: 'FP32', shape: [n], data: Array(n).fill(Number(this.version)) }];
  }
  ready(): boolean {
    return !this.closed;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

describe('serving manager (router)', () => {
  let dir: string;
  let database: SqlDatabase;
  let deployments: DeploymentService;
  let registry: RegistryService;
  let releases: ReleaseService;
  let log: InferenceLog;
  let serving: ServingManager;
  const loads: ModelTarget[] = [];
  let delay = 0;
  const ada = { user: 'ada' };
  const seen: InferenceRecord[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-router-'));
    database = await openSqlDatabase({ url: `sqlite:${path.join(dir, 'a.db')}` });
    const tracking = new TrackingService({ store: new SqlTrackingStore(database) });
    await tracking.init();
    registry = new RegistryService({ store: new SqlRegistryStore(database), tracking, loggedModels: new LoggedModelService(tracking) });
    releases = new ReleaseService(registry);
    await registry.createModel({ name: 'm' }, ada);
    for (let i = 1; i <= 3; i++) await registry.createVersion({ name: 'm', source: `s3://b/m${i}` }, ada);
    await releases.setAlias('m', 'champion', '1', ada);
    deployments = new DeploymentService({ store: new SqlDeploymentStore(database), models: registry });
    log = new InferenceLog({ store: new SqlInferenceLogStore(database), flushIntervalMs: 10 });
    log.subscribe({ onPredictions: (b) => void seen.push(...b) });
    const metrics = new ServingMetrics({ source: () => serving?.gauges() });
    serving = new ServingManager({
      deployments, models: registry, log, metrics, pollMs: 50,
      provider: { load: async (t) => (loads.push(t), { model: new VersionModel(t.version, () => delay), signature: SIGNATURE }) },
    });
    await serving.start();
  });
  afterAll(async () => {
    await serving.close();
    await log.stop();
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const x = { kind: 'oip' as const, tensors: [{ name: 'x', datatype: 'FP32' as const, shape: [1, 2], data: [1, 2] }] };
  const ask = (deployment: string, i: number, extra: Partial<Parameters<ServingManager['predict']>[0]> = {}) =>
    serving.predict({ deployment, requestId: `${deployment}-${i}`, input: x, ...extra });

  it('splits traffic by weight and canary percent within statistical tolerance', async () => {
    await deployments.create({ name: 'ab', variants: [{ name: 'one', model: 'm/1', weight: 3 }, { name: 'two', model: 'm/2', weight: 1 }, { name: 'three', model: 'm/3', role: 'canary', percent: 20 }] }, 'ada');
    await serving.sync('ab');
    const counts: Record<string, number> = {};
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const r = await ask('ab', i);
      counts[r.variant] = (counts[r.variant] ?? 0) + 1;
      expect(r.outputs[0]!.data[0]).toBe(Number(r.modelVersion));
    }
    // Expected shares: three 20 %, one 60 %, two 20 %; 5 standard deviations of a binomial.
    for (const [v, p] of [['three', 0.2], ['one', 0.6], ['two', 0.2]] as const) {
      expect(Math.abs(counts[v]! - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
    }
  });

  it('sticky keys always land on the same variant', async () => {
    for (const key of ['alice', 'bob', 'carol', 'dave']) {
      const first = (await ask('ab', 0, { stickyKey: key })).variant;
      for (let i = 0; i < 20; i++) expect((await ask('ab', i, { stickyKey: key })).variant).toBe(first);
    }
  });

  it('records are validated and encoded against the signature; a missing or mistyped feature is a 400 naming it', async () => {
    const r = await serving.predict({ deployment: 'ab', requestId: 'rec-1', input: recordsRequest([{ b: 2, a: 1 }]) });
    expect(r.outputs[0]!.shape).toEqual([1]);
    const err = await serving.predict({ deployment: 'ab', requestId: 'rec-2', input: recordsRequest([{ a: 1 }]) }).catch((e: AscentError) => e);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'inputs.b' });
    const typed = await serving.predict({ deployment: 'ab', requestId: 'rec-3', input: recordsRequest([{ a: 1, b: 'x' }]) }).catch((e: AscentError) => e);
    expect(typed).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'inputs[0].b' });
  });

  it('shadow predictions never reach the caller and are logged with shadow=true', async () => {
    await deployments.create({ name: 'sh', variants: [{ name: 'main', model: 'm/1' }, { name: 'mirror', model: 'm/2', role: 'shadow', percent: 100 }], inputSampleRate: 0 }, 'ada');
    await serving.sync('sh');
    for (let i = 0; i < 50; i++) expect((await ask('sh', i)).variant).toBe('main');
    await new Promise((r) => setTimeout(r, 50));
    await log.flush();
    const rows = await log.predictions({ deployment: 'sh', limit: 500 });
    expect(rows.filter((r) => r.shadow).every((r) => r.variant === 'mirror' && r.outputs[0] === 2)).toBe(true);
    expect(rows.filter((r) => r.shadow)).toHaveLength(50);
    expect(rows.filter((r) => !r.shadow)).toHaveLength(50);
    // inputSampleRate 0: the table keeps no inputs, subscribers still get them.
    expect(rows.every((r) => r.inputs === null)).toBe(true);
    expect(seen.filter((r) => r.deployment === 'sh').every((r) => r.inputs.length === 1)).toBe(true);
  });

  it('a full variant queue answers 429 at once instead of growing', async () => {
    await deployments.create({ name: 'tight', variants: [{ name: 'only', model: 'm/1', concurrency: 2, maxQueue: 3 }] }, 'ada');
    await serving.sync('tight');
    delay = 40;
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => ask('tight', i)));
    delay = 0;
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as AscentError).code)).toEqual(Array(5).fill('RATE_LIMITED'));
  });

  it('swaps versions under load with zero failed requests, draining the old model before closing it', async () => {
    await deployments.create({ name: 'swap', variants: [{ name: 'live', model: 'm/1', concurrency: 16, maxQueue: 1000 }] }, 'ada');
    await serving.sync('swap');
    delay = 2;
    let stop = false;
    const versions = new Set<string>();
    let failures = 0;
    let count = 0;
    const workers = Array.from({ length: 8 }, async () => {
      while (!stop) {
        try {
          versions.add((await ask('swap', count++)).modelVersion);
        } catch {
          failures++;
        }
      }
    });
    for (const v of ['2', '3', '1', '2']) {
      const d = await deployments.get('swap');
      await deployments.update('swap', { variants: [{ ...d.variants[0]!, model: `m/${v}` }] }, 'ada');
      await serving.sync('swap');
      await new Promise((r) => setTimeout(r, 30));
    }
    stop = true;
    await Promise.all(workers);
    delay = 0;
    expect(failures).toBe(0);
    expect(count).toBeGreaterThan(50);
    expect([...versions].sort()).toEqual(['1', '2', '3']);
    expect(serving.status('swap')).toMatchObject({ state: 'ready', servingRevision: 5 });
  });

  it('follows an alias when it moves (replicas poll the registry)', async () => {
    await deployments.create({ name: 'champ', variants: [{ name: 'c', model: 'm@champion' }] }, 'ada');
    await serving.sync('champ');
    expect((await ask('champ', 1)).modelVersion).toBe('1');
    await releases.setAlias('m', 'champion', '3', ada);
    await expect.poll(async () => (await ask('champ', 2)).modelVersion, { timeout: 5000 }).toBe('3');
  });

  it('picks up deployments written by another replica and forgets deleted ones', async () => {
    const other = new DeploymentService({ store: new SqlDeploymentStore(database), models: registry });
    await other.create({ name: 'remote', variants: [{ name: 'r', model: 'm/2' }] }, 'bob');
    await expect.poll(() => serving.status('remote').state, { timeout: 5000 }).toBe('ready');
    await other.delete('remote');
    await expect.poll(() => serving.status('remote').state, { timeout: 5000 }).toBe('absent');
    expect(await ask('remote', 1).catch((e: AscentError) => e.code)).toBe('NOT_FOUND');
  });

  it('a revision that fails to load leaves the previous one serving', async () => {
    const d = await deployments.get('ab');
    await deployments.update('ab', { variants: [{ ...d.variants[0]!, runtime: 'python' }] }, 'ada');
    const provider = (serving as unknown as { cache: { provider: { load: unknown } } }).cache.provider;
    const original = provider.load;
    provider.load = async () => { throw new Error('python exploded'); };
    await serving.sync('ab');
    provider.load = original;
    expect(serving.status('ab')).toMatchObject({ state: 'failed', servingRevision: 1, error: 'python exploded' });
    expect((await ask('ab', 1)).deployment).toBe('ab');
  });
});

describe('sticky fractions', () => {
  it('are uniform in [0, 1): 10,000 keys fill ten equal buckets within 5σ', async () => {
    const { stickyFraction } = await import('./traffic-picker.js');
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const u = stickyFraction(`user-${i}`);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      buckets[Math.floor(u * 10)]++;
    }
    for (const b of buckets) expect(Math.abs(b - 1000)).toBeLessThan(5 * Math.sqrt(10_000 * 0.1 * 0.9));
  });
});
