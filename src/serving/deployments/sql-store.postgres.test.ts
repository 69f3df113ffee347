import { createTestDatabase } from '../../../test/support/postgres.js';
import { openSqlDatabase } from '../../storage/sql/sql-database.js';
import { runDeploymentStoreContract } from './deployment-store.contract.js';
import { runInferenceLogStoreContract } from '../inference-log/inference-log-store.contract.js';

// Real PostgreSQL server: concurrent revision writers really race on separate connections.
const open = async () => {
  const pg = await createTestDatabase();
  const database = await openSqlDatabase({ url: pg.url });
  return { database, cleanup: async () => { await database.close(); await pg.drop(); } };
};
runDeploymentStoreContract('PostgreSQL', open);
runInferenceLogStoreContract('PostgreSQL', open);
