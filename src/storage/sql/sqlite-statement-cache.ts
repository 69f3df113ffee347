import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/**
 * The handle Kysely's SQLite dialect is given: better-sqlite3 with its prepared statements kept
 * by SQL text. Kysely prepares every query anew, and preparing is a real part of a query's cost
 * (for a search page's 1000-parameter IN list, several milliseconds). Values are always bound
 * parameters, so the same query shape reuses one statement whatever its arguments.
 *
 * Least recently used statements are finalized past `capacity`. A statement still iterating (a
 * streamed query) is `busy` and is not handed out twice: the caller gets a fresh one instead.
 */
export function cachingSqliteDatabase(sqlite: BetterSqlite3.Database, capacity = 500): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare: (text: string) => {
      const cached = cache.get(text);
      if (cached) {
        if (cached.busy) return sqlite.prepare(text);
        // Re-insert: Map iteration order is insertion order, so the first key is the least recent.
        cache.delete(text);
        cache.set(text, cached);
        return cached;
      }
      const stmt = sqlite.prepare(text);
      cache.set(text, stmt);
      if (cache.size > capacity) cache.delete(cache.keys().next().value!);
      return stmt;
    },
  };
}
