import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlDatabase } from '../../storage/sql/sql-database.js';
import { SqlInferenceLogStore } from '../inference-log/sql-store.js';
import { runDeploymentStoreContract } from './deployment-store.contract.js';
import { runInferenceLogStoreContract } from '../inference-log/inference-log-store.contract.js';

const open = async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-serving-'));
  const database = await openSqlDatabase({ url: `sqlite:${path.join(dir, 'ascent.db')}` });
  return { database, cleanup: async () => { await database.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
};
runDeploymentStoreContract('SQLite', open);
runInferenceLogStoreContract('SQLite', open);

// The server's configuration: predictions are appended by the background writer thread.
runInferenceLogStoreContract('SQLite with the background writer', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-serving-bg-'));
  const database = await openSqlDatabase({ url: `sqlite:${path.join(dir, 'ascent.db')}`, backgroundCheckpoints: true, backgroundWrites: true });
  if (!database.background?.healthy) throw new Error('the background writer did not start');
  return { database, cleanup: async () => { await database.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
});

describe('inference log store: without its writer thread', () => {
  it('writes on the main connection once the thread has stopped', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-serving-bg-'));
    const database = await openSqlDatabase({ url: `sqlite:${path.join(dir, 'ascent.db')}`, backgroundWrites: true });
    try {
      await database.background!.stop();
      expect(database.background!.healthy).toBe(false);
      const store = new SqlInferenceLogStore(database);
      const rows = Array.from({ length: 450 }, (_, i) => ({
        requestId: `fallback-${i}`, deployment: 'iris', variant: 'a', modelName: 'iris', modelVersion: '1',
        timestamp: 1_000 + i, latencyMs: 1, shadow: false, inputs: [{ x: i }], outputs: [i % 3],
      }));
      await store.insertPredictions(rows);
      const found = await store.predictionsByRequestIds(['fallback-0', 'fallback-449']);
      expect(found.map((p) => p.requestId).sort()).toEqual(['fallback-0', 'fallback-449']);
    } finally {
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
