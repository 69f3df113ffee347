import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, type Driver, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { postgresDialect, sqliteDialect, type SqlDialect } from './sql-dialect.js';
import { migrateToLatest } from './migrations.js';
import { cachingSqliteDatabase } from './sqlite-statement-cache.js';
import { BACKSTOP_AUTOCHECKPOINT_PAGES, startSqliteCheckpointer, type SqliteCheckpointer } from './sqlite-checkpointer.js';
import { PostgresBulkWriter, SqliteBulkWriter, type BulkWriter } from './bulk-writer.js';
import { startSqliteBackgroundWriter, type BackgroundWriter } from './sqlite-background-writer.js';

/** An open metadata database: the Kysely handle plus the dialect helpers stores need. */
export interface SqlDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: SqlDialect;
  /** Run `fn` in one transaction with both the query builder and a fast many-row writer. */
  bulkTransaction<T>(fn: (trx: Transaction<Database>, bulk: BulkWriter) => Promise<T>): Promise<T>;
  /** SQLite with `backgroundWrites`: appends on a second connection in a worker thread. */
  readonly background?: BackgroundWriter;
  close(): Promise<void>;
}

export interface OpenSqlDatabaseOptions {
  /** `sqlite:<path>`, `sqlite::memory:`, a bare file path, or `postgres(ql)://…`. */
  url: string;
  /** Run migrations on open (default true). */
  migrate?: boolean;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /**
   * SQLite: checkpoint the WAL from a background thread instead of inside commits (the server's
   * choice; short-lived processes keep SQLite's automatic checkpoints). Ignored for PostgreSQL.
   */
  backgroundCheckpoints?: boolean;
  /**
   * SQLite: open a second connection in a worker thread for append-only logs (the inference log),
   * so their inserts leave the event loop (the server's choice). Ignored for PostgreSQL.
   */
  backgroundWrites?: boolean;
}

export function isPostgresUrl(url: string): boolean {
  return url.startsWith('postgres://') || url.startsWith('postgresql://');
}

export async function openSqlDatabase(options: OpenSqlDatabaseOptions): Promise<SqlDatabase> {
  const database = isPostgresUrl(options.url) ? openPostgres(options) : openSqlite(options.url, options.backgroundCheckpoints === true, options.backgroundWrites === true);
  if (options.migrate !== false) {
    try {
      await migrateToLatest(database.db, database.dialect);
    } catch (err) {
      await database.close();
      throw err;
    }
  }
  return database;
}

function openSqlite(url: string, backgroundCheckpoints: boolean, backgroundWrites: boolean): SqlDatabase {
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  // WAL lets readers proceed during writes; NORMAL sync keeps every committed transaction across a
  // process kill (the WAL is in the OS page cache), losing only on power failure.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('foreign_keys = ON');
  // MLflow's LIKE is case-sensitive; SQLite's is not unless told.
  sqlite.pragma('case_sensitive_like = ON');
  let checkpointer: SqliteCheckpointer | null = null;
  if (backgroundCheckpoints && file !== ':memory:') {
    sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
    checkpointer = startSqliteCheckpointer(path.resolve(file), {
      onError: (message) => process.emitWarning(`SQLite background checkpoint failed: ${message}`, { code: 'ASCENT_SQLITE_CHECKPOINT' }),
    });
  }
  const background = backgroundWrites && file !== ':memory:'
    ? startSqliteBackgroundWriter(path.resolve(file), {
        autocheckpointPages: Number(sqlite.pragma('wal_autocheckpoint', { simple: true })),
        onError: (message) => process.emitWarning(`SQLite background writer failed: ${message}`, { code: 'ASCENT_SQLITE_WRITER' }),
      })
    : undefined;
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: cachingSqliteDatabase(sqlite) }) });
  const bulk = new SqliteBulkWriter(sqlite);
  return {
    db,
    dialect: sqliteDialect,
    ...(background ? { background } : {}),
    // Kysely holds SQLite's single connection for the whole transaction, so statements run on the
    // raw handle inside it belong to that transaction and cannot interleave with other queries.
    bulkTransaction: (fn) => db.transaction().execute((trx) => fn(trx, bulk)),
    close: async () => {
      await background?.stop();
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

/**
 * Kysely's SQLite dialect with write transactions that take the write lock when they begin
 * (`BEGIN IMMEDIATE`). A deferred transaction that reads first and writes later fails with
 * SQLITE_BUSY, which no busy timeout retries, when another connection (the background writer, a CLI
 * process) committed in between; an immediate one waits for the lock up to busy_timeout instead.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

function openPostgres(options: OpenSqlDatabaseOptions): SqlDatabase {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    // int8 (bigint) columns hold epoch milliseconds and steps: safe as JS numbers.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client the server terminates (restart, failover, DROP DATABASE … WITH (FORCE)) emits
  // 'error' on the pool; without a listener Node treats it as fatal. The pool replaces the client.
  pool.on('error', (err) => {
    process.emitWarning(`PostgreSQL idle client error: ${err.message}`, { code: 'ASCENT_PG_IDLE_CLIENT' });
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: postgresDialect,
    bulkTransaction: (fn) => db.transaction().execute((trx) => fn(trx, new PostgresBulkWriter(trx))),
    close: async () => {
      await db.destroy();
    },
  };
}
