import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqlDatabase } from '../storage/sql/sql-database.js';
import { runMonitoringStoreContract } from './monitoring-store.contract.js';

runMonitoringStoreContract('SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-monitoring-'));
  const database = await openSqlDatabase({ url: `sqlite:${path.join(dir, 'ascent.db')}` });
  return { database, cleanup: async () => { await database.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
});
