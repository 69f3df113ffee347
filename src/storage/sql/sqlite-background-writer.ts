import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { sqliteInsertText, type BulkColumn } from './bulk-writer.js';

/** Rows appended to one table (no conflict clause, nothing returned): an append-only log's writes. */
export interface BackgroundInsert {
  table: string;
  columns: readonly BulkColumn[];
  /** One array of values (strings, numbers, null) per row, in column order. */
  rows: readonly unknown[][];
}

/**
 * Appends on a second SQLite connection in a worker thread: the rows' B-tree and index inserts, the
 * WAL writes and the commit leave the event loop that answers requests. Each call is one transaction;
 * its promise resolves after the commit, so anything read afterwards on the main connection sees it.
 */
export interface BackgroundWriter {
  insert(spec: BackgroundInsert): Promise<void>;
  /** False once the thread failed; callers then write on the main connection. */
  readonly healthy: boolean;
  /** Finish the writes already sent, then close the thread's connection. */
  stop(): Promise<void>;
}

/**
 * The writer thread: plain CommonJS, evaluated, so the same text runs from the TypeScript sources and
 * the build. Statements are prepared once per text; a batch is one transaction.
 */
const WRITER_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 10000');
db.pragma('wal_autocheckpoint = ' + workerData.autocheckpoint);
const statements = new Map();
const insertAll = db.transaction((stmt, rows) => { for (const row of rows) stmt.run(row); });
parentPort.on('message', (m) => {
  if (m.stop) { db.close(); parentPort.close(); return; }
  try {
    let stmt = statements.get(m.sql);
    if (!stmt) { stmt = db.prepare(m.sql); statements.set(m.sql, stmt); }
    insertAll(stmt, m.rows);
    parentPort.postMessage({ id: m.id });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) });
  }
});
`;

/**
 * Start the writer thread for the database `file` (WAL mode, set by the main connection). Its
 * connection keeps the main connection's `wal_autocheckpoint`, so a background checkpointer stays
 * the one that checkpoints.
 */
export function startSqliteBackgroundWriter(file: string, options: { autocheckpointPages: number; onError?: (message: string) => void }): BackgroundWriter {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WRITER_WORKER_SOURCE, { eval: true, workerData: { file, driver, autocheckpoint: options.autocheckpointPages } });
  worker.unref();
  const pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  let nextId = 1;
  let failure: Error | null = null;
  const failAll = (err: Error) => {
    failure ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('message', (m: { id: number; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error === undefined) p.resolve();
    else p.reject(new Error(`background SQLite write failed: ${m.error}`));
  });
  worker.on('error', (err) => {
    options.onError?.(err.message);
    failAll(err);
  });
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      failAll(new Error('the background SQLite writer has stopped'));
      resolve();
    }),
  );
  let stopped: Promise<void> | null = null;

  return {
    get healthy() {
      return failure === null && stopped === null;
    },
    insert(spec) {
      if (failure) return Promise.reject(failure);
      if (stopped) return Promise.reject(new Error('the background SQLite writer is stopping'));
      if (spec.rows.length === 0) return Promise.resolve();
      // The thread prepares each distinct text once.
      const sql = sqliteInsertText(spec.table, spec.columns);
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // A pending write keeps the process alive until it is committed.
        if (pending.size === 1) worker.ref();
        worker.postMessage({ id, sql, rows: spec.rows });
      }).finally(() => {
        if (pending.size === 0) worker.unref();
      });
    },
    stop: () =>
      (stopped ??= (async () => {
        // Messages are handled in order: the stop follows every write already sent.
        worker.ref();
        worker.postMessage({ stop: true });
        const timer = setTimeout(() => void worker.terminate(), 10_000);
        await exited;
        clearTimeout(timer);
      })()),
  };
}
