import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistryService } from '../registry/service.js';
import { SqlRegistryStore } from '../registry/sql-store.js';
import { InferenceLog } from '../serving/inference-log/inference-log.js';
import { SqlInferenceLogStore } from '../serving/inference-log/sql-store.js';
import { FsArtifactStore } from '../storage/artifacts/fs-artifact-store.js';
import { openSqlDatabase, type SqlDatabase } from '../storage/sql/sql-database.js';
import { LoggedModelService } from '../tracking/logged-model-service.js';
import { TrackingService } from '../tracking/service.js';
import { SqlTrackingStore } from '../tracking/sql-store.js';
import { createMonitoring } from './create-monitoring.js';

/** A real registry whose event writes fail, as a crash between the two writes would leave them. */
class FailingEvents extends RegistryService {
  failing = false;
  override event(...args: Parameters<RegistryService['event']>): ReturnType<RegistryService['event']> {
    if (this.failing) return Promise.reject(new Error('event write failed'));
    return super.event(...args);
  }
}

// Real SQLite, registry, inference log and monitoring as the server composes them (no mocks).
describe('createMonitoring: an alert and its registry event', () => {
  let dir: string;
  let database: SqlDatabase;
  let registry: FailingEvents;
  let log: InferenceLog;
  let monitoring: ReturnType<typeof createMonitoring>;
  const errors: string[] = [];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-create-monitoring-'));
    database = await openSqlDatabase({ url: `sqlite:${path.join(dir, 'db.sqlite')}` });
    const tracking = new TrackingService({ store: new SqlTrackingStore(database) });
    await tracking.init();
    registry = new FailingEvents({ store: new SqlRegistryStore(database), tracking, loggedModels: new LoggedModelService(tracking) });
    log = new InferenceLog({ store: new SqlInferenceLogStore(database), flushIntervalMs: 5 });
    monitoring = createMonitoring({ database, log, registry, tracking, artifacts: new FsArtifactStore(path.join(dir, 'artifacts')), onError: (err, ctx) => void errors.push(`${ctx}: ${String(err)}`) });
    await registry.createModel({ name: 'churn' }, { user: 'ada' });
    await registry.createVersion({ name: 'churn', source: 's3://bucket/churn' }, { user: 'ada' });
    // Fires on every closed window: the error rate is always >= 0.
    await monitoring.service.configure('churn-prod', { windowSeconds: 1, rules: [{ name: 'always', metric: 'quality.errorRate', op: '>=', threshold: 0 }] });
  });
  afterEach(async () => {
    await log.stop();
    await monitoring.close();
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** One prediction in a window that has already ended, then the tick that closes it. */
  const closeOneWindow = async (start: number) => {
    log.record({ requestId: `r${start}`, deployment: 'churn-prod', variant: 'main', modelName: 'churn', modelVersion: '1', timestamp: start, latencyMs: 1, shadow: false, inputs: [{ x: 1 }], outputs: [0] }, { keepInputs: true });
    await log.flush();
    await monitoring.service.tick();
  };
  const alertEvents = async () => (await registry.history({ name: 'churn', types: ['monitor.alert'] })).map((e) => e.payload.alertId);

  it('commits both together', async () => {
    await closeOneWindow(Date.now() - 60_000);
    const alerts = await monitoring.service.alerts({ deployment: 'churn-prod' });
    expect(alerts.length).toBe(1);
    expect(await alertEvents()).toEqual([alerts[0]!.alertId]);
  });

  it('keeps neither when the event cannot be written', async () => {
    registry.failing = true;
    await closeOneWindow(Date.now() - 60_000);
    expect(errors.some((e) => e.includes('event write failed'))).toBe(true);
    expect(await monitoring.service.alerts({ deployment: 'churn-prod' })).toEqual([]);
    expect(await alertEvents()).toEqual([]);
  });

  it('keeps the alert without an event when the served model is gone', async () => {
    await registry.deleteModel('churn', { user: 'ada' });
    await closeOneWindow(Date.now() - 60_000);
    expect((await monitoring.service.alerts({ deployment: 'churn-prod' })).length).toBe(1);
  });
});
