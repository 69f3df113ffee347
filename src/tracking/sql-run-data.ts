import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../storage/sql/schema.js';
import type { SqlDialect } from '../storage/sql/sql-dialect.js';
import type { KeyValue, Metric, Run } from './model.js';

/**
 * A run's latest params, tags and metrics, materialized as one canonical JSON text in
 * `runs.data_json`: `{"metrics":[{key,value,timestamp,step}],"params":[{key,value}],"tags":[{key,value}]}`,
 * each list ordered by key, non-finite metric values as the proto3 JSON strings "NaN", "Infinity",
 * "-Infinity". Every write to those tables rewrites it in the same transaction, after locking the
 * run row, so readers never see it disagree with the rows; search pages splice it verbatim.
 */
export function runDataJsonSql(dialect: SqlDialect, runIdRef: string): RawBuilder<string> {
  // Built once per dialect and reference (a builder is immutable): every log-batch rebuilds the JSON.
  const id = `${dialect.name}\u0000${runIdRef}`;
  let built = builtRunDataSql.get(id);
  if (!built) {
    built = buildRunDataJsonSql(dialect, runIdRef);
    builtRunDataSql.set(id, built);
  }
  return built;
}

const builtRunDataSql = new Map<string, RawBuilder<string>>();

function buildRunDataJsonSql(dialect: SqlDialect, runIdRef: string): RawBuilder<string> {
  const run = sql.ref(runIdRef);
  const kv = (table: string) =>
    sql<string>`(select ${dialect.jsonArrayAgg(dialect.jsonObject([['key', sql.ref('x.key')], ['value', sql.ref('x.value')]]), sql.ref('x.key'))} from ${sql.table(table)} x where x.run_id = ${run})`;
  const metric = dialect.jsonObject([
    ['key', sql.ref('m.key')],
    ['value', dialect.jsonDouble(sql.ref('m.value'), sql.ref('m.is_nan'))],
    ['timestamp', sql.ref('m.timestamp')],
    ['step', sql.ref('m.step')],
  ]);
  const metrics = sql<string>`(select ${dialect.jsonArrayAgg(metric, sql.ref('m.key'))} from latest_metrics m where m.run_id = ${run})`;
  // Concatenated rather than nested so both dialects embed the arrays as JSON, not as strings.
  return sql<string>`'{"metrics":' || ${metrics} || ',"params":' || ${kv('params')} || ',"tags":' || ${kv('tags')} || '}'`;
}

/** The stored JSON, or (for rows written before it existed) the same JSON built on the fly. */
export function runDataColumn(dialect: SqlDialect, alias: string): RawBuilder<string> {
  return sql<string>`coalesce(${sql.ref(`${alias}.data_json`)}, ${runDataJsonSql(dialect, `${alias}.run_id`)})`;
}

/** Lock the run row for the rest of the transaction, so concurrent writers rebuild its JSON one after another. */
export async function lockRun(db: Kysely<Database>, dialect: SqlDialect, runId: string): Promise<void> {
  // SQLite runs one writer at a time: the statement would lock nothing, so the ingest path skips it.
  if (!dialect.forUpdate) return;
  await sql`select run_id from runs where run_id = ${runId} ${dialect.forUpdate}`.execute(db);
}

/** Rebuild a run's JSON from its rows; call last in the transaction that changed them. */
export async function refreshRunData(db: Kysely<Database>, dialect: SqlDialect, runId: string): Promise<void> {
  await sql`update runs set data_json = ${runDataJsonSql(dialect, 'runs.run_id')} where run_id = ${runId}`.execute(db);
}

interface RawRunData {
  metrics: { key: string; value: number | string; timestamp: number; step: number }[];
  params: KeyValue[];
  tags: KeyValue[];
}

/** Parse the canonical JSON back into domain values. */
export function parseRunData(json: string): Run['data'] {
  const raw = JSON.parse(json) as RawRunData;
  return {
    metrics: raw.metrics.map((m): Metric => ({ key: m.key, value: typeof m.value === 'string' ? Number(m.value) : m.value, timestamp: m.timestamp, step: m.step })),
    params: raw.params,
    tags: raw.tags,
  };
}

/**
 * A Run whose `data` is parsed from its JSON on first use, and which carries that JSON as the
 * non-enumerable `dataJson` (see Run) while `data` is untouched: a search page serialized
 * straight to the wire never parses a thousand runs' data only to stringify it again.
 */
export function runWithDataJson(base: Omit<Run, 'data' | 'dataJson'>, json: string): Run {
  let data: Run['data'] | undefined;
  let dataJson: string | undefined = json;
  const run = base as Run;
  Object.defineProperty(run, 'data', {
    enumerable: true,
    configurable: true,
    get: () => (data ??= parseRunData(json)),
    set: (value: Run['data']) => {
      data = value;
      // Whoever replaces the data owns it now; the JSON no longer describes it.
      dataJson = undefined;
    },
  });
  Object.defineProperty(run, 'dataJson', { enumerable: false, configurable: true, get: () => dataJson });
  return run;
}
