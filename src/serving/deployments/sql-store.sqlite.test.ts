import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqlDatabase } from '../../storage/sql/sql-database.js';
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
