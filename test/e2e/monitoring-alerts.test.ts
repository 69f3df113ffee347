import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { startReceiver, waitFor, type Receiver } from '../../src/registry/webhooks/webhook-test-kit.contract.js';
import { AscentClient } from '../../src/sdk/index.js';
import type { InferenceRecord } from '../../src/serving/inference-record.js';
import { startServer, type RunningServer } from '../../src/server.js';

/**
 * Done-when of monitoring, on the composed server: traffic from the training distribution raises no
 * alert, shifted traffic raises drift alerts on exactly the shifted features, delayed labels give
 * performance and an alert on degradation, and a real webhook receiver gets every alert.
 *
 * Predictions enter through serving's inference log (the path every deployment's traffic takes),
 * in-process: driving a deployed model would add nothing monitoring sees.
 */
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
const PLANS = ['basic', 'plus', 'pro'];
type Row = { tenure: number; spend: number; plan: string };
const row = (r: ReturnType<typeof rng>, shifted = false): Row => ({
  tenure: r.n() * 12 + 36 + (shifted ? 10 : 0),
  spend: r.u() * 100,
  plan: shifted && r.u() < 0.5 ? 'pro' : PLANS[Math.floor(r.u() * 3)]!,
});
// The "model": churn probability falls with spend.
const predict = (x: Row) => Math.min(0.99, Math.max(0.01, 1 - x.spend / 100));

describe('monitoring end to end (server, inference log, alerts, webhooks)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-monitor-e2e-'));
  let server: RunningServer;
  let receiver: Receiver;
  let client: AscentClient;

  beforeAll(async () => {
    server = await startServer(loadConfig({ dataDir: dir, port: 0, logLevel: 'silent' }));
    receiver = await startReceiver();
    client = new AscentClient({ baseUrl: server.url, user: 'ops' });
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('alerts on drift of exactly the shifted features and on degraded accuracy, delivered to a webhook', async () => {
    const post = (url: string, body: unknown) => fetch(`${server.url}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-ascent-user': 'ops' }, body: JSON.stringify(body) });
    expect((await post('/api/v1/webhooks', { name: 'alerts', url: `${receiver.url}/hook`, events: ['monitor.*'], allowPrivate: true })).status).toBe(200);
    expect((await post('/api/2.0/mlflow/registered-models/create', { name: 'churn' })).status).toBe(200);
    expect((await post('/api/2.0/mlflow/model-versions/create', { name: 'churn', source: 's3://bucket/churn' })).status).toBe(200);

    const r = rng(1);
    const train = Array.from({ length: 3000 }, () => row(r));
    const profile = await client.monitoring.uploadProfile({ modelName: 'churn', modelVersion: '1', records: train, predictions: train.map(predict) });
    expect(profile.features.map((f) => f.name)).toEqual(['tenure', 'spend', 'plan']);
    await client.monitoring.configure('churn-prod', {
      windowSeconds: 2, task: 'classification', positiveLabel: 1,
      rules: [
        { name: 'feature-drift', metric: 'drift.*', op: '>=', threshold: 1 },
        { name: 'accuracy', metric: 'performance.accuracy', op: '<', threshold: 0.8 },
      ],
    });

    const log = server.services.serving.log;
    // Windows already in the past close at the monitor's next tick.
    const base = Math.floor(Date.now() / 2000) * 2000 - 8000;
    const send = (start: number, n: number, seed: number, shifted: boolean) => {
      const g = rng(seed);
      const sent: { id: string; x: Row }[] = [];
      for (let i = 0; i < n; i++) {
        const x = row(g, shifted);
        const rec: InferenceRecord = { requestId: `r${seed}-${i}`, deployment: 'churn-prod', variant: 'main', modelName: 'churn', modelVersion: '1', timestamp: start + (i % 1900), latencyMs: 2, shadow: false, inputs: [x], outputs: [predict(x)] };
        log.record(rec, { keepInputs: false });
        sent.push({ id: rec.requestId, x });
      }
      return sent;
    };

    const calm = send(base, 1500, 2, false);
    await log.flush();
    const first = await waitFor('first window closed', async () => {
      const ws = await client.monitoring.windows('churn-prod');
      return ws.find((w) => w.start === base && w.closed);
    });
    expect(first.drift?.driftedCount).toBe(0);
    expect(first.sketch.rows).toBe(1500);
    expect(await client.monitoring.alerts('churn-prod')).toEqual([]);

    const shifted = send(base + 2000, 1500, 3, true);
    await log.flush();
    const driftAlerts = await waitFor('drift alerts', async () => {
      const a = await client.monitoring.alerts('churn-prod');
      return a.length >= 2 ? a : undefined;
    });
    expect(driftAlerts.map((a) => a.metric).sort()).toEqual(['drift.plan', 'drift.tenure']);

    // Delayed labels: correct for the calm window, inverted for the shifted one.
    const label = (x: Row, right: boolean) => ((predict(x) >= 0.5) === right ? 1 : 0);
    await log.feedback(calm.map((s) => ({ requestId: s.id, deployment: 'churn-prod', labels: [label(s.x, true)], timestamp: Date.now() })));
    await log.feedback(shifted.map((s) => ({ requestId: s.id, deployment: 'churn-prod', labels: [label(s.x, false)], timestamp: Date.now() })));
    const report = await waitFor('performance computed', async () => {
      const rep = await client.monitoring.report('churn-prod');
      const points = rep.series.filter((p) => p.metrics.accuracy !== null);
      return points.length >= 2 ? rep : undefined;
    });
    const acc = new Map(report.series.map((p) => [p.start, p.metrics.accuracy]));
    expect(acc.get(base)).toBe(1);
    expect(acc.get(base + 2000)).toBe(0);
    expect(report.series.find((p) => p.start === base)?.metrics.labelCoverage).toBe(1);
    const all = await client.monitoring.alerts('churn-prod');
    expect(all.map((a) => a.metric).sort()).toEqual(['drift.plan', 'drift.tenure', 'performance.accuracy']);
    expect(all.find((a) => a.metric === 'performance.accuracy')?.windowStart).toBe(base + 2000);

    // Every alert reached the webhook through the registry's outbox, on the served model.
    const delivered = await waitFor('three webhook deliveries', () => (receiver.accepted.length >= 3 ? receiver.accepted : undefined));
    expect(delivered.map((d) => d.body.type)).toEqual(['monitor.alert', 'monitor.alert', 'monitor.alert']);
    expect(delivered.map((d) => (d.body as unknown as { payload: { metric: string } }).payload.metric).sort()).toEqual(['drift.plan', 'drift.tenure', 'performance.accuracy']);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/ascent_monitor_feature_drifted\{deployment="churn-prod",variant="main",feature="tenure"\} 1/);
    expect(metrics).toMatch(/ascent_monitor_alerts_total\{deployment="churn-prod",rule="feature-drift"\} 2/);
  });
});
