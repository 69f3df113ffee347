import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/sql/schema.js';
import type { DownsampledHistory, Metric, MetricBucket } from './model.js';
import type { DownsampleQuery, MetricHistoryQuery } from './store.js';
import { BUCKET_LEVEL_SHIFTS } from './sql-metric-writer.js';

/** Rows read per output bucket before switching to a coarser level (one level's fan-out). */
const LEVEL_FANOUT = 16;

const toValue = (value: number, isNan: number): number => (isNan ? Number.NaN : value);

export async function readHistory(db: Kysely<Database>, q: MetricHistoryQuery): Promise<Metric[]> {
  let query = db
    .selectFrom('metrics')
    .select(['key', 'value', 'is_nan', 'timestamp', 'step', 'model_id', 'dataset_name', 'dataset_digest'])
    .where('run_id', '=', q.runId)
    .where('key', '=', q.key);
  if (q.startStep !== undefined) query = query.where('step', '>=', q.startStep);
  if (q.endStep !== undefined) query = query.where('step', '<=', q.endStep);
  const rows = await query.orderBy('step').orderBy('timestamp').orderBy('value').limit(q.limit).offset(q.offset).execute();
  return rows.map((r) => ({
    key: r.key,
    value: toValue(r.value, r.is_nan),
    timestamp: r.timestamp,
    step: r.step,
    ...(r.model_id ? { modelId: r.model_id } : {}),
    ...(r.dataset_name ? { datasetName: r.dataset_name } : {}),
    ...(r.dataset_digest ? { datasetDigest: r.dataset_digest } : {}),
  }));
}

async function stepExtent(db: Kysely<Database>, runId: string, key: string): Promise<{ lo: number; hi: number } | null> {
  const first = await db.selectFrom('metrics').select('step').where('run_id', '=', runId).where('key', '=', key).orderBy('step', 'asc').limit(1).executeTakeFirst();
  if (!first) return null;
  const last = await db.selectFrom('metrics').select('step').where('run_id', '=', runId).where('key', '=', key).orderBy('step', 'desc').limit(1).executeTakeFirst();
  return { lo: first.step, hi: last!.step };
}

/**
 * Min/max/last per bucket over a step range. Small ranges are aggregated from raw points; large
 * ones from the coarsest pre-aggregated level that still gives every output bucket its own rows,
 * so the cost is O(maxPoints × 16) rows whatever the history's length.
 */
export async function readDownsampled(db: Kysely<Database>, q: DownsampleQuery): Promise<DownsampledHistory> {
  const empty: DownsampledHistory = { runId: q.runId, key: q.key, totalPoints: 0, raw: true, buckets: [] };
  const extent = q.startStep !== undefined && q.endStep !== undefined ? { lo: q.startStep, hi: q.endStep } : await stepExtent(db, q.runId, q.key);
  if (!extent) return empty;
  const lo = q.startStep ?? extent.lo;
  const hi = q.endStep ?? extent.hi;
  if (lo > hi) return empty;
  const span = hi - lo + 1;
  const width = Math.max(1, Math.ceil(span / q.maxPoints));
  const shift = [...BUCKET_LEVEL_SHIFTS].reverse().find((s) => 2 ** s <= width);
  // Raw points are cheap while the range holds at most ~16 points per output bucket.
  if (shift === undefined || width < LEVEL_FANOUT) return readRaw(db, q, lo, hi, width);
  return readLevel(db, q, lo, hi, width, shift);
}

async function readRaw(db: Kysely<Database>, q: DownsampleQuery, lo: number, hi: number, width: number): Promise<DownsampledHistory> {
  const inRange = db.selectFrom('metrics').where('run_id', '=', q.runId).where('key', '=', q.key).where('step', '>=', lo).where('step', '<=', hi);
  const counted = await inRange.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  const total = Number(counted?.n ?? 0);
  if (total <= q.maxPoints) {
    const rows = await inRange.select(['step', 'timestamp', 'value', 'is_nan']).orderBy('step').orderBy('timestamp').execute();
    return {
      runId: q.runId,
      key: q.key,
      totalPoints: rows.length,
      raw: true,
      buckets: rows.map((r) => {
        const v = r.is_nan ? null : r.value;
        return { startStep: r.step, endStep: r.step, count: 1, min: v, max: v, last: v, lastStep: r.step, lastTimestamp: r.timestamp };
      }),
    };
  }
  // Aggregate in the database: one row per output bucket instead of every point through JS.
  // Steps minus `lo` are non-negative, so integer division is the floor on both dialects. `lo` and
  // `width` are server-computed safe integers, inlined as literals: bound JS numbers would make
  // SQLite divide as REALs, and PostgreSQL could not match the GROUP BY expression to the select list.
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(width)) throw new Error('step bounds must be safe integers');
  const bucketOf = sql`(step - ${sql.lit(lo)}) / ${sql.lit(width)}`;
  const agg = await sql<{ b: number; n: number; mn: number | null; mx: number | null; ls: number }>`
    select ${bucketOf} as b, count(*) as n,
      min(case when is_nan = 0 then value end) as mn, max(case when is_nan = 0 then value end) as mx, max(step) as ls
    from metrics where run_id = ${q.runId} and key = ${q.key} and step >= ${lo} and step <= ${hi}
    group by ${bucketOf} order by b`.execute(db);
  const lasts = await sql<{ step: number; timestamp: number; value: number; is_nan: number }>`
    select m.step, m.timestamp, m.value, m.is_nan from metrics m
    where m.run_id = ${q.runId} and m.key = ${q.key} and m.step in (${sql.join(agg.rows.map((r) => sql`${Number(r.ls)}`))})
    order by m.step, m.timestamp`.execute(db);
  const lastAt = new Map<number, { timestamp: number; value: number | null }>();
  // Ordered by timestamp, so the final write per step is the latest point at that step.
  for (const r of lasts.rows) lastAt.set(Number(r.step), { timestamp: Number(r.timestamp), value: r.is_nan ? null : r.value });
  const buckets = agg.rows.map((r): MetricBucket => {
    const idx = Number(r.b);
    const ls = Number(r.ls);
    const last = lastAt.get(ls);
    return { startStep: lo + idx * width, endStep: Math.min(hi, lo + (idx + 1) * width - 1), count: Number(r.n), min: r.mn, max: r.mx, last: last?.value ?? null, lastStep: ls, lastTimestamp: last?.timestamp ?? 0 };
  });
  return { runId: q.runId, key: q.key, totalPoints: total, raw: false, buckets };
}

async function readLevel(db: Kysely<Database>, q: DownsampleQuery, lo: number, hi: number, width: number, shift: number): Promise<DownsampledHistory> {
  const levelWidth = 2 ** shift;
  const rows = await db
    .selectFrom('metric_buckets')
    .select(['bucket', 'count', 'min_value', 'max_value', 'last_step', 'last_timestamp', 'last_value'])
    .where('run_id', '=', q.runId)
    .where('key', '=', q.key)
    .where('level', '=', shift)
    .where('bucket', '>=', Math.floor(lo / levelWidth))
    .where('bucket', '<=', Math.floor(hi / levelWidth))
    .orderBy('bucket')
    .execute();
  const out = new Map<number, MetricBucket>();
  let total = 0;
  for (const r of rows) {
    // A level bucket is assigned to the output bucket holding its last point; buckets at the range's
    // edges may include points just outside it (at most one level width).
    const idx = Math.max(0, Math.floor((Math.min(Math.max(r.last_step, lo), hi) - lo) / width));
    total += r.count;
    let b = out.get(idx);
    if (!b) {
      b = { startStep: lo + idx * width, endStep: Math.min(hi, lo + (idx + 1) * width - 1), count: 0, min: null, max: null, last: null, lastStep: r.last_step, lastTimestamp: r.last_timestamp };
      out.set(idx, b);
    }
    b.count += r.count;
    if (r.min_value !== null) b.min = b.min === null ? r.min_value : Math.min(b.min, r.min_value);
    if (r.max_value !== null) b.max = b.max === null ? r.max_value : Math.max(b.max, r.max_value);
    if (r.last_step >= b.lastStep) {
      b.last = r.last_value;
      b.lastStep = r.last_step;
      b.lastTimestamp = r.last_timestamp;
    }
  }
  return { runId: q.runId, key: q.key, totalPoints: total, raw: false, buckets: [...out.values()] };
}
