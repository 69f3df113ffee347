import { sql, type Kysely, type Transaction } from 'kysely';
import { invalid } from '../core/errors.js';
import type { Database } from '../storage/sql/schema.js';
import type { SqlDialect } from '../storage/sql/sql-dialect.js';
import type { LogBatchWrite } from './store.js';

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

const isLater = (a: { step: number; timestamp: number; value: number }, b: { step: number; timestamp: number; value: number }): boolean =>
  a.step > b.step || (a.step === b.step && (a.timestamp > b.timestamp || (a.timestamp === b.timestamp && a.value > b.value)));

/** Write one validated batch in a single transaction: params, tags, metric points, latest values, buckets. */
export async function writeBatch(db: Kysely<Database>, dialect: SqlDialect, write: LogBatchWrite): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (write.params.length > 0) await writeParams(trx, write);
    if (write.tags.length > 0) {
      const tags = dedupeLast(write.tags);
      await trx
        .insertInto('tags')
        .values(tags.map((t) => ({ run_id: write.runId, key: t.key, value: t.value })))
        .onConflict((oc) => oc.columns(['run_id', 'key']).doUpdateSet({ value: (eb) => eb.ref('excluded.value') }))
        .execute();
    }
    if (write.metrics.length > 0) await writeMetrics(trx, dialect, write);
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

async function writeMetrics(trx: Transaction<Database>, dialect: SqlDialect, write: LogBatchWrite): Promise<void> {
  const rows = write.metrics.map((m) => {
    const nan = Number.isNaN(m.value);
    return {
      run_id: write.runId,
      key: m.key,
      step: m.step,
      timestamp: m.timestamp,
      value: nan ? 0 : m.value,
      is_nan: nan ? 1 : 0,
      model_id: m.modelId ?? null,
      dataset_name: m.datasetName ?? null,
      dataset_digest: m.datasetDigest ?? null,
    };
  });
  // RETURNING with DO NOTHING yields only the points actually inserted, so a retried batch does not
  // count twice in the buckets.
  const inserted: InsertedPoint[] = [];
  const chunk = Math.floor(dialect.maxParams / 9);
  for (let i = 0; i < rows.length; i += chunk) {
    const part = await trx
      .insertInto('metrics')
      .values(rows.slice(i, i + chunk))
      .onConflict((oc) => oc.columns(['run_id', 'key', 'step', 'timestamp', 'value', 'is_nan']).doNothing())
      .returning(['key', 'step', 'timestamp', 'value', 'is_nan'])
      .execute();
    inserted.push(...part);
  }
  if (inserted.length === 0) return;
  await upsertLatest(trx, write.runId, inserted);
  await upsertBuckets(trx, dialect, write.runId, inserted);
}

async function upsertLatest(trx: Transaction<Database>, runId: string, points: InsertedPoint[]): Promise<void> {
  const latest = new Map<string, InsertedPoint>();
  for (const p of points) {
    const cur = latest.get(p.key);
    if (!cur || isLater(p, cur)) latest.set(p.key, p);
  }
  await trx
    .insertInto('latest_metrics')
    .values([...latest.values()].map((p) => ({ run_id: runId, key: p.key, step: p.step, timestamp: p.timestamp, value: p.value, is_nan: p.is_nan })))
    .onConflict((oc) =>
      oc
        .columns(['run_id', 'key'])
        .doUpdateSet({
          step: (eb) => eb.ref('excluded.step'),
          timestamp: (eb) => eb.ref('excluded.timestamp'),
          value: (eb) => eb.ref('excluded.value'),
          is_nan: (eb) => eb.ref('excluded.is_nan'),
        })
        .where(
          sql<boolean>`excluded.step > latest_metrics.step or (excluded.step = latest_metrics.step and (excluded.timestamp > latest_metrics.timestamp or (excluded.timestamp = latest_metrics.timestamp and excluded.value > latest_metrics.value)))`,
        ),
    )
    .execute();
}

async function upsertBuckets(trx: Transaction<Database>, dialect: SqlDialect, runId: string, points: InsertedPoint[]): Promise<void> {
  const aggs = new Map<string, BucketAgg>();
  for (const p of points) {
    for (const shift of BUCKET_LEVEL_SHIFTS) {
      const bucket = Math.floor(p.step / 2 ** shift);
      const id = `${p.key}\u0000${shift}\u0000${bucket}`;
      let agg = aggs.get(id);
      if (!agg) {
        agg = { key: p.key, level: shift, bucket, count: 0, min: null, max: null, lastStep: p.step, lastTimestamp: p.timestamp, lastValue: p.is_nan ? null : p.value };
        aggs.set(id, agg);
      }
      agg.count++;
      if (!p.is_nan) {
        agg.min = agg.min === null ? p.value : Math.min(agg.min, p.value);
        agg.max = agg.max === null ? p.value : Math.max(agg.max, p.value);
      }
      if (p.step > agg.lastStep || (p.step === agg.lastStep && p.timestamp >= agg.lastTimestamp)) {
        agg.lastStep = p.step;
        agg.lastTimestamp = p.timestamp;
        agg.lastValue = p.is_nan ? null : p.value;
      }
    }
  }
  const rows = [...aggs.values()].map((a) => ({
    run_id: runId,
    key: a.key,
    level: a.level,
    bucket: a.bucket,
    count: a.count,
    min_value: a.min,
    max_value: a.max,
    last_step: a.lastStep,
    last_timestamp: a.lastTimestamp,
    last_value: a.lastValue,
  }));
  const mb = sql.table('metric_buckets');
  const newer = sql`(excluded.last_step > ${mb}.last_step or (excluded.last_step = ${mb}.last_step and excluded.last_timestamp >= ${mb}.last_timestamp))`;
  const chunk = Math.floor(dialect.maxParams / 10);
  for (let i = 0; i < rows.length; i += chunk) {
    await trx
      .insertInto('metric_buckets')
      .values(rows.slice(i, i + chunk))
      .onConflict((oc) =>
        oc.columns(['run_id', 'key', 'level', 'bucket']).doUpdateSet({
          count: sql`${mb}.count + excluded.count`,
          min_value: sql`coalesce(${dialect.least(sql.ref('metric_buckets.min_value'), sql.ref('excluded.min_value'))}, ${mb}.min_value, excluded.min_value)`,
          max_value: sql`coalesce(${dialect.greatest(sql.ref('metric_buckets.max_value'), sql.ref('excluded.max_value'))}, ${mb}.max_value, excluded.max_value)`,
          last_value: sql`case when ${newer} then excluded.last_value else ${mb}.last_value end`,
          last_timestamp: sql`case when ${newer} then excluded.last_timestamp else ${mb}.last_timestamp end`,
          last_step: sql`case when ${newer} then excluded.last_step else ${mb}.last_step end`,
        }),
      )
      .execute();
  }
}
