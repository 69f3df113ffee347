import type { CategoricalProfile, NumericProfile, ReferenceProfile } from '../profiles/reference-profile.js';
import { kolmogorovSf } from '../stats/kolmogorov.js';
import { type DatasetDrift, DEFAULT_THRESHOLD, type DriftOptions, type DriftTestName, type FeatureDrift, isDrift, summarizeDrift } from '../stats/drift-engine.js';
import { categoryShares, chiSquareTest, jensenShannon, psi, zTest } from '../stats/drift-tests.js';
import { KllSketch } from './kll-sketch.js';
import type { CategoricalSketch, FeatureSketch, NumericSketch, WindowSketchState } from './window-sketch.js';

// Quantile grid on which reference and window quantile functions are compared.
const GRID = 2000;

/**
 * Drift of one window against the reference profile, read from the window's sketches only
 * (O(features × bins)). Categorical tests are exact (counts); numeric ones compare the reference's
 * bounded sample with the window's KLL quantiles (Wasserstein, KS) or count on the reference's
 * decile bins (Jensen–Shannon, PSI). docs/monitoring.md states the approximation bounds.
 */
export function windowDrift(profile: ReferenceProfile, state: WindowSketchState, options: DriftOptions = {}): DatasetDrift {
  const results: FeatureDrift[] = [];
  for (const p of profile.features) {
    const s = state.features[p.name];
    if (!s) continue;
    results.push(featureDrift(p.name, p, s, options));
  }
  return summarizeDrift(results, options.driftShare);
}

/** Drift of the predictions themselves (prediction drift), when the profile has them. */
export function predictionDrift(profile: ReferenceProfile, state: WindowSketchState, options: DriftOptions = {}): FeatureDrift | null {
  if (!profile.prediction || !state.prediction) return null;
  return featureDrift('prediction', profile.prediction, state.prediction, options);
}

function featureDrift(name: string, p: NumericProfile | CategoricalProfile, s: FeatureSketch, options: DriftOptions): FeatureDrift {
  const own = options.features?.[name] ?? {};
  const base = { feature: name, type: p.kind, referenceCount: p.count, currentCount: s.count, referenceMissing: p.missing, currentMissing: s.missing };
  let test: DriftTestName = own.test ?? options.test ?? defaultLiveTest(p);
  if (p.kind === 'numeric' && (test === 'chisquare' || test === 'z')) test = 'jensenshannon';
  if (p.kind === 'categorical' && (test === 'ks' || test === 'wasserstein')) test = defaultLiveTest(p);
  const threshold = own.threshold ?? options.threshold ?? DEFAULT_THRESHOLD[test];
  if (s.count === 0 || p.count === 0) {
    return { ...base, test, statistic: Number.NaN, pValue: null, distance: null, threshold, drifted: false, note: 'no values in this window' };
  }
  const r = p.kind === 'numeric' ? numericTest(test, p, s as NumericSketch) : categoricalTest(test, p, s as CategoricalSketch);
  return { ...base, test, ...r, threshold, drifted: isDrift(test, r.pValue, r.distance, threshold) };
}

/** Evidently's choice from the reference size and distinct values (numeric few-valued → Jensen–Shannon on bins). */
export function defaultLiveTest(p: NumericProfile | CategoricalProfile): DriftTestName {
  if (p.kind === 'numeric') {
    if (p.distinct <= 5) return 'jensenshannon';
    return p.count > 1000 ? 'wasserstein' : 'ks';
  }
  const categories = Object.keys(p.frequencies).length;
  if (p.count > 1000) return 'jensenshannon';
  return categories > 2 ? 'chisquare' : 'z';
}

function sampleQuantile(sorted: readonly number[], u: number): number {
  const pos = u * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function numericTest(test: DriftTestName, p: NumericProfile, s: NumericSketch): { statistic: number; pValue: number | null; distance: number | null } {
  if (test === 'wasserstein' || test === 'ks') {
    const ranks = Array.from({ length: GRID }, (_, i) => (i + 0.5) / GRID);
    const cur = KllSketch.from(s.quantiles).quantiles(ranks);
    if (test === 'wasserstein') {
      let sum = 0;
      for (let i = 0; i < GRID; i++) sum += Math.abs(sampleQuantile(p.sample, ranks[i]!) - cur[i]!);
      const d = sum / GRID / Math.max(p.std, 0.001);
      return { statistic: d, pValue: null, distance: d };
    }
    // KS: the largest gap between the two CDFs, both evaluated at every point where either steps
    // (ties in discrete data then cancel, as in the exact test).
    const sketch = KllSketch.from(s.quantiles);
    const xs = [...new Set([...p.sample, ...sketch.points()])];
    const fc = sketch.cdf(xs);
    let d = 0;
    xs.forEach((x, i) => {
      d = Math.max(d, Math.abs(ecdf(p.sample, x) - fc[i]!));
    });
    const en = Math.round((p.count * s.count) / (p.count + s.count));
    return { statistic: d, pValue: kolmogorovSf(Math.max(en, 1), d), distance: null };
  }
  const refShares = Float64Array.from([0, ...p.binShares, 0]);
  const curShares = Float64Array.from(s.bins, (c) => c / s.count);
  const shares = { ref: refShares, cur: curShares };
  const d = test === 'psi' ? psi(shares) : jensenShannon(shares);
  return { statistic: d, pValue: null, distance: d };
}

function ecdf(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo / sorted.length;
}

function categoricalTest(test: DriftTestName, p: CategoricalProfile, s: CategoricalSketch): { statistic: number; pValue: number | null; distance: number | null } {
  const ref = new Map(Object.entries(p.frequencies));
  const cur = new Map(Object.entries(s.counts));
  for (const [k, v] of Object.entries(s.unseenCounts)) cur.set(k, v);
  const untracked = s.unseen - Object.values(s.unseenCounts).reduce((a, b) => a + b, 0);
  if (untracked > 0) cur.set('\u0000other', untracked);
  if (test === 'chisquare') {
    const r = chiSquareTest(ref, cur);
    return { statistic: r.statistic, pValue: r.pValue, distance: null };
  }
  if (test === 'z') {
    const r = zTest(ref, cur);
    return { statistic: r.statistic, pValue: r.pValue, distance: null };
  }
  const shares = categoryShares(ref, cur);
  const d = test === 'psi' ? psi(shares) : jensenShannon(shares);
  return { statistic: d, pValue: null, distance: d };
}
