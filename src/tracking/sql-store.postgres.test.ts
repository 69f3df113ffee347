import { createTestDatabase } from '../../test/support/postgres.js';
import { openSqlDatabase } from '../storage/sql/sql-database.js';
import { SqlTrackingStore } from './sql-store.js';
import { runTrackingStoreContract } from './tracking-store.contract.js';

// Real PostgreSQL server (started by CI, or locally by test/support/postgres.ts); no mocks.
runTrackingStoreContract('PostgreSQL', async () => {
  const database = await createTestDatabase();
  const store = new SqlTrackingStore(await openSqlDatabase({ url: database.url }));
  return { store, cleanup: async () => { await store.close(); await database.drop(); } };
});
