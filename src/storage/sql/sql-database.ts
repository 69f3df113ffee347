import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { postgresDialect, sqliteDialect, type SqlDialect } from './sql-dialect.js';
import { migrateToLatest } from './migrations.js';
import { cachingSqliteDatabase } from './sqlite-statement-cache.js';
import { BACKSTOP_AUTOCHECKPOINT_PAGES, startSqliteCheckpointer, type SqliteCheckpointer } from './sqlite-checkpointer.js';
import { PostgresBulkWriter, SqliteBulkWriter, type BulkWriter } from './bulk-writer.js';

/** An open metadata database: the Kysely handle plus the dialect helpers stores need. */
export interface SqlDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: SqlDialect;
  /** Run `fn` in one transaction with both the query builder and a fast many-row writer. */
  bulkTransaction<T>(fn: (trx: Transaction<Database>, bulk: BulkWriter) => Promise<T>): Promise<T>;
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
}

export function isPostgresUrl(url: string): boolean {
  return url.startsWith('postgres://') || url.startsWith('postgresql://');
}

export async function openSqlDatabase(options: OpenSqlDatabaseOptions): Promise<SqlDatabase> {
  const database = isPostgresUrl(options.url) ? openPostgres(options) : openSqlite(options.url, options.backgroundCheckpoints === true);
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

function openSqlite(url: string, backgroundCheckpoints: boolean): SqlDatabase {
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
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingSqliteDatabase(sqlite) }) });
  const bulk = new SqliteBulkWriter(sqlite);
  return {
    db,
    dialect: sqliteDialect,
    // Kysely holds SQLite's single connection for the whole transaction, so statements run on the
    // raw handle inside it belong to that transaction and cannot interleave with other queries.
    bulkTransaction: (fn) => db.transaction().execute((trx) => fn(trx, bulk)),
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
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
