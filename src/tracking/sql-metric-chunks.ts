import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../storage/sql/schema.js';
import { decodeChunk, encodeChunk, mergePoints, pointsInRange, type MetricPoints, type PointRefs } from './metric-points.js';

/**
 * A key needs at least this many points in one write to be stored as a chunk; fewer (a training
 * loop's one `log_metric` per step) go to the row-per-point `metrics` table, so a history logged a
 * point at a time is not read back as a million one-point blobs.
 */
export const CHUNK_MIN_POINTS = 8;

/**
 * Store each key's points as one chunk. Returns the points of the chunks actually written: a chunk
 * identical to one already stored (a retried request) is skipped, so buckets and latest values
 * count its points once.
 */
export async function insertChunks(trx: Transaction<Database>, runId: string, byKey: ReadonlyMap<string, MetricPoints>): Promise<Map<string, MetricPoints>> {
  const rows = [...byKey].map(([key, points]) => {
    const c = encodeChunk(points);
    return { run_id: runId, key, digest: c.digest, min_step: c.minStep, max_step: c.maxStep, count: c.count, points: c.points };
  });
  const written = new Map<string, MetricPoints>();
  if (rows.length === 0) return written;
  const inserted = await trx
    .insertInto('metric_chunks')
    .values(rows)
    .onConflict((oc) => oc.columns(['run_id', 'key', 'max_step', 'min_step', 'digest']).doNothing())
    .returning('key')
    .execute();
  for (const { key } of inserted) written.set(key, byKey.get(key)!);
  return written;
}

/** Every point of one key with a step in [lo, hi] (both optional), from chunks and rows, in history order without repeats. */
export async function readPoints(db: Kysely<Database>, runId: string, key: string, lo?: number, hi?: number): Promise<MetricPoints> {
  let chunks = db.selectFrom('metric_chunks').select('points').where('run_id', '=', runId).where('key', '=', key);
  if (lo !== undefined) chunks = chunks.where('max_step', '>=', lo);
  if (hi !== undefined) chunks = chunks.where('min_step', '<=', hi);
  let rows = db
    .selectFrom('metrics')
    .select(['step', 'timestamp', 'value', 'is_nan', 'model_id', 'dataset_name', 'dataset_digest'])
    .where('run_id', '=', runId)
    .where('key', '=', key);
  if (lo !== undefined) rows = rows.where('step', '>=', lo);
  if (hi !== undefined) rows = rows.where('step', '<=', hi);
  const [chunkRows, pointRows] = await Promise.all([chunks.orderBy('max_step').execute(), rows.orderBy('step').orderBy('timestamp').orderBy('value').execute()]);
  const parts = chunkRows.map((r) => decodeChunk(r.points));
  if (pointRows.length > 0) {
    const n = pointRows.length;
    const p: MetricPoints = { length: n, steps: new Float64Array(n), timestamps: new Float64Array(n), values: new Float64Array(n), refs: [] };
    pointRows.forEach((r, i) => {
      p.steps[i] = r.step;
      p.timestamps[i] = r.timestamp;
      p.values[i] = r.is_nan ? Number.NaN : r.value;
      const refs: PointRefs | null = r.model_id || r.dataset_name || r.dataset_digest ? { modelId: r.model_id, datasetName: r.dataset_name, datasetDigest: r.dataset_digest } : null;
      p.refs!.push(refs);
    });
    parts.push(p);
  }
  const merged = mergePoints(parts);
  return lo === undefined && hi === undefined ? merged : pointsInRange(merged, lo ?? -Infinity, hi ?? Infinity);
}

/** The first and last step of one key's history, or null when it has none. */
export async function stepExtent(db: Kysely<Database>, runId: string, key: string): Promise<{ lo: number; hi: number } | null> {
  // Chunks: one pass over the key's entries in the covering step index. Rows: two index seeks (one
  // min() and one max() in the same query would make SQLite scan every row of the key).
  const rowStep = (dir: 'asc' | 'desc') =>
    db.selectFrom('metrics').select('step').where('run_id', '=', runId).where('key', '=', key).orderBy('step', dir).limit(1).executeTakeFirst();
  const [chunks, first, last] = await Promise.all([
    db
      .selectFrom('metric_chunks')
      .select((eb) => [eb.fn.min('min_step').as('lo'), eb.fn.max('max_step').as('hi')])
      .where('run_id', '=', runId)
      .where('key', '=', key)
      .executeTakeFirst(),
    rowStep('asc'),
    rowStep('desc'),
  ]);
  const los = [chunks?.lo, first?.step].filter((v) => v !== null && v !== undefined).map(Number);
  const his = [chunks?.hi, last?.step].filter((v) => v !== null && v !== undefined).map(Number);
  if (los.length === 0) return null;
  return { lo: Math.min(...los), hi: Math.max(...his) };
}
