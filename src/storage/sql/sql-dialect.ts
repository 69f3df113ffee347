import { sql, type RawBuilder, type Expression } from 'kysely';

export type SqlDialectName = 'sqlite' | 'postgres';

/**
 * The few places where SQLite and PostgreSQL differ, in one object, so domain stores never
 * branch on the dialect themselves.
 */
export interface SqlDialect {
  readonly name: SqlDialectName;
  /** Column type of an auto-incrementing integer primary key. */
  readonly serialType: 'integer' | 'bigserial';
  /** The larger of two non-null expressions. */
  greatest<T>(a: Expression<T>, b: Expression<T>): RawBuilder<T>;
  /** The smaller of two non-null expressions. */
  least<T>(a: Expression<T>, b: Expression<T>): RawBuilder<T>;
  /** Case-insensitive LIKE. */
  ilike(a: Expression<unknown>, pattern: Expression<unknown>): RawBuilder<boolean>;
  /** True when a driver error is a unique or primary-key violation. */
  isUniqueViolation(err: unknown): boolean;
  /** Names of the two-argument smaller/larger functions, for SQL text built by bulk writers. */
  readonly leastFn: 'min' | 'least';
  readonly greatestFn: 'max' | 'greatest';
  /** Largest number of bound parameters one statement may carry. */
  readonly maxParams: number;
  /** A JSON object value built in SQL from name → expression pairs (names are fixed SQL literals); nest it in jsonArrayAgg. */
  jsonObject(pairs: readonly (readonly [string, Expression<unknown>])[]): RawBuilder<string>;
  /** Aggregate a JSON value per row into a JSON array text (`[]` for no rows), ordered by `orderBy`. */
  jsonArrayAgg(value: Expression<unknown>, orderBy: Expression<unknown>): RawBuilder<string>;
  /**
   * A double column as a JSON value: a number, or the proto3 JSON strings "NaN", "Infinity",
   * "-Infinity" (NaN is kept as a flag column because SQLite stores NaN as NULL).
   */
  jsonDouble(value: Expression<number>, isNan: Expression<number>): RawBuilder<unknown>;
  /** Suffix of a SELECT that locks the selected rows until the transaction ends; null on SQLite, whose writers are already serialized, so no lock statement is needed. */
  readonly forUpdate: RawBuilder<unknown> | null;
}

const pairsSql = (pairs: readonly (readonly [string, Expression<unknown>])[]) =>
  sql.join(pairs.map(([name, value]) => sql`${sql.lit(name)}, ${value}`));

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  serialType: 'integer',
  greatest: (a, b) => sql`max(${a}, ${b})`,
  least: (a, b) => sql`min(${a}, ${b})`,
  ilike: (a, p) => sql<boolean>`lower(${a}) like lower(${p})`,
  isUniqueViolation: (err) => {
    const code = errorCode(err);
    return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
  },
  leastFn: 'min',
  greatestFn: 'max',
  maxParams: 32000,
  jsonObject: (pairs) => sql<string>`json_object(${pairsSql(pairs)})`,
  // ORDER BY inside an aggregate needs SQLite 3.44+; better-sqlite3 bundles a newer one.
  jsonArrayAgg: (value, orderBy) => sql<string>`coalesce(json_group_array(${value} order by ${orderBy}), '[]')`,
  // 9e999 is how SQLite spells an infinite REAL; it renders finite doubles with round-trip precision.
  jsonDouble: (value, isNan) =>
    sql`case when ${isNan} = 1 then 'NaN' when ${value} = 9e999 then 'Infinity' when ${value} = -9e999 then '-Infinity' else ${value} end`,
  forUpdate: null,
};

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  serialType: 'bigserial',
  greatest: (a, b) => sql`greatest(${a}, ${b})`,
  least: (a, b) => sql`least(${a}, ${b})`,
  ilike: (a, p) => sql<boolean>`${a} ilike ${p}`,
  isUniqueViolation: (err) => errorCode(err) === '23505',
  leastFn: 'least',
  greatestFn: 'greatest',
  maxParams: 65000,
  jsonObject: (pairs) => sql<string>`json_build_object(${pairsSql(pairs)})`,
  jsonArrayAgg: (value, orderBy) => sql<string>`coalesce(json_agg(${value} order by ${orderBy})::text, '[]')`,
  jsonDouble: (value, isNan) =>
    sql`case when ${isNan} = 1 then to_json('NaN'::text) when ${value} = 'Infinity'::float8 then to_json('Infinity'::text) when ${value} = '-Infinity'::float8 then to_json('-Infinity'::text) else to_json(${value}) end`,
  forUpdate: sql`for update`,
};
