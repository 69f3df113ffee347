import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqlDatabase } from '../../storage/sql/sql-database.js';
import { runTriggerStoreContract } from './trigger-store.contract.js';

runTriggerStoreContract('SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-triggers-'));
  const database = await openSqlDatabase({ url: `sqlite:${path.join(dir, 'ascent.db')}` });
  return {
    database,
    // The embedded shape is one server per SQLite file; the "second server" shares the handle, and
    // the fire-once rules still go through the same conditional writes.
    openPeer: async () => ({ database, close: async () => {} }),
    cleanup: async () => {
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
