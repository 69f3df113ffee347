import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { invalid } from '../../core/errors.js';
import { openArtifactStore } from '../../storage/artifacts/open-artifact-store.js';
import { isPostgresUrl, openSqlDatabase } from '../../storage/sql/sql-database.js';
import { StepDispatchStore } from './dispatch-store.js';
import { QueueWorker, type QueueWorkerOptions } from './queue-worker.js';
import { openStepQueue } from './step-queue.js';

/** Settings of one `ascent worker` process. */
export interface QueueWorkerConfig {
  /** The server's PostgreSQL database (the queue lives in it). */
  databaseUrl: string;
  /** The server's artifact store: inputs are read from it and outputs written to it. */
  artifactsUri: string;
  concurrency: number;
  workerId?: string;
  /** Scratch folder (default: a folder under the OS temp dir). */
  workRoot?: string;
  heartbeatMs?: number;
  onAttempt?: QueueWorkerOptions['onAttempt'];
  onError?: (err: unknown) => void;
}

/** A started worker and how to stop it (running attempts finish first). */
export interface RunningQueueWorker {
  worker: QueueWorker;
  close(): Promise<void>;
}

/** Open the database, artifact store and queue a worker needs, and start taking steps. */
export async function startQueueWorker(config: QueueWorkerConfig): Promise<RunningQueueWorker> {
  if (!isPostgresUrl(config.databaseUrl)) throw invalid('A worker needs the server\'s PostgreSQL database (ASCENT_DATABASE_URL=postgres://…); the queue lives there', 'databaseUrl');
  if (!Number.isInteger(config.concurrency) || config.concurrency < 1 || config.concurrency > 256) throw invalid('concurrency must be an integer from 1 to 256', 'concurrency');
  const database = await openSqlDatabase({ url: config.databaseUrl, poolSize: Math.min(10, config.concurrency + 2) });
  const artifacts = openArtifactStore(config.artifactsUri);
  const workRoot = config.workRoot ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-worker-'));
  let boss;
  try {
    boss = await openStepQueue({ url: config.databaseUrl, onError: config.onError });
  } catch (err) {
    await database.close();
    throw err;
  }
  const worker = new QueueWorker({
    store: new StepDispatchStore(database),
    boss,
    artifacts,
    workRoot,
    concurrency: config.concurrency,
    ...(config.workerId ? { workerId: config.workerId } : {}),
    ...(config.heartbeatMs ? { heartbeatMs: config.heartbeatMs } : {}),
    ...(config.onAttempt ? { onAttempt: config.onAttempt } : {}),
    ...(config.onError ? { onError: config.onError } : {}),
  });
  await worker.start();
  return {
    worker,
    close: async () => {
      await worker.stop();
      await boss.stop({ graceful: true, close: true, timeout: 10_000 });
      await artifacts.close?.();
      await database.close();
      if (!config.workRoot) fs.rmSync(workRoot, { recursive: true, force: true });
    },
  };
}
