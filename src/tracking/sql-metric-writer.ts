import type { Transaction } from 'kysely';
import { invalid } from '../core/errors.js';
import type { Database } from '../storage/sql/schema.js';
import type { SqlDatabase } from '../storage/sql/sql-database.js';
import type { BulkColumn, BulkWriter } from '../storage/sql/bulk-writer.js';
import type { SqlDialect } from '../storage/sql/sql-dialect.js';
import type { LogBatchWrite } from './store.js';
import { lockRun, refreshRunData } from './sql-run-data.js';
import { CHUNK_MIN_POINTS, insertChunks } from './sql-metric-chunks.js';
import { mergePoints, pointsOf, type MetricPoints } from './metric-points.js';

/**
 * Bucket widths of the pre-aggregated metric levels, as powers of two (16, 256, 4096, 65536, 2^20
 * steps). A factor of 16 between levels bounds a downsampled read to ~16 rows per output bucket.
 */
export const BUCKET_LEVEL_SHIFTS = [4, 8, 12, 16, 20] as const;

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
    if (write.metrics.length > 0) await writeMetrics(trx, bulk, database.dialect, write);
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

/**
 * Plain points of a key with at least CHUNK_MIN_POINTS in the batch go into one chunk; points that
 * name a model or dataset, and keys with fewer points, go into `metrics` one row each.
 */
function splitMetrics(metrics: LogBatchWrite['metrics']): { rows: LogBatchWrite['metrics']; chunks: Map<string, MetricPoints> } {
  const byKey = new Map<string, LogBatchWrite['metrics']>();
  const rows: LogBatchWrite['metrics'] = [];
  for (const m of metrics) {
    if (m.modelId || m.datasetName || m.datasetDigest) {
      rows.push(m);
      continue;
    }
    const list = byKey.get(m.key);
    if (list) list.push(m);
    else byKey.set(m.key, [m]);
  }
  const chunks = new Map<string, MetricPoints>();
  for (const [key, list] of byKey) {
    if (list.length < CHUNK_MIN_POINTS) rows.push(...list);
    else chunks.set(key, pointsOf(list));
  }
  return { rows, chunks };
}

async function writeMetrics(trx: Transaction<Database>, bulk: BulkWriter, dialect: SqlDialect, write: LogBatchWrite): Promise<void> {
  const split = splitMetrics(write.metrics);
  const rows = split.rows.map((m) => {
    const nan = Number.isNaN(m.value);
    return [write.runId, m.key, m.step, m.timestamp, nan ? 0 : m.value, nan ? 1 : 0, m.modelId ?? null, m.datasetName ?? null, m.datasetDigest ?? null];
  });
  // RETURNING with DO NOTHING yields only the points actually inserted, and a chunk already stored
  // is skipped, so a retried batch does not count twice in the buckets.
  const inserted =
    rows.length === 0
      ? []
      : ((await bulk.insert({
          table: 'metrics',
          columns: METRIC_COLUMNS,
          rows,
          onConflict: 'on conflict (run_id, key, step, timestamp, value, is_nan) do nothing',
          returning: ['key', 'step', 'timestamp', 'value', 'is_nan'],
        })) as unknown as { key: string; step: number; timestamp: number; value: number; is_nan: number }[]);
  // Steps and timestamps arrive as numbers: SQLite's writer echoes the inputs and the pg pool parses int8.
  const written = new Map<string, MetricPoints[]>();
  const add = (key: string, p: MetricPoints) => {
    const parts = written.get(key);
    if (parts) parts.push(p);
    else written.set(key, [p]);
  };
  const rowsByKey = new Map<string, { step: number; timestamp: number; value: number }[]>();
  for (const r of inserted) {
    const point = { step: r.step, timestamp: r.timestamp, value: r.is_nan ? Number.NaN : r.value };
    const list = rowsByKey.get(r.key);
    if (list) list.push(point);
    else rowsByKey.set(r.key, [point]);
  }
  for (const [key, list] of rowsByKey) add(key, pointsOf(list));
  for (const [key, p] of await insertChunks(trx, write.runId, split.chunks)) add(key, p);
  if (written.size === 0) return;
  const latest: unknown[][] = [];
  const buckets: unknown[][] = [];
  for (const [key, parts] of written) {
    const p = parts.length === 1 ? parts[0]! : mergePoints(parts);
    const last = p.length - 1;
    const value = p.values[last]!;
    latest.push([write.runId, key, p.steps[last], p.timestamps[last], Number.isNaN(value) ? 0 : value, Number.isNaN(value) ? 1 : 0]);
    for (const shift of BUCKET_LEVEL_SHIFTS) pushBucketRows(buckets, write.runId, key, shift, p);
  }
  await bulk.insert({ table: 'latest_metrics', columns: LATEST_COLUMNS, rows: latest, onConflict: LATEST_CONFLICT });
  await bulk.insert({ table: 'metric_buckets', columns: BUCKET_COLUMNS, rows: buckets, onConflict: bucketConflict(dialect) });
}

/**
 * One level's aggregates of a key's new points (in history order, so one pass): count, min and max
 * of the non-NaN values, and the last point, per bucket of 2^shift steps.
 */
function pushBucketRows(out: unknown[][], runId: string, key: string, shift: number, p: MetricPoints): void {
  const width = 2 ** shift;
  let i = 0;
  while (i < p.length) {
    const bucket = Math.floor(p.steps[i]! / width);
    let count = 0;
    let min: number | null = null;
    let max: number | null = null;
    let j = i;
    for (; j < p.length && Math.floor(p.steps[j]! / width) === bucket; j++) {
      const v = p.values[j]!;
      count++;
      if (Number.isNaN(v)) continue;
      if (min === null || v < min) min = v;
      if (max === null || v > max) max = v;
    }
    const lastValue = p.values[j - 1]!;
    out.push([runId, key, shift, bucket, count, min, max, p.steps[j - 1], p.timestamps[j - 1], Number.isNaN(lastValue) ? null : lastValue]);
    i = j;
  }
}
