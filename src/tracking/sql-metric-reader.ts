import type { Kysely } from 'kysely';
import type { Database } from '../storage/sql/schema.js';
import type { DownsampledHistory, Metric, MetricBucket } from './model.js';
import type { DownsampleQuery, MetricHistoryQuery } from './store.js';
import { BUCKET_LEVEL_SHIFTS } from './sql-metric-writer.js';
import { readPoints, stepExtent } from './sql-metric-chunks.js';

/** Rows read per output bucket before switching to a coarser level (one level's fan-out). */
const LEVEL_FANOUT = 16;

export async function readHistory(db: Kysely<Database>, q: MetricHistoryQuery): Promise<Metric[]> {
  const p = await readPoints(db, q.runId, q.key, q.startStep, q.endStep);
  const end = Math.min(p.length, q.offset + q.limit);
  const out: Metric[] = [];
  for (let i = q.offset; i < end; i++) {
    const refs = p.refs?.[i];
    out.push({
      key: q.key,
      value: p.values[i]!,
      timestamp: p.timestamps[i]!,
      step: p.steps[i]!,
      ...(refs?.modelId ? { modelId: refs.modelId } : {}),
      ...(refs?.datasetName ? { datasetName: refs.datasetName } : {}),
      ...(refs?.datasetDigest ? { datasetDigest: refs.datasetDigest } : {}),
    });
  }
  return out;
}

/** Number of points in one key's history (identical points counted once). */
export async function countHistory(db: Kysely<Database>, runId: string, key: string): Promise<number> {
  return (await readPoints(db, runId, key)).length;
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
  // At most ~16 points per output bucket (the caller switches to a level beyond that).
  const p = await readPoints(db, q.runId, q.key, lo, hi);
  const valueAt = (i: number): number | null => (Number.isNaN(p.values[i]!) ? null : p.values[i]!);
  if (p.length <= q.maxPoints) {
    const buckets: MetricBucket[] = [];
    for (let i = 0; i < p.length; i++) {
      const v = valueAt(i);
      buckets.push({ startStep: p.steps[i]!, endStep: p.steps[i]!, count: 1, min: v, max: v, last: v, lastStep: p.steps[i]!, lastTimestamp: p.timestamps[i]! });
    }
    return { runId: q.runId, key: q.key, totalPoints: p.length, raw: true, buckets };
  }
  const buckets: MetricBucket[] = [];
  let cur: MetricBucket | null = null;
  let curIdx = -1;
  for (let i = 0; i < p.length; i++) {
    const idx = Math.floor((p.steps[i]! - lo) / width);
    if (idx !== curIdx || !cur) {
      cur = { startStep: lo + idx * width, endStep: Math.min(hi, lo + (idx + 1) * width - 1), count: 0, min: null, max: null, last: null, lastStep: p.steps[i]!, lastTimestamp: 0 };
      buckets.push(cur);
      curIdx = idx;
    }
    const v = valueAt(i);
    cur.count++;
    if (v !== null) {
      if (cur.min === null || v < cur.min) cur.min = v;
      if (cur.max === null || v > cur.max) cur.max = v;
    }
    // History order: the bucket's last point is the latest write at its highest step.
    cur.last = v;
    cur.lastStep = p.steps[i]!;
    cur.lastTimestamp = p.timestamps[i]!;
  }
  return { runId: q.runId, key: q.key, totalPoints: p.length, raw: false, buckets };
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
