import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlDatabase } from '../../storage/sql/sql-database.js';
import type { FeedbackRecord, InferenceRecord } from '../inference-record.js';
import { InferenceLog } from './inference-log.js';
import { SqlInferenceLogStore } from './sql-store.js';

const rec = (i: number, over: Partial<InferenceRecord> = {}): InferenceRecord => ({
  requestId: `req-${i}`,
  deployment: 'iris',
  variant: i % 2 ? 'b' : 'a',
  modelName: 'iris',
  modelVersion: i % 2 ? '2' : '1',
  timestamp: 1_000_000 + i,
  latencyMs: 0.5 + i / 1000,
  shadow: false,
  inputs: [{ x: i, label: `r${i}` }],
  outputs: [i % 3],
  ...over,
});

/** The inference log's contract (queue, flush, lookups, feedback) against every SQL backend. */
export function runInferenceLogStoreContract(name: string, open: () => Promise<{ database: SqlDatabase; cleanup: () => Promise<void> }>): void {
  describe(`inference log contract: ${name}`, () => {
    let store: SqlInferenceLogStore;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      const made = await open();
      cleanup = made.cleanup;
      store = new SqlInferenceLogStore(made.database);
    });
    afterAll(async () => cleanup?.());

    it('flushes in batches; subscribers see every record with inputs, the table keeps sampled inputs only', async () => {
      const log = new InferenceLog({ store, batchSize: 100, flushIntervalMs: 5 });
      const seen: InferenceRecord[] = [];
      log.subscribe({ onPredictions: (b) => void seen.push(...b) });
      for (let i = 0; i < 250; i++) expect(log.record(rec(i), { keepInputs: i % 10 === 0 })).toBe(true);
      await log.flush();
      expect(log.depth).toBe(0);
      expect(log.written).toBe(250);
      expect(seen).toHaveLength(250);
      expect(seen.every((r) => r.inputs.length === 1)).toBe(true);
      const stored = await log.predictionsByRequestIds(['req-0', 'req-1', 'req-10', 'missing']);
      expect(stored.map((s) => [s.requestId, s.inputs])).toEqual([['req-0', [{ x: 0, label: 'r0' }]], ['req-1', null], ['req-10', [{ x: 10, label: 'r10' }]]]);
      expect(stored[1]).toMatchObject({ variant: 'b', modelVersion: '2', outputs: [1], shadow: false, timestamp: 1_000_001 });
      await log.stop();
    });

    it('never blocks: beyond capacity records are dropped and counted', async () => {
      const log = new InferenceLog({ store, capacity: 10, batchSize: 1000, flushIntervalMs: 60_000 });
      const accepted = Array.from({ length: 25 }, (_, i) => log.record(rec(1000 + i), { keepInputs: true }));
      expect(accepted.filter(Boolean)).toHaveLength(10);
      expect(log.dropped).toBe(15);
      expect(log.depth).toBe(10);
      await log.stop();
      expect(log.depth).toBe(0);
      expect(log.record(rec(2000), { keepInputs: true })).toBe(false);
    });

    it('answers time-range queries per deployment, variant and shadow flag, newest first', async () => {
      await store.insertPredictions([
        { ...rec(5000, { deployment: 'churn', variant: 'main', timestamp: 10 }), inputs: null },
        { ...rec(5001, { deployment: 'churn', variant: 'main', timestamp: 20 }), inputs: null },
        { ...rec(5002, { deployment: 'churn', variant: 'shadow', timestamp: 20, shadow: true, error: 'boom' }), inputs: null },
        { ...rec(5003, { deployment: 'churn', variant: 'main', timestamp: 30 }), inputs: null },
      ]);
      const all = await store.predictions({ deployment: 'churn', limit: 10 });
      expect(all.map((r) => r.requestId)).toEqual(['req-5003', 'req-5002', 'req-5001', 'req-5000']);
      expect(all[1]).toMatchObject({ shadow: true, error: 'boom' });
      expect((await store.predictions({ deployment: 'churn', from: 20, to: 30, limit: 10 })).map((r) => r.requestId)).toEqual(['req-5002', 'req-5001']);
      expect((await store.predictions({ deployment: 'churn', shadow: false, limit: 10 })).map((r) => r.requestId)).toEqual(['req-5003', 'req-5001', 'req-5000']);
      expect((await store.predictions({ deployment: 'churn', variant: 'shadow', limit: 10 })).map((r) => r.requestId)).toEqual(['req-5002']);
      expect(await store.predictions({ deployment: 'churn', limit: 1 })).toHaveLength(1);
    });

    it('stores feedback (labels or reward) and hands it to subscribers once committed', async () => {
      const log = new InferenceLog({ store });
      const got: FeedbackRecord[] = [];
      log.subscribe({ onPredictions: () => undefined, onFeedback: (b) => void got.push(...b) });
      await log.feedback([
        { requestId: 'req-1', deployment: 'iris', labels: [2], timestamp: 50 },
        { requestId: 'req-2', deployment: 'iris', reward: 0.75, timestamp: 60 },
      ]);
      expect(got).toHaveLength(2);
      expect(await log.feedbackByRequestIds(['req-2', 'req-1'])).toEqual([
        { requestId: 'req-1', deployment: 'iris', labels: [2], timestamp: 50 },
        { requestId: 'req-2', deployment: 'iris', reward: 0.75, timestamp: 60 },
      ]);
      expect((await log.feedbackRange({ deployment: 'iris', from: 55, limit: 10 })).map((f) => f.requestId)).toEqual(['req-2']);
      await log.stop();
    });

    it('a failing subscriber neither loses the batch nor stops others', async () => {
      const errors: string[] = [];
      const log = new InferenceLog({ store, flushIntervalMs: 1, onError: (_e, where) => errors.push(where) });
      let count = 0;
      log.subscribe({ onPredictions: () => { throw new Error('bad subscriber'); } });
      log.subscribe({ onPredictions: (b) => void (count += b.length) });
      log.record(rec(7000), { keepInputs: false });
      await log.flush();
      expect(count).toBe(1);
      expect(errors).toEqual(['subscriber']);
      expect(await store.predictionsByRequestIds(['req-7000'])).toHaveLength(1);
      await log.stop();
    });
  });
}
