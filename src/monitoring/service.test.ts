import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InferenceLog } from '../serving/inference-log/inference-log.js';
import { SqlInferenceLogStore } from '../serving/inference-log/sql-store.js';
import type { InferenceRecord } from '../serving/inference-record.js';
import { openSqlDatabase, type SqlDatabase } from '../storage/sql/sql-database.js';
import type { MonitorAlert } from './model.js';
import { profileRecords } from './profiles/reference-profile.js';
import { MonitoringService } from './service.js';
import { SqlMonitoringStore } from './sql-store.js';

// Seeded data so every run is the same.
function rng(seed: number) {
  let s = seed >>> 0;
  const u = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { u, n: () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()) };
}
const CITIES = ['paris', 'lyon', 'nice'];
const row = (r: ReturnType<typeof rng>, shiftX = 0) => ({ x: r.n() + shiftX, y: r.u() * 10, city: CITIES[Math.floor(r.u() * 3)]! });
// The "model": probability of class 1 grows with y.
const predict = (f: { y: number }) => Math.min(0.99, Math.max(0.01, f.y / 10));

describe('MonitoringService on a real inference log (SQLite)', () => {
  let database: SqlDatabase;
  let dir: string;
  let log: InferenceLog;
  let service: MonitoringService;
  let now = 0;
  const metrics = new Registry();
  const alerts: MonitorAlert[] = [];

  beforeEach(async () => {
    alerts.length = 0;
    now = 0;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-monitor-svc-'));
    database = await openSqlDatabase({ url: `sqlite:${path.join(dir, 'db.sqlite')}` });
    log = new InferenceLog({ store: new SqlInferenceLogStore(database), flushIntervalMs: 5 });
    service = new MonitoringService({
      store: new SqlMonitoringStore(database),
      clock: { now: () => now },
      metricsRegistry: metrics,
      lookupPredictions: async (ids) => (await log.predictionsByRequestIds(ids)).map((p) => ({ requestId: p.requestId, deployment: p.deployment, variant: p.variant, timestamp: p.timestamp, outputs: p.outputs })),
    });
    log.subscribe(service);
    service.onAlert((a) => void alerts.push(a));
  });
  afterEach(async () => {
    await log.stop();
    await service.stop();
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function traffic(start: number, n: number, seed: number, shiftX = 0): Promise<string[]> {
    const r = rng(seed);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const f = row(r, shiftX);
      const rec: InferenceRecord = {
        requestId: `req-${seed}-${i}`, deployment: 'churn', variant: 'main', modelName: 'churn-model', modelVersion: '1',
        timestamp: start + Math.floor((i * 50_000) / n), latencyMs: 1, shadow: false, inputs: [f], outputs: [predict(f)],
      };
      log.record(rec, { keepInputs: false });
      ids.push(rec.requestId);
    }
    await log.flush();
    return ids;
  }

  it('raises drift alerts on exactly the shifted feature, then a performance alert from delayed labels', async () => {
    const r = rng(1);
    const train = Array.from({ length: 3000 }, () => row(r));
    await service.putProfile('churn-model', '1', profileRecords(train, train.map(predict)), 'upload');
    await service.configure('churn', {
      windowSeconds: 60, task: 'classification', positiveLabel: 1,
      rules: [
        { name: 'feature-drift', metric: 'drift.*', op: '>=', threshold: 1 },
        { name: 'accuracy', metric: 'performance.accuracy', op: '<', threshold: 0.8 },
      ],
    });

    const calm = await traffic(0, 2000, 2);
    now = 61_000;
    await service.tick();
    expect(alerts).toEqual([]);
    const [w1] = await service.windows('churn', { to: 60_000 });
    expect(w1?.closed).toBe(true);
    expect(w1?.sketch.rows).toBe(2000);
    expect(w1?.drift?.driftedCount).toBe(0);

    const shifted = await traffic(60_000, 2000, 3, 0.6);
    now = 121_000;
    await service.tick();
    expect(alerts.map((a) => a.metric)).toEqual(['drift.x']);

    // Labels arrive later: window 1's agree with the model, window 2's are mostly wrong.
    const labelFor = (ids: string[], seed: number, right: boolean, shift = 0) => {
      const rr = rng(seed);
      return ids.map((id) => {
        const f = row(rr, shift);
        const p = predict(f) >= 0.5 ? 1 : 0;
        return { requestId: id, deployment: 'churn', labels: [right ? p : 1 - p], timestamp: now };
      });
    };
    await log.feedback(labelFor(calm, 2, true));
    await log.feedback(labelFor(shifted, 3, false, 0.6));
    const windows = await service.windows('churn');
    const byStart = new Map(windows.map((w) => [w.start, w]));
    expect(byStart.get(0)?.metrics.accuracy).toBe(1);
    expect(byStart.get(0)?.metrics.labelCoverage).toBe(1);
    expect(byStart.get(60_000)?.metrics.accuracy).toBe(0);
    expect(byStart.get(0)?.metrics.rocAuc).toBeGreaterThan(0.99);
    expect(alerts.map((a) => a.metric)).toEqual(['drift.x', 'performance.accuracy']);
    expect(alerts[1]?.windowStart).toBe(60_000);

    const stored = await service.alerts({ deployment: 'churn' });
    expect(stored.map((a) => a.rule)).toEqual(['accuracy', 'feature-drift']);
    const text = await metrics.metrics();
    expect(text).toMatch(/ascent_monitor_feature_drifted\{deployment="churn",variant="main",feature="x"\} 1/);
    expect(text).toMatch(/ascent_monitor_performance\{deployment="churn",variant="main",metric="accuracy"\} 0/);
    expect(text).toMatch(/ascent_monitor_alerts_total\{deployment="churn",rule="feature-drift"\} 1/);
  });

  it('needs consecutive breaching windows and honours the cooldown', async () => {
    const r = rng(5);
    const train = Array.from({ length: 2000 }, () => row(r));
    await service.putProfile('churn-model', '1', profileRecords(train), 'upload');
    await service.configure('churn', { windowSeconds: 60, rules: [{ name: 'share', metric: 'drift_share', op: '>', threshold: 0.2, consecutiveWindows: 2, cooldownSeconds: 150 }] });
    for (let k = 0; k < 5; k++) {
      await traffic(k * 60_000, 800, 10 + k, 1);
      now = (k + 1) * 60_000 + 1000;
      await service.tick();
    }
    // Breaches in windows 0..4: fires at window 1 (2 in a row), cooled down at 2 and 3 (< 150 s), fires again at 4.
    expect(alerts.map((a) => a.windowStart)).toEqual([60_000, 240_000]);
  });

  it('rejects bad monitor configurations by field', async () => {
    await expect(service.configure('churn', { windowSeconds: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'windowSeconds' });
    await expect(service.configure('churn', { rules: [{ name: 'a', metric: 'drift_share', op: '!=', threshold: 1 }] })).rejects.toMatchObject({ field: 'rules.0.op' });
    await expect(service.configure('churn', { rules: [{ name: 'a', metric: 'x', op: '>', threshold: 1 }, { name: 'a', metric: 'y', op: '>', threshold: 1 }] })).rejects.toMatchObject({ field: 'rules' });
    await expect(service.getMonitor('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
