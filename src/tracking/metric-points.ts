import { createHash } from 'node:crypto';
import os from 'node:os';

/** Model and dataset references a point may carry (only points kept in the `metrics` table have them). */
export interface PointRefs {
  modelId: string | null;
  datasetName: string | null;
  datasetDigest: string | null;
}

/**
 * Metric points of one key as parallel arrays, in history order: step, then timestamp, then value
 * (NaN ordered as 0, after a real 0), the order of MLflow's metrics primary key. Values hold NaN
 * and ±Infinity as themselves.
 */
export interface MetricPoints {
  length: number;
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
  /** Per point, when any point of the set has references; absent otherwise. */
  refs?: (PointRefs | null)[];
}

/** One encoded chunk, as stored in `metric_chunks`. */
export interface EncodedChunk {
  points: Buffer;
  digest: string;
  minStep: number;
  maxStep: number;
  count: number;
}

// The blob is the arrays' memory as is; every platform Node ships on is little-endian, and a blob
// written on one must read the same on another.
if (os.endianness() !== 'LE') throw new Error('metric chunks are stored little-endian; this platform is big-endian');

const sortKey = (v: number): number => (Number.isNaN(v) ? 0 : v);

function compareAt(p: MetricPoints, a: number, b: number): number {
  return (
    p.steps[a]! - p.steps[b]! ||
    p.timestamps[a]! - p.timestamps[b]! ||
    sortKey(p.values[a]!) - sortKey(p.values[b]!) ||
    Number(Number.isNaN(p.values[a]!)) - Number(Number.isNaN(p.values[b]!))
  );
}

function samePoint(p: MetricPoints, a: number, b: number): boolean {
  const va = p.values[a]!;
  const vb = p.values[b]!;
  return p.steps[a] === p.steps[b] && p.timestamps[a] === p.timestamps[b] && (va === vb || (Number.isNaN(va) && Number.isNaN(vb)));
}

/** Concatenate point sets, sort them into history order and drop exact repeats (MLflow keeps one of identical points). */
export function mergePoints(parts: readonly MetricPoints[]): MetricPoints {
  const all = parts.length === 1 ? parts[0]! : concatPoints(parts);
  const total = all.length;
  let ordered = true;
  for (let i = 1; i < total && ordered; i++) if (compareAt(all, i - 1, i) >= 0) ordered = false;
  if (ordered) return all;
  const order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  order.sort((a, b) => compareAt(all, a, b) || a - b);
  const out: MetricPoints = { length: 0, steps: new Float64Array(total), timestamps: new Float64Array(total), values: new Float64Array(total) };
  if (all.refs) out.refs = [];
  let prev = -1;
  for (const i of order) {
    if (prev >= 0 && samePoint(all, prev, i)) {
      // Of identical points keep one, preferring the one that names a model or dataset.
      if (out.refs && !out.refs[out.length - 1] && all.refs![i]) out.refs[out.length - 1] = all.refs![i]!;
      continue;
    }
    out.steps[out.length] = all.steps[i]!;
    out.timestamps[out.length] = all.timestamps[i]!;
    out.values[out.length] = all.values[i]!;
    if (out.refs) out.refs.push(all.refs![i] ?? null);
    out.length++;
    prev = i;
  }
  return out;
}

/** One set holding every part's points, in part order (ingest passes one part: no copy then). */
function concatPoints(parts: readonly MetricPoints[]): MetricPoints {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all: MetricPoints = { length: total, steps: new Float64Array(total), timestamps: new Float64Array(total), values: new Float64Array(total) };
  if (parts.some((p) => p.refs)) all.refs = [];
  let at = 0;
  for (const p of parts) {
    all.steps.set(p.steps.subarray(0, p.length), at);
    all.timestamps.set(p.timestamps.subarray(0, p.length), at);
    all.values.set(p.values.subarray(0, p.length), at);
    if (all.refs) for (let i = 0; i < p.length; i++) all.refs.push(p.refs?.[i] ?? null);
    at += p.length;
  }
  return all;
}

/** Points from `{ step, timestamp, value }` objects, sorted and without repeats. */
export function pointsOf(items: readonly { step: number; timestamp: number; value: number }[]): MetricPoints {
  const n = items.length;
  const p: MetricPoints = { length: n, steps: new Float64Array(n), timestamps: new Float64Array(n), values: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const m = items[i]!;
    p.steps[i] = m.step;
    p.timestamps[i] = m.timestamp;
    p.values[i] = m.value;
  }
  return mergePoints([p]);
}

/** The blob of a sorted point set: steps, then timestamps, then values, each as little-endian float64. */
export function encodeChunk(p: MetricPoints): EncodedChunk {
  const n = p.length;
  const flat = new Float64Array(n * 3);
  flat.set(p.steps.subarray(0, n), 0);
  flat.set(p.timestamps.subarray(0, n), n);
  flat.set(p.values.subarray(0, n), 2 * n);
  const points = Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength);
  const digest = createHash('sha256').update(points).digest('base64url').slice(0, 27);
  return { points, digest, minStep: p.steps[0]!, maxStep: p.steps[n - 1]!, count: n };
}

/** Decode a chunk blob (any alignment, as drivers return it). */
export function decodeChunk(blob: Uint8Array): MetricPoints {
  if (blob.byteLength % 24 !== 0) throw new Error(`metric chunk of ${blob.byteLength} bytes is not a whole number of points`);
  const n = blob.byteLength / 24;
  const flat = new Float64Array(n * 3);
  new Uint8Array(flat.buffer).set(blob);
  return { length: n, steps: flat.subarray(0, n), timestamps: flat.subarray(n, 2 * n), values: flat.subarray(2 * n) };
}

/** The points whose step lies in [lo, hi], as a new set (same order). */
export function pointsInRange(p: MetricPoints, lo: number, hi: number): MetricPoints {
  let first = 0;
  while (first < p.length && p.steps[first]! < lo) first++;
  let end = first;
  while (end < p.length && p.steps[end]! <= hi) end++;
  if (first === 0 && end === p.length) return p;
  const out: MetricPoints = { length: end - first, steps: p.steps.subarray(first, end), timestamps: p.timestamps.subarray(first, end), values: p.values.subarray(first, end) };
  if (p.refs) out.refs = p.refs.slice(first, end);
  return out;
}
