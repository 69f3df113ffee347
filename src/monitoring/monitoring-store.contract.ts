import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../storage/sql/sql-database.js';
import type { MonitorWindow, StoredProfile } from './model.js';
import { MonitorConfigInput } from './model.js';
import { emptyPerformance } from './performance/performance-accumulator.js';
import { profileRecords } from './profiles/reference-profile.js';
import { SqlMonitoringStore } from './sql-store.js';

type Open = () => Promise<{ database: SqlDatabase; cleanup: () => Promise<void> }>;

const profile = profileRecords(
  Array.from({ length: 50 }, (_, i) => ({ x: i * 1.5, city: i % 2 ? 'lyon' : 'paris' })),
  Array.from({ length: 50 }, (_, i) => i % 3),
);

function window(start: number, variant = 'main', closed = true): MonitorWindow {
  return {
    deployment: 'fraud', variant, start, end: start + 60_000, modelName: 'fraud-model', modelVersion: '3', profileId: 'p1',
    sketch: { rows: 10, requests: 10, errors: 0, schemaViolations: 0, features: {}, prediction: null },
    drift: { features: [], driftedCount: 0, driftShare: 0.25, shareThreshold: 0.5, datasetDrift: false },
    predictionDrift: null,
    quality: { rows: 10, missingRate: 0, typeErrors: 0, outOfRange: 0, unseenCategories: 0, schemaViolations: 0, errorRate: 0, features: {} },
    performance: emptyPerformance(),
    metrics: { labelCoverage: 0, accuracy: null, precision: null, recall: null, f1: null, rocAuc: null, logLoss: null, mae: null, rmse: null, mape: null, r2: null },
    closed,
  };
}

/** The monitoring store contract, run against every implementation (SQLite and PostgreSQL). */
export function runMonitoringStoreContract(name: string, open: Open): void {
  describe(`MonitoringStore contract (${name})`, () => {
    let store: SqlMonitoringStore;
    let database: SqlDatabase;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      const o = await open();
      database = o.database;
      store = new SqlMonitoringStore(o.database);
      cleanup = o.cleanup;
    });
    afterEach(async () => cleanup());

    it('stores profiles and returns the newest for a model version', async () => {
      const p: StoredProfile = { profileId: 'p1', modelName: 'fraud-model', modelVersion: '3', source: 'training', createdTime: 1000, profile };
      await store.putProfile(p);
      await store.putProfile({ ...p, profileId: 'p2', source: 'upload', createdTime: 2000 });
      await store.putProfile({ ...p, profileId: 'p3', modelVersion: '4', createdTime: 3000 });
      const latest = await store.latestProfile('fraud-model', '3');
      expect(latest?.profileId).toBe('p2');
      expect(latest?.profile).toEqual(profile);
      expect(await store.latestProfile('fraud-model', '9')).toBeNull();
      expect((await store.getProfile('p1'))?.source).toBe('training');
      expect((await store.listProfiles('fraud-model')).map((x) => x.profileId)).toEqual(['p3', 'p2', 'p1']);
      await expect(store.putProfile(p)).rejects.toThrow();
    });

    it('upserts monitors with their rule state and deletes them', async () => {
      const config = MonitorConfigInput.parse({ windowSeconds: 60, rules: [{ name: 'drift', metric: 'drift_share', op: '>=', threshold: 0.5 }] });
      await store.putMonitor({ deployment: 'fraud', config, ruleState: {}, updatedTime: 1 });
      await store.putMonitor({ deployment: 'fraud', config, ruleState: { drift: { consecutive: 2, lastFired: 5 } }, updatedTime: 2 });
      const m = await store.getMonitor('fraud');
      expect(m?.ruleState.drift).toEqual({ consecutive: 2, lastFired: 5 });
      expect(m?.config.rules[0]?.consecutiveWindows).toBe(1);
      expect((await store.listMonitors()).map((x) => x.deployment)).toEqual(['fraud']);
      expect(await store.deleteMonitor('fraud')).toBe(true);
      expect(await store.deleteMonitor('fraud')).toBe(false);
      expect(await store.getMonitor('fraud')).toBeNull();
    });

    it('replaces a window by (deployment, variant, start) and lists newest first', async () => {
      await store.putWindow(window(0, 'main', false));
      await store.putWindow(window(0));
      await store.putWindow(window(60_000));
      await store.putWindow(window(60_000, 'canary'));
      const w = await store.getWindow('fraud', 'main', 0);
      expect(w?.closed).toBe(true);
      expect(w?.drift?.driftShare).toBe(0.25);
      const all = await store.windows({ deployment: 'fraud', limit: 10 });
      expect(all.map((x) => [x.start, x.variant])).toEqual([[60_000, 'canary'], [60_000, 'main'], [0, 'main']]);
      expect((await store.windows({ deployment: 'fraud', variant: 'main', from: 30_000, limit: 10 })).length).toBe(1);
      expect((await store.windows({ deployment: 'fraud', to: 30_000, limit: 10 })).length).toBe(1);
      expect(await store.windows({ deployment: 'other', limit: 10 })).toEqual([]);
    });

    it('claims a profile status once per version, then records its outcome', async () => {
      const pending = { modelName: 'fraud-model', modelVersion: '3', status: 'pending' as const, reason: null, profileId: null, dataset: null, updatedTime: 1 };
      expect(await store.claimProfileStatus(pending)).toBe(true);
      expect(await store.claimProfileStatus({ ...pending, updatedTime: 2 })).toBe(false);
      expect((await store.getProfileStatus('fraud-model', '3'))?.updatedTime).toBe(1);
      const dataset = { name: 'train', digest: 'abc', sourceType: 'local', source: '{"uri": "/data/train.csv"}' };
      await store.putProfileStatus({ ...pending, status: 'skipped', reason: 'source not readable: no such file', dataset, updatedTime: 3 });
      const s = await store.getProfileStatus('fraud-model', '3');
      expect(s).toEqual({ ...pending, status: 'skipped', reason: 'source not readable: no such file', dataset, updatedTime: 3 });
      expect(await store.getProfileStatus('fraud-model', '4')).toBeNull();
      await store.putProfileStatus({ ...pending, modelVersion: '4', status: 'computed', profileId: 'p9', updatedTime: 4 });
      expect((await store.getProfileStatus('fraud-model', '4'))?.profileId).toBe('p9');
    });

    it('moves cursors forward only', async () => {
      expect(await store.getCursor('profiles')).toBeNull();
      await store.advanceCursor('profiles', 10, 1);
      await store.advanceCursor('profiles', 7, 2);
      expect(await store.getCursor('profiles')).toBe(10);
      await store.advanceCursor('profiles', 12, 3);
      expect(await store.getCursor('profiles')).toBe(12);
    });

    it('checkpoints open windows with the fold cursor in one transaction and lists the open ones', async () => {
      await store.checkpoint({ windows: [window(0, 'main', false), window(60_000, 'main', false)], cursor: { name: 'fold', value: 41 }, time: 5 });
      expect(await store.getCursor('fold')).toBe(41);
      expect((await store.openWindows()).map((w) => w.start)).toEqual([0, 60_000]);
      await store.checkpoint({ windows: [window(0, 'main', true)], cursor: { name: 'fold', value: 50 }, time: 6 });
      expect((await store.openWindows()).map((w) => w.start)).toEqual([60_000]);
      expect(await store.getCursor('fold')).toBe(50);
      // A window that cannot be written rolls the cursor back with it.
      const bad = { ...window(120_000, 'main', false), deployment: null as unknown as string };
      await expect(store.checkpoint({ windows: [bad], cursor: { name: 'fold', value: 60 }, time: 7 })).rejects.toThrow();
      expect(await store.getCursor('fold')).toBe(50);
    });

    it('keeps alert history with increasing ids', async () => {
      const a = { deployment: 'fraud', variant: 'main', rule: 'drift', metric: 'drift_share', value: 0.6, threshold: 0.5, op: '>=', windowStart: 0, windowEnd: 60_000, time: 70_000, message: 'drift' };
      const first = await store.addAlert(a);
      const second = await store.addAlert({ ...a, time: 80_000 });
      expect(second.alertId).toBeGreaterThan(first.alertId);
      expect((await store.alerts({ deployment: 'fraud', limit: 10 })).map((x) => x.alertId)).toEqual([second.alertId, first.alertId]);
      expect((await store.alerts({ from: 75_000, limit: 10 })).length).toBe(1);
      expect((await store.alerts({ deployment: 'x', limit: 10 })).length).toBe(0);
    });

    it('writes an alert inside a caller transaction: it commits or rolls back with it', async () => {
      const a = { deployment: 'fraud', variant: 'main', rule: 'drift', metric: 'drift_share', value: 0.6, threshold: 0.5, op: '>=', windowStart: 0, windowEnd: 60_000, time: 70_000, message: 'drift' };
      await expect(database.db.transaction().execute(async (trx) => {
        await store.addAlert(a, trx);
        throw new Error('the event write failed');
      })).rejects.toThrow('the event write failed');
      expect(await store.alerts({ limit: 10 })).toEqual([]);
      const kept = await database.db.transaction().execute((trx) => store.addAlert(a, trx));
      expect((await store.alerts({ limit: 10 })).map((x) => x.alertId)).toEqual([kept.alertId]);
    });
  });
}
