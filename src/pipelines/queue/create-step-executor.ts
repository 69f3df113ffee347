import path from 'node:path';
import type { ArtifactStore } from '../../storage/artifacts/artifact-store.js';
import type { SqlDatabase } from '../../storage/sql/sql-database.js';
import { LocalExecutor } from '../local-executor.js';
import type { StepExecutor } from '../step-executor.js';
import { StepDispatchStore } from './dispatch-store.js';
import { QueueExecutor } from './queue-executor.js';
import { openStepQueue } from './step-queue.js';

/** What the server needs to build its step executor from configuration. */
export interface StepExecutorConfig {
  kind: 'local' | 'queue';
  databaseUrl: string;
  database: SqlDatabase;
  artifacts: ArtifactStore;
  dataDir: string;
  /** Lease of a running dispatch before it goes to another worker (default 30 s; env ASCENT_WORKER_LEASE_MS). */
  leaseMs?: number;
  onError?: (err: unknown) => void;
}

/**
 * The executor `ASCENT_PIPELINE_EXECUTOR` names: `local` runs steps in the server; `queue` sends
 * them to `ascent worker` processes through pg-boss on the server's PostgreSQL database.
 */
export async function createStepExecutor(config: StepExecutorConfig): Promise<StepExecutor> {
  if (config.kind === 'local') return new LocalExecutor({ artifacts: config.artifacts, workRoot: path.join(config.dataDir, 'pipeline-work') });
  const boss = await openStepQueue({ url: config.databaseUrl, onError: config.onError });
  const leaseMs = config.leaseMs ?? (Number(process.env.ASCENT_WORKER_LEASE_MS) || 30_000);
  const executor = new QueueExecutor({ store: new StepDispatchStore(config.database), boss, listenUrl: config.databaseUrl, leaseMs, ...(config.onError ? { onError: config.onError } : {}) });
  // Closing the executor also stops its queue connection.
  const close = executor.close.bind(executor);
  executor.close = async () => {
    await close();
    await boss.stop({ graceful: true, close: true, timeout: 5_000 });
  };
  return executor;
}
