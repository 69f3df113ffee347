import type { Transaction } from 'kysely';
import { invalid } from '../core/errors.js';
import type { Database } from '../storage/sql/schema.js';
import type { SqlDatabase } from '../storage/sql/sql-database.js';
import type { BulkColumn, BulkWriter } from '../storage/sql/bulk-writer.js';
import type { SqlDialect } from '../storage/sql/sql-dialect.js';
import type { LogBatchWrite } from './store.js';
import { lockRun, refreshRunData } from './sql-run-data.js';

/**
 * Bucket widths of the pre-aggregated metric levels, as powers of two (16, 256, 4096, 65536, 2^20
 * steps). A factor of 16 between levels bounds a downsampled read to ~16 rows per output bucket.
 */
export const BUCKET_LEVEL_SHIFTS = [4, 8, 12, 16, 20] as const;

interface InsertedPoint {
  key: string;
  step: number;
  timestamp: number;
  value: number;
  is_nan: number;
}

interface BucketAgg {
  key: string;
  level: number;
  bucket: number;
  count: number;
  min: number | null;
  max: number | null;
  lastStep: number;
  lastTimestamp: number;
  lastValue: number | null;
}

const METRIC_COLUMNS: BulkColumn[] = [
  { name: 'run_id', pgType: 'text' },
  { name: 'key', pgType: 'text' },
  { name: 'step', pgType: 'bigint' },
  { name: 'timestamp', pgType: 'bigint' },
  { name: 'value', pgType: 'double precision' },
  { name: 'is_nan', pgType: 'integer' },
  { name: 'model_id', pgType: 'text' },
  { name: 'dataset_name', pgType: 'text' },
  { name: 'dataset_digest', pgType: 'text' },
];
const LATEST_COLUMNS = METRIC_COLUMNS.slice(0, 6);
const BUCKET_COLUMNS: BulkColumn[] = [
  { name: 'run_id', pgType: 'text' },
  { name: 'key', pgType: 'text' },
  { name: 'level', pgType: 'integer' },
  { name: 'bucket', pgType: 'bigint' },
  { name: 'count', pgType: 'bigint' },
  { name: 'min_value', pgType: 'double precision' },
  { name: 'max_value', pgType: 'double precision' },
  { name: 'last_step', pgType: 'bigint' },
  { name: 'last_timestamp', pgType: 'bigint' },
  { name: 'last_value', pgType: 'double precision' },
];

const LATEST_CONFLICT = `on conflict (run_id, key) do update set step = excluded.step, timestamp = excluded.timestamp, value = excluded.value, is_nan = excluded.is_nan
  where excluded.step > latest_metrics.step or (excluded.step = latest_metrics.step and (excluded.timestamp > latest_metrics.timestamp or (excluded.timestamp = latest_metrics.timestamp and excluded.value > latest_metrics.value)))`;

/** Merge rule of a pre-aggregated bucket (SET expressions all read the old row). */
function bucketConflict(dialect: SqlDialect): string {
  const newer = '(excluded.last_step > metric_buckets.last_step or (excluded.last_step = metric_buckets.last_step and excluded.last_timestamp >= metric_buckets.last_timestamp))';
  return `on conflict (run_id, key, level, bucket) do update set
    count = metric_buckets.count + excluded.count,
    min_value = coalesce(${dialect.leastFn}(metric_buckets.min_value, excluded.min_value), metric_buckets.min_value, excluded.min_value),
    max_value = coalesce(${dialect.greatestFn}(metric_buckets.max_value, excluded.max_value), metric_buckets.max_value, excluded.max_value),
    last_value = case when ${newer} then excluded.last_value else metric_buckets.last_value end,
    last_timestamp = case when ${newer} then excluded.last_timestamp else metric_buckets.last_timestamp end,
    last_step = case when ${newer} then excluded.last_step else metric_buckets.last_step end`;
}

const isLater = (a: { step: number; timestamp: number; value: number }, b: { step: number; timestamp: number; value: number }): boolean =>
  a.step > b.step || (a.step === b.step && (a.timestamp > b.timestamp || (a.timestamp === b.timestamp && a.value > b.value)));

/** Write one validated batch in a single transaction: params, tags, metric points, latest values, buckets. */
export async function writeBatch(database: SqlDatabase, write: LogBatchWrite): Promise<void> {
  await database.bulkTransaction(async (trx, bulk) => {
    await lockRun(trx, database.dialect, write.runId);
    if (write.params.length > 0) await writeParams(trx, write);
    if (write.tags.length > 0) {
      const tags = dedupeLast(write.tags);
      await trx
        .insertInto('tags')
        .values(tags.map((t) => ({ run_id: write.runId, key: t.key, value: t.value })))
        .onConflict((oc) => oc.columns(['run_id', 'key']).doUpdateSet({ value: (eb) => eb.ref('excluded.value') }))
        .execute();
    }
    if (write.metrics.length > 0) await writeMetrics(bulk, database.dialect, write);
    await refreshRunData(trx, database.dialect, write.runId);
  });
}

function dedupeLast<T extends { key: string }>(items: T[]): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) byKey.set(item.key, item);
  return [...byKey.values()];
}

async function writeParams(trx: Transaction<Database>, write: LogBatchWrite): Promise<void> {
  const params = dedupeLast(write.params);
  const existing = await trx
    .selectFrom('params')
    .select(['key', 'value'])
    .where('run_id', '=', write.runId)
    .where('key', 'in', params.map((p) => p.key))
    .execute();
  const known = new Map(existing.map((p) => [p.key, p.value]));
  for (const p of params) {
    const old = known.get(p.key);
    if (old !== undefined && old !== p.value) {
      throw invalid(
        `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}' for run ID='${write.runId}'. Attempted logging new value '${p.value}'.`,
        'params',
      );
    }
  }
  const fresh = params.filter((p) => !known.has(p.key));
  if (fresh.length === 0) return;
  await trx
    .insertInto('params')
    .values(fresh.map((p) => ({ run_id: write.runId, key: p.key, value: p.value })))
    .onConflict((oc) => oc.columns(['run_id', 'key']).doNothing())
    .execute();
}

async function writeMetrics(bulk: BulkWriter, dialect: SqlDialect, write: LogBatchWrite): Promise<void> {
  const rows = write.metrics.map((m) => {
    const nan = Number.isNaN(m.value);
    return [write.runId, m.key, m.step, m.timestamp, nan ? 0 : m.value, nan ? 1 : 0, m.modelId ?? null, m.datasetName ?? null, m.datasetDigest ?? null];
  });
  // RETURNING with DO NOTHING yields only the points actually inserted, so a retried batch does not
  // count twice in the buckets.
  const inserted = (await bulk.insert({
    table: 'metrics',
    columns: METRIC_COLUMNS,
    rows,
    onConflict: 'on conflict (run_id, key, step, timestamp, value, is_nan) do nothing',
    returning: ['key', 'step', 'timestamp', 'value', 'is_nan'],
  })) as unknown as InsertedPoint[];
  // Steps and timestamps arrive as numbers: SQLite's writer echoes the inputs and the pg pool parses int8.
  if (inserted.length === 0) return;
  const latest = new Map<string, InsertedPoint>();
  for (const p of inserted) {
    const cur = latest.get(p.key);
    if (!cur || isLater(p, cur)) latest.set(p.key, p);
  }
  await bulk.insert({
    table: 'latest_metrics',
    columns: LATEST_COLUMNS,
    rows: [...latest.values()].map((p) => [write.runId, p.key, p.step, p.timestamp, p.value, p.is_nan]),
    onConflict: LATEST_CONFLICT,
  });
  await bulk.insert({ table: 'metric_buckets', columns: BUCKET_COLUMNS, rows: bucketRows(write.runId, inserted), onConflict: bucketConflict(dialect) });
}

function bucketRows(runId: string, points: InsertedPoint[]): unknown[][] {
  // Per key, one map per level from bucket number to its aggregate: no string ids to build per
  // point and level (this runs for every point ingested).
  const byKey = new Map<string, Map<number, BucketAgg>[]>();
  const rows: unknown[][] = [];
  for (const p of points) {
    let levels = byKey.get(p.key);
    if (!levels) {
      levels = BUCKET_LEVEL_SHIFTS.map(() => new Map<number, BucketAgg>());
      byKey.set(p.key, levels);
    }
    const value = p.is_nan ? null : p.value;
    for (let l = 0; l < BUCKET_LEVEL_SHIFTS.length; l++) {
      const shift = BUCKET_LEVEL_SHIFTS[l]!;
      const bucket = Math.floor(p.step / 2 ** shift);
      const level = levels[l]!;
      const agg = level.get(bucket);
      if (!agg) {
        level.set(bucket, { key: p.key, level: shift, bucket, count: 1, min: value, max: value, lastStep: p.step, lastTimestamp: p.timestamp, lastValue: value });
        continue;
      }
      agg.count++;
      if (value !== null) {
        if (agg.min === null || value < agg.min) agg.min = value;
        if (agg.max === null || value > agg.max) agg.max = value;
      }
      if (p.step > agg.lastStep || (p.step === agg.lastStep && p.timestamp >= agg.lastTimestamp)) {
        agg.lastStep = p.step;
        agg.lastTimestamp = p.timestamp;
        agg.lastValue = value;
      }
    }
  }
  for (const levels of byKey.values()) {
    for (const level of levels) {
      for (const a of level.values()) rows.push([runId, a.key, a.level, a.bucket, a.count, a.min, a.max, a.lastStep, a.lastTimestamp, a.lastValue]);
    }
  }
  return rows;
}
