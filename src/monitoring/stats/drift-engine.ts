import { ksTwoSample } from './ks-two-sample.js';
import {
  type BinnedShares,
  type CategoryCounts,
  categoryShares,
  chiSquareTest,
  histogramCounts,
  jensenShannon,
  psi,
  sturgesEdges,
  wassersteinNormed,
  zTest,
} from './drift-tests.js';

/** The drift tests Ascent runs; names follow Evidently's (`stattest` option) so users can carry settings over. */
export const DRIFT_TESTS = ['ks', 'chisquare', 'z', 'psi', 'jensenshannon', 'wasserstein'] as const;
export type DriftTestName = (typeof DRIFT_TESTS)[number];

/** Whether a test's score is a p-value (drift when small) or a distance (drift when large). */
export const TEST_KIND: Record<DriftTestName, 'p_value' | 'distance'> = {
  ks: 'p_value',
  chisquare: 'p_value',
  z: 'p_value',
  psi: 'distance',
  jensenshannon: 'distance',
  wasserstein: 'distance',
};

/** Evidently's default thresholds: 0.05 for p-values, 0.1 for distances. */
export const DEFAULT_THRESHOLD: Record<DriftTestName, number> = {
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  psi: 0.1,
  jensenshannon: 0.1,
  wasserstein: 0.1,
};

/** One column of one dataset, reduced to what the tests need (missing and non-finite values removed). */
export type ColumnSample =
  | { kind: 'numeric'; sorted: Float64Array; missing: number }
  | { kind: 'categorical'; counts: CategoryCounts; missing: number };

/** Per-feature override of the test and its threshold. */
export interface FeatureDriftOption {
  test?: DriftTestName;
  threshold?: number;
}

/** Options for a dataset comparison; everything defaults to Evidently's DataDriftPreset. */
export interface DriftOptions {
  /** Test for every feature without its own option. */
  test?: DriftTestName;
  /** Threshold for every feature without its own option. */
  threshold?: number;
  features?: Record<string, FeatureDriftOption>;
  /** Dataset drift when at least this share of features drifted (default 0.5). */
  driftShare?: number;
}

/** The verdict on one feature. */
export interface FeatureDrift {
  feature: string;
  type: 'numeric' | 'categorical';
  test: DriftTestName;
  /** KS D, chi-square, z, or the distance itself for distance tests. */
  statistic: number;
  pValue: number | null;
  distance: number | null;
  threshold: number;
  drifted: boolean;
  referenceCount: number;
  currentCount: number;
  referenceMissing: number;
  currentMissing: number;
  /** Why no test ran, when none could. */
  note?: string;
}

/** The verdict on a dataset: per-feature results and the share rule. */
export interface DatasetDrift {
  features: FeatureDrift[];
  driftedCount: number;
  driftShare: number;
  shareThreshold: number;
  datasetDrift: boolean;
}

function sampleCount(c: ColumnSample): number {
  if (c.kind === 'numeric') return c.sorted.length;
  let t = 0;
  for (const v of c.counts.values()) t += v;
  return t;
}

/** Distinct values in the union of two sorted arrays, counting no further than `cap`. */
export function distinctUnion(a: Float64Array, b: Float64Array, cap = Infinity): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while ((i < a.length || j < b.length) && n <= cap) {
    const x = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    n++;
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
  }
  return n;
}

function distinct(values: Float64Array, cap = Infinity): number {
  return distinctUnion(values, new Float64Array(0), cap);
}

/** Evidently's default test for a column, from its type, the reference size and the union's distinct values. */
export function defaultTest(ref: ColumnSample, cur: ColumnSample): DriftTestName {
  const refSize = sampleCount(ref);
  const nValues =
    ref.kind === 'numeric' && cur.kind === 'numeric'
      ? distinctUnion(ref.sorted, cur.sorted, 6)
      : new Set([...countsOf(ref).keys(), ...countsOf(cur).keys()]).size;
  if (ref.kind === 'numeric') {
    if (refSize <= 1000) return nValues <= 5 ? (nValues > 2 ? 'chisquare' : 'z') : 'ks';
    return nValues <= 5 ? 'jensenshannon' : 'wasserstein';
  }
  if (refSize <= 1000) return nValues > 2 ? 'chisquare' : 'z';
  return 'jensenshannon';
}

function countsOf(c: ColumnSample): CategoryCounts {
  if (c.kind === 'categorical') return c.counts;
  const counts = new Map<string, number>();
  for (const v of c.sorted) {
    const k = String(v);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

// Evidently bins numeric columns with more than 20 distinct reference values on Sturges edges
// over the union; otherwise each distinct value is its own bin.
function binnedShares(ref: ColumnSample, cur: ColumnSample): BinnedShares {
  if (ref.kind === 'numeric' && cur.kind === 'numeric' && distinct(ref.sorted, 21) > 20) {
    const a = ref.sorted;
    const b = cur.sorted;
    const min = Math.min(a[0]!, b[0]!);
    const max = Math.max(a[a.length - 1]!, b[b.length - 1]!);
    const edges = sturgesEdges(min, max, a.length + b.length);
    const r = histogramCounts(a, edges);
    const c = histogramCounts(b, edges);
    return { ref: r.map((x) => x / a.length), cur: c.map((x) => x / b.length) };
  }
  return categoryShares(countsOf(ref), countsOf(cur));
}

/** Run one named test on one column pair. */
export function runTest(test: DriftTestName, ref: ColumnSample, cur: ColumnSample): { statistic: number; pValue: number | null; distance: number | null } {
  switch (test) {
    case 'ks': {
      if (ref.kind !== 'numeric' || cur.kind !== 'numeric') throw new TypeError('the KS test needs numeric columns');
      const r = ksTwoSample(ref.sorted, cur.sorted);
      return { statistic: r.statistic, pValue: r.pValue, distance: null };
    }
    case 'wasserstein': {
      if (ref.kind !== 'numeric' || cur.kind !== 'numeric') throw new TypeError('the Wasserstein distance needs numeric columns');
      const d = wassersteinNormed(ref.sorted, cur.sorted);
      return { statistic: d, pValue: null, distance: d };
    }
    case 'chisquare': {
      const r = chiSquareTest(countsOf(ref), countsOf(cur));
      return { statistic: r.statistic, pValue: r.pValue, distance: null };
    }
    case 'z': {
      const r = zTest(countsOf(ref), countsOf(cur));
      return { statistic: r.statistic, pValue: r.pValue, distance: null };
    }
    case 'psi': {
      const d = psi(binnedShares(ref, cur));
      return { statistic: d, pValue: null, distance: d };
    }
    case 'jensenshannon': {
      const d = jensenShannon(binnedShares(ref, cur));
      return { statistic: d, pValue: null, distance: d };
    }
  }
}

/** Whether a score crosses its threshold, with Evidently's comparison per test (KS uses ≤). */
export function isDrift(test: DriftTestName, pValue: number | null, distance: number | null, threshold: number): boolean {
  if (TEST_KIND[test] === 'distance') return (distance ?? 0) >= threshold;
  if (pValue === null || Number.isNaN(pValue)) return false;
  return test === 'ks' ? pValue <= threshold : pValue < threshold;
}

/** Compare one feature: pick the test (override or Evidently's default), run it, state the verdict. */
export function compareFeature(feature: string, ref: ColumnSample, cur: ColumnSample, options: DriftOptions = {}): FeatureDrift {
  const own = options.features?.[feature] ?? {};
  let test = own.test ?? options.test ?? defaultTest(ref, cur);
  // A numeric-only test asked for a categorical column falls back to the categorical default.
  if ((test === 'ks' || test === 'wasserstein') && (ref.kind !== 'numeric' || cur.kind !== 'numeric')) test = defaultTest(ref, cur);
  const threshold = own.threshold ?? options.threshold ?? DEFAULT_THRESHOLD[test];
  const counts = { referenceCount: sampleCount(ref), currentCount: sampleCount(cur), referenceMissing: ref.missing, currentMissing: cur.missing };
  if (counts.referenceCount === 0 || counts.currentCount === 0) {
    // Nothing to compare (Evidently raises here); the missing counts tell the story, data quality reports it.
    return { feature, type: ref.kind, test, statistic: Number.NaN, pValue: null, distance: null, threshold, drifted: false, ...counts, note: 'empty column: no values to compare' };
  }
  const r = runTest(test, ref, cur);
  return {
    feature,
    type: ref.kind,
    test,
    statistic: r.statistic,
    pValue: r.pValue,
    distance: r.distance,
    threshold,
    drifted: isDrift(test, r.pValue, r.distance, threshold),
    ...counts,
  };
}

/** Dataset-level verdict: drift when the share of drifted features reaches `driftShare` (0.5). */
export function summarizeDrift(features: FeatureDrift[], driftShare = 0.5): DatasetDrift {
  const driftedCount = features.filter((f) => f.drifted).length;
  const share = features.length === 0 ? 0 : driftedCount / features.length;
  return { features, driftedCount, driftShare: share, shareThreshold: driftShare, datasetDrift: features.length > 0 && share >= driftShare };
}
