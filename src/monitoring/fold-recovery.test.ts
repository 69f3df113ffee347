import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InferenceLog } from '../serving/inference-log/inference-log.js';
import { InferenceLogTail } from '../serving/inference-log/log-tail.js';
import { SqlInferenceLogStore } from '../serving/inference-log/sql-store.js';
import type { InferenceRecord } from '../serving/inference-record.js';
import { openSqlDatabase, type SqlDatabase } from '../storage/sql/sql-database.js';
import { createTestDatabase } from '../../test/support/postgres.js';
import { MonitoringService } from './service.js';
import { SqlMonitoringStore } from './sql-store.js';

type Open = () => Promise<{ database: SqlDatabase; cleanup: () => Promise<void> }>;

const sqlite: Open = async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-fold-recovery-'));
  const database = await openSqlDatabase({ url: `sqlite:${path.join(dir, 'db.sqlite')}` });
  return { database, cleanup: async () => { await database.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
};
// Real PostgreSQL server (vitest global setup).
const postgres: Open = async () => {
  const pg = await createTestDatabase();
  const database = await openSqlDatabase({ url: pg.url });
  return { database, cleanup: async () => { await database.close(); await pg.drop(); } };
};

// Crash recovery of the fold on a real inference log: a service is dropped without stopping (as
// kill -9 leaves it) and a new one resumes from the checkpoint while traffic keeps coming.
describe.each([['SQLite', sqlite], ['PostgreSQL', postgres]] as const)('MonitoringService recovery from the inference log (%s)', (_name, open) => {
  let cleanup: () => Promise<void>;
  let database: SqlDatabase;
  let seq = 0;
  const rec = (deployment = 'churn-prod'): InferenceRecord => ({
    requestId: `r${seq++}`, deployment, variant: 'main', modelName: 'churn', modelVersion: '1', timestamp: Date.now(), latencyMs: 1, shadow: false, inputs: [{ x: seq }], outputs: [0],
  });
  const start = (checkpointMs = 3_600_000) => {
    const log = new InferenceLog({ store: new SqlInferenceLogStore(database), flushIntervalMs: 5 });
    const service = new MonitoringService({ store: new SqlMonitoringStore(database), lookupPredictions: async () => [], logTail: new InferenceLogTail(database), checkpointMs });
    log.subscribe(service);
    return { log, service };
  };
  const rows = async (service: MonitoringService) => (await service.windows('churn-prod')).reduce((n, w) => n + w.sketch.rows, 0);

  beforeEach(async () => {
    ({ database, cleanup } = await open());
  });
  afterEach(async () => cleanup());

  it('folds what the log holds after the checkpoint once, also when the log hands it over again', async () => {
    const a = start(0);
    await a.service.configure('churn-prod', { windowSeconds: 86_400 });
    // Traffic of another deployment moves the log position too, without counting.
    for (let i = 0; i < 30; i++) a.log.record(rec(i % 3 === 0 ? 'other' : 'churn-prod'), { keepInputs: true });
    await a.log.flush();
    // A tick checkpoints (checkpointMs 0); then more predictions that only memory holds when the process dies.
    await a.service.tick();
    expect(await rows(a.service)).toBe(20);
    for (let i = 0; i < 15; i++) a.log.record(rec(), { keepInputs: true });
    await a.log.flush();
    expect(await rows(a.service)).toBe(35);

    // The new process: its log writes a batch and hands it over before anything else ran, so
    // recovery reads that batch from the store too; it must count it once.
    const b = start();
    for (let i = 0; i < 10; i++) b.log.record(rec(), { keepInputs: true });
    await b.log.flush();
    expect(await rows(b.service)).toBe(45);
    await b.service.tick();
    expect(await rows(b.service)).toBe(45);
    // A prediction logged without its inputs (not sampled) is re-folded as a request only.
    b.log.record(rec(), { keepInputs: false });
    await b.log.flush();
    const c = start();
    await c.service.tick();
    const [w] = await c.service.windows('churn-prod');
    expect(w?.sketch.rows).toBe(45);
    expect(w?.sketch.requests).toBe(46);
    // A clean stop checkpoints the open window; the next start reopens it as it was.
    await c.service.stop();
    const d = start();
    await d.service.tick();
    expect((await d.service.windows('churn-prod')).map((x) => [x.sketch.rows, x.sketch.requests, x.closed])).toEqual([[45, 46, false]]);
    await d.service.stop();
    await Promise.all([a.log.stop(), b.log.stop(), c.log.stop(), d.log.stop()]);
  });
});
