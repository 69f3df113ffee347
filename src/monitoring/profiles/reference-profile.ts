import { invalid } from '../../core/errors.js';
import { ColumnBuilder } from '../compare/column-builder.js';
import type { FileColumns } from '../compare/csv-columns.js';
import { distinctUnion } from '../stats/drift-engine.js';
import { populationStd } from '../stats/drift-tests.js';

/** Reference statistics of one numeric feature. */
export interface NumericProfile {
  kind: 'numeric';
  name: string;
  count: number;
  missing: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  /** Values at QUANTILE_RANKS. */
  quantiles: number[];
  /** Bin edges from the reference's deciles (first = min, last = max); live windows count on them. */
  edges: number[];
  /** Reference share per bin of `edges`. */
  binShares: number[];
  /** Distinct values, counted up to 21 (enough for Evidently's test choice). */
  distinct: number;
  /** Evenly spaced order statistics (the whole column when it is small), for exact tests. */
  sample: number[];
}

/** Reference statistics of one categorical feature. */
export interface CategoricalProfile {
  kind: 'categorical';
  name: string;
  count: number;
  missing: number;
  /** Count per category (the most frequent MAX_CATEGORIES). */
  frequencies: Record<string, number>;
  /** Values of categories beyond MAX_CATEGORIES. */
  otherCount: number;
}

/** One feature's reference statistics. */
export type FeatureProfile = NumericProfile | CategoricalProfile;

/** What live windows are compared against: per feature and for the predictions. */
export interface ReferenceProfile {
  rows: number;
  features: FeatureProfile[];
  prediction: FeatureProfile | null;
}

export const QUANTILE_RANKS = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1];
export const SAMPLE_SIZE = 5000;
const MAX_CATEGORIES = 1000;
const BINS = 10;

/** Index of the bin of `x` on `edges` (bins half-open, the last one closed), x within [first, last]. */
export function binOf(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (edges[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Profile one column already read into a builder. */
export function profileColumn(builder: ColumnBuilder): FeatureProfile | null {
  const type = builder.inferType();
  if (type === 'text') return null;
  const sample = builder.toSample(type);
  if (sample.kind === 'categorical') {
    const sorted = [...sample.counts.entries()].sort((a, b) => b[1] - a[1]);
    const top = sorted.slice(0, MAX_CATEGORIES);
    const count = sorted.reduce((s, [, v]) => s + v, 0);
    return {
      kind: 'categorical', name: builder.name, count, missing: sample.missing,
      frequencies: Object.fromEntries(top), otherCount: sorted.slice(MAX_CATEGORIES).reduce((s, [, v]) => s + v, 0),
    };
  }
  const v = sample.sorted;
  const n = v.length;
  if (n === 0) return { kind: 'numeric', name: builder.name, count: 0, missing: sample.missing, min: NaN, max: NaN, mean: NaN, std: NaN, quantiles: [], edges: [], binShares: [], distinct: 0, sample: [] };
  const at = (q: number) => v[Math.min(n - 1, Math.max(0, Math.round(q * (n - 1))))]!;
  let mean = 0;
  for (const x of v) mean += x;
  mean /= n;
  const edges = [...new Set(Array.from({ length: BINS + 1 }, (_, i) => at(i / BINS)))];
  if (edges.length === 1) edges.push(edges[0]! + 1);
  // Decile edges are not uniform: count by binary search, exactly as windows do (window-sketch.ts).
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const x of v) counts[binOf(edges, x)]!++;
  const size = Math.min(n, SAMPLE_SIZE);
  const pick = size === n ? Array.from(v) : Array.from({ length: size }, (_, i) => v[Math.round((i * (n - 1)) / (size - 1))]!);
  return {
    kind: 'numeric', name: builder.name, count: n, missing: sample.missing,
    min: v[0]!, max: v[n - 1]!, mean, std: populationStd(v),
    quantiles: QUANTILE_RANKS.map(at), edges, binShares: Array.from(counts, (c) => c / n),
    distinct: distinctUnion(v, new Float64Array(0), 21), sample: pick,
  };
}

/** Profile rows of feature records (and one prediction per row) — what a training dataset or an upload provides. */
export function profileRecords(records: readonly Record<string, unknown>[], predictions?: readonly unknown[]): ReferenceProfile {
  if (records.length === 0) throw invalid('a reference profile needs at least one row', 'records');
  if (predictions && predictions.length !== records.length) throw invalid(`predictions: ${predictions.length} values for ${records.length} rows`, 'predictions');
  const names: string[] = [];
  const builders = new Map<string, ColumnBuilder>();
  for (const r of records) {
    for (const key of Object.keys(r)) {
      if (!builders.has(key)) {
        names.push(key);
        builders.set(key, new ColumnBuilder(key));
      }
    }
  }
  for (const r of records) for (const name of names) builders.get(name)!.pushValue(r[name]);
  let prediction: FeatureProfile | null = null;
  if (predictions) {
    const b = new ColumnBuilder('prediction');
    for (const p of predictions) b.pushValue(predictionValue(p));
    prediction = profileColumn(b);
  }
  return { rows: records.length, features: names.map((n) => profileColumn(builders.get(n)!)).filter((p): p is FeatureProfile => p !== null), prediction };
}

/** Profile a file read by the compare loader; `predictionColumn` names the column holding predictions. */
export function profileColumns(file: FileColumns, predictionColumn?: string): ReferenceProfile {
  if (predictionColumn && !file.columns.some((c) => c.name === predictionColumn)) throw invalid(`prediction column '${predictionColumn}' is not in the file`, 'predictionColumn');
  const features = file.columns.filter((c) => c.name !== predictionColumn).map(profileColumn).filter((p): p is FeatureProfile => p !== null);
  const pc = predictionColumn ? file.columns.find((c) => c.name === predictionColumn)! : null;
  return { rows: file.rows, features, prediction: pc ? profileColumn(pc) : null };
}

/** The scalar monitored for a prediction: the value itself, or a label/prediction/score field of an object output. */
export function predictionValue(p: unknown): unknown {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return Array.isArray(p) && p.length === 1 ? p[0] : p;
  const o = p as Record<string, unknown>;
  for (const key of ['label', 'prediction', 'predicted_label', 'class', 'score', 'value']) if (key in o) return o[key];
  const labelKey = Object.keys(o).find((k) => /label$/i.test(k));
  if (labelKey !== undefined) return o[labelKey];
  return null;
}
