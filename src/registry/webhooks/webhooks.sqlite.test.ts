import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqlDatabase } from '../../storage/sql/sql-database.js';
import { runWebhookContract } from './webhooks.contract.js';

runWebhookContract('SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-webhooks-'));
  const url = `sqlite:${path.join(dir, 'ascent.db')}`;
  const database = await openSqlDatabase({ url });
  return {
    database,
    url,
    // The "second server" shares this process's handle: SQLite is the one-server (embedded) shape, and
    // a second better-sqlite3 connection in the same process would block the event loop on SQLite's
    // busy wait while the first holds a write transaction. Other processes (the kill -9 case) open the file.
    openPeer: async () => ({ database, close: async () => {} }),
    cleanup: async () => {
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
