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
}

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
};
