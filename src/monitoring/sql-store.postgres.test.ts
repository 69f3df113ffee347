import { createTestDatabase } from '../../test/support/postgres.js';
import { openSqlDatabase } from '../storage/sql/sql-database.js';
import { runMonitoringStoreContract } from './monitoring-store.contract.js';

// Real PostgreSQL server (vitest global setup), same contract as SQLite.
runMonitoringStoreContract('PostgreSQL', async () => {
  const pg = await createTestDatabase();
  const database = await openSqlDatabase({ url: pg.url });
  return { database, cleanup: async () => { await database.close(); await pg.drop(); } };
});
