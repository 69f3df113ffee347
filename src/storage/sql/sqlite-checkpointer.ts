import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Pages the server's own connection may let the WAL grow to before it checkpoints by itself: a
 * backstop for when the checkpoint thread is gone or cannot keep up (64 MiB at 4 KiB pages).
 */
export const BACKSTOP_AUTOCHECKPOINT_PAGES = 16384;

/**
 * The checkpoint thread: its own connection copies the WAL into the database file every
 * `intervalMs` (PASSIVE: never waits for, nor blocks, readers or the writer). Plain CommonJS,
 * evaluated, so the same text runs from the TypeScript sources and the build.
 */
const CHECKPOINT_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export interface SqliteCheckpointer {
  stop(): Promise<void>;
}

/**
 * Move WAL checkpoints off the connection that serves requests. SQLite's automatic checkpoint runs
 * inside the COMMIT that crosses the threshold, so one request in every few dozen log-batch
 * requests paid for copying megabytes of WAL pages and the fsyncs that go with them, on the event
 * loop. The caller sets its own connection's wal_autocheckpoint to BACKSTOP_AUTOCHECKPOINT_PAGES.
 */
export function startSqliteCheckpointer(file: string, options: { intervalMs?: number; onError?: (message: string) => void } = {}): SqliteCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(CHECKPOINT_WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs: options.intervalMs ?? 200 } });
  // The thread never keeps the process alive on its own.
  worker.unref();
  worker.on('message', (m: { error?: string }) => {
    if (m.error) options.onError?.(m.error);
  });
  worker.on('error', (err) => options.onError?.(err.message));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let stopped: Promise<void> | null = null;
  return {
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        void exited.then(resolve);
        worker.postMessage('stop');
        // A thread that does not exit promptly is terminated; the connection's state is in the file.
        setTimeout(() => void worker.terminate(), 2000).unref();
      })),
  };
}
