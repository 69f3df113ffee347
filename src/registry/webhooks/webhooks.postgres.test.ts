import { createTestDatabase } from '../../../test/support/postgres.js';
import { openSqlDatabase } from '../../storage/sql/sql-database.js';
import { runWebhookContract } from './webhooks.contract.js';

// Real PostgreSQL server; every peer is its own connection pool, as a second server would have.
runWebhookContract('PostgreSQL', async () => {
  const pg = await createTestDatabase();
  const database = await openSqlDatabase({ url: pg.url });
  return {
    database,
    url: pg.url,
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
