import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqlDatabase } from '../storage/sql/sql-database.js';
import { SqlTrackingStore } from './sql-store.js';
import { runTrackingStoreContract } from './tracking-store.contract.js';

runTrackingStoreContract('SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-sqlite-'));
  const store = new SqlTrackingStore(await openSqlDatabase({ url: `sqlite:${path.join(dir, 'ascent.db')}` }));
  return { store, cleanup: async () => { await store.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
});
