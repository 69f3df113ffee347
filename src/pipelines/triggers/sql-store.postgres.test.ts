import { createTestDatabase } from '../../../test/support/postgres.js';
import { openSqlDatabase } from '../../storage/sql/sql-database.js';
import { runTriggerStoreContract } from './trigger-store.contract.js';

// Real PostgreSQL server; the peer is its own connection pool, as a second server would have.
runTriggerStoreContract('PostgreSQL', async () => {
  const pg = await createTestDatabase();
  const database = await openSqlDatabase({ url: pg.url });
  return {
    database,
    openPeer: async () => {
      const peer = await openSqlDatabase({ url: pg.url });
      return { database: peer, close: () => peer.close() };
    },
    cleanup: async () => {
      await database.close();
      await pg.drop();
    },
  };
});
