import { createTestDatabase } from '../../test/support/postgres.js';
import { openSqlDatabase } from '../storage/sql/sql-database.js';
import { runRegistryStoreContract } from './registry-store.contract.js';

// Real PostgreSQL server; concurrent alias moves here really race on separate connections.
runRegistryStoreContract('PostgreSQL', async () => {
  const pg = await createTestDatabase();
  const database = await openSqlDatabase({ url: pg.url });
  return { database, cleanup: async () => { await database.close(); await pg.drop(); } };
});
