import { createTestDatabase } from '../../test/support/postgres.js';
import { openSqlDatabase } from '../storage/sql/sql-database.js';
import { runPipelineStoreContract } from './pipeline-store.contract.js';

// Real PostgreSQL server: concurrent version saves really race on separate connections.
runPipelineStoreContract('PostgreSQL', async () => {
  const pg = await createTestDatabase();
  const database = await openSqlDatabase({ url: pg.url });
  return { database, cleanup: async () => { await database.close(); await pg.drop(); } };
});
