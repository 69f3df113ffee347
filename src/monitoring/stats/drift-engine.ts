import {
  type BinnedShares,
  type CategoryCounts,
  categoryShares,
  chiSquareTest,
  jensenShannon,
  psi,
  zTest,
} from './drift-tests.js';
import { ksTest } from './ks-two-sample.js';
import { type NumericPair, SortedPair, sortedValueCounts } from './numeric-pair.js';

export { distinctUnion } from './numeric-pair.js';

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

/** Both datasets' values of one column, as the tests read them. */
export interface ColumnPair {
  /** The reference column's type, which picks the default test. */
  type: 'numeric' | 'categorical';
  referenceCount: number;
  currentCount: number;
  referenceMissing: number;
  currentMissing: number;
  /** The numeric view, when both sides are numeric (KS and Wasserstein need it). */
  numeric: NumericPair | null;
  /** Counts per category (per distinct value for numbers, keyed as String(value)). */
  valueCounts(): { ref: CategoryCounts; cur: CategoryCounts };
}

function total(c: CategoryCounts): number {
  let t = 0;
  for (const v of c.values()) t += v;
  return t;
}

/** A pair from two column samples (numbers sorted, or category counts). */
export function samplePair(ref: ColumnSample, cur: ColumnSample): ColumnPair {
  const numeric = ref.kind === 'numeric' && cur.kind === 'numeric' ? new SortedPair(ref.sorted, cur.sorted) : null;
  return {
    type: ref.kind,
    referenceCount: ref.kind === 'numeric' ? ref.sorted.length : total(ref.counts),
    currentCount: cur.kind === 'numeric' ? cur.sorted.length : total(cur.counts),
    referenceMissing: ref.missing,
    currentMissing: cur.missing,
    numeric,
    valueCounts: () => (numeric ? numeric.valueCounts() : { ref: countsOf(ref), cur: countsOf(cur) }),
  };
}

function countsOf(c: ColumnSample): CategoryCounts {
  return c.kind === 'categorical' ? c.counts : sortedValueCounts(c.sorted);
}

/** Evidently's default test for a column, from its type, the reference size and the union's distinct values. */
export function defaultTest(pair: ColumnPair): DriftTestName {
  const refSize = pair.referenceCount;
  let nValues: number;
  if (pair.numeric) nValues = pair.numeric.distinctUnion(6);
  else {
    const { ref, cur } = pair.valueCounts();
    nValues = new Set([...ref.keys(), ...cur.keys()]).size;
  }
  if (pair.type === 'numeric') {
    if (refSize <= 1000) return nValues <= 5 ? (nValues > 2 ? 'chisquare' : 'z') : 'ks';
    return nValues <= 5 ? 'jensenshannon' : 'wasserstein';
  }
  if (refSize <= 1000) return nValues > 2 ? 'chisquare' : 'z';
  return 'jensenshannon';
}

/** Whether binned tests (PSI, Jensen–Shannon) use Sturges bins for this pair rather than one bin per value. */
export function usesSturgesBins(pair: ColumnPair): boolean {
  // Evidently bins numeric columns with more than 20 distinct reference values on Sturges edges
  // over the union; otherwise each distinct value is its own bin.
  return pair.numeric !== null && pair.numeric.referenceDistinct(21) > 20;
}

function binnedShares(pair: ColumnPair): BinnedShares {
  if (usesSturgesBins(pair)) {
    const n = pair.numeric!;
    const { ref, cur } = n.sturgesCounts();
    return { ref: ref.map((x) => x / n.referenceCount), cur: cur.map((x) => x / n.currentCount) };
  }
  const { ref, cur } = pair.valueCounts();
  return categoryShares(ref, cur);
}

/** Run one named test on one column pair. */
export function runTest(test: DriftTestName, pair: ColumnPair): { statistic: number; pValue: number | null; distance: number | null } {
  switch (test) {
    case 'ks': {
      if (!pair.numeric) throw new TypeError('the KS test needs numeric columns');
      const n = pair.numeric;
      const r = ksTest(n.ksStatistic(), n.referenceCount, n.currentCount);
      return { statistic: r.statistic, pValue: r.pValue, distance: null };
    }
    case 'wasserstein': {
      if (!pair.numeric) throw new TypeError('the Wasserstein distance needs numeric columns');
      const n = pair.numeric;
      // Normed by the reference's standard deviation (at least 0.001), as Evidently.
      const d = n.wasserstein() / Math.max(n.referenceStd(), 0.001);
      return { statistic: d, pValue: null, distance: d };
    }
    case 'chisquare': {
      const { ref, cur } = pair.valueCounts();
      const r = chiSquareTest(ref, cur);
      return { statistic: r.statistic, pValue: r.pValue, distance: null };
    }
    case 'z': {
      const { ref, cur } = pair.valueCounts();
      const r = zTest(ref, cur);
      return { statistic: r.statistic, pValue: r.pValue, distance: null };
    }
    case 'psi': {
      const d = psi(binnedShares(pair));
      return { statistic: d, pValue: null, distance: d };
    }
    case 'jensenshannon': {
      const d = jensenShannon(binnedShares(pair));
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

/** The test a feature gets: its own override, the global one, or Evidently's default for the pair. */
export function chooseTest(feature: string, pair: ColumnPair, options: DriftOptions = {}): { test: DriftTestName; threshold: number } {
  const own = options.features?.[feature] ?? {};
  let test = own.test ?? options.test ?? defaultTest(pair);
  // A numeric-only test asked for a categorical column falls back to the categorical default.
  if ((test === 'ks' || test === 'wasserstein') && !pair.numeric) test = defaultTest({ ...pair, type: 'categorical' });
  return { test, threshold: own.threshold ?? options.threshold ?? DEFAULT_THRESHOLD[test] };
}

/** Compare one feature: pick the test (override or Evidently's default), run it, state the verdict. */
export function compareFeature(feature: string, ref: ColumnSample, cur: ColumnSample, options: DriftOptions = {}): FeatureDrift {
  return comparePair(feature, samplePair(ref, cur), options);
}

/** compareFeature on a pair however it was gathered (samples, or a folded stream). */
export function comparePair(feature: string, pair: ColumnPair, options: DriftOptions = {}): FeatureDrift {
  const { test, threshold } = chooseTest(feature, pair, options);
  const counts = { referenceCount: pair.referenceCount, currentCount: pair.currentCount, referenceMissing: pair.referenceMissing, currentMissing: pair.currentMissing };
  if (counts.referenceCount === 0 || counts.currentCount === 0) {
    // Nothing to compare (Evidently raises here); the missing counts tell the story, data quality reports it.
    return { feature, type: pair.type, test, statistic: Number.NaN, pValue: null, distance: null, threshold, drifted: false, ...counts, note: 'empty column: no values to compare' };
  }
  const r = runTest(test, pair);
  return {
    feature,
    type: pair.type,
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
