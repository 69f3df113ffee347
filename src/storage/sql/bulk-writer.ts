import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Transaction } from 'kysely';
import type { Database } from './schema.js';

/** A column of a bulk insert, with the PostgreSQL array type its values are sent as. */
export interface BulkColumn {
  name: string;
  pgType: 'text' | 'bigint' | 'double precision' | 'integer';
}

export interface BulkInsert {
  table: string;
  columns: readonly BulkColumn[];
  /** One array of values per row, in column order. */
  rows: readonly unknown[][];
  /** Conflict clause appended verbatim, e.g. `on conflict (a, b) do nothing` (written by the caller, no user input). */
  onConflict: string;
  /** Columns (a subset of `columns`) to return for the rows actually inserted or updated. */
  returning?: readonly string[];
}

/**
 * Many-row writes inside a transaction, faster than the query builder can compile them: SQLite runs
 * one cached prepared statement per row (microseconds each); PostgreSQL sends each column as one
 * array parameter to `insert … select from unnest(…)`, so the statement text never changes.
 */
export interface BulkWriter {
  insert(spec: BulkInsert): Promise<Record<string, unknown>[]>;
}

/** SQLite's one-row insert of `columns` into `table` (names from the calling store, never from a request). */
export function sqliteInsertText(table: string, columns: readonly BulkColumn[], onConflict = ''): string {
  return `insert into ${table} (${columns.map((c) => c.name).join(', ')}) values (${columns.map(() => '?').join(', ')}) ${onConflict}`.trimEnd();
}

export class SqliteBulkWriter implements BulkWriter {
  private readonly cache = new Map<string, BetterSqlite3.Statement>();

  constructor(private readonly handle: BetterSqlite3.Database) {}

  insert(spec: BulkInsert): Promise<Record<string, unknown>[]> {
    const cols = spec.columns.map((c) => c.name);
    // No RETURNING: `changes` says whether each row was written, and the returned columns are the
    // row's own values. Fetching a result row per insert cost twice the insert itself.
    const text = sqliteInsertText(spec.table, spec.columns, spec.onConflict);
    let stmt = this.cache.get(text);
    if (!stmt) {
      stmt = this.handle.prepare(text);
      this.cache.set(text, stmt);
    }
    const out: Record<string, unknown>[] = [];
    const picks = (spec.returning ?? []).map((name) => {
      const index = cols.indexOf(name);
      if (index < 0) throw new Error(`returning column ${name} is not one of the inserted columns`);
      return [name, index] as const;
    });
    for (const row of spec.rows) {
      const { changes } = stmt.run(...row);
      if (picks.length > 0 && changes > 0) out.push(Object.fromEntries(picks.map(([name, index]) => [name, row[index]])));
    }
    return Promise.resolve(out);
  }
}

export class PostgresBulkWriter implements BulkWriter {
  constructor(private readonly trx: Transaction<Database>) {}

  async insert(spec: BulkInsert): Promise<Record<string, unknown>[]> {
    if (spec.rows.length === 0) return [];
    const arrays = spec.columns.map((_, i) => spec.rows.map((row) => row[i] ?? null));
    const cols = sql.raw(spec.columns.map((c) => c.name).join(', '));
    const unnest = sql.join(spec.columns.map((c, i) => sql`${arrays[i]}::${sql.raw(c.pgType)}[]`));
    const returning = spec.returning ? sql.raw(` returning ${spec.returning.join(', ')}`) : sql``;
    const result = await sql<Record<string, unknown>>`insert into ${sql.raw(spec.table)} (${cols}) select * from unnest(${unnest}) ${sql.raw(spec.onConflict)}${returning}`.execute(this.trx);
    return result.rows;
  }
}
