import { postgresAvailable, startCluster } from './postgres.js';

/**
 * Vitest global setup: one throw-away PostgreSQL cluster for the whole test run (unless
 * ASCENT_TEST_POSTGRES_URL names a server, as CI's does), stopped when the run ends. Test files
 * inherit the URL through the environment and create their own databases in it.
 */
export async function setup(): Promise<(() => void) | undefined> {
  if (process.env.ASCENT_TEST_POSTGRES_URL || !postgresAvailable()) return undefined;
  const cluster = await startCluster();
  process.env.ASCENT_TEST_POSTGRES_URL = cluster.url;
  return () => cluster.stop();
}
