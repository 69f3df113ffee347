import { chiSquareSf, normalCdf } from './special-functions.js';

/**
 * The individual drift tests, each reproducing the formula Evidently 0.7 applies (which calls
 * SciPy for KS, chi-square and Wasserstein): same binning, same zero filling, same thresholds.
 * Categorical inputs are counts per category; numeric inputs are sorted Float64Arrays.
 */

/** Category → count, for one column of one dataset. */
export type CategoryCounts = ReadonlyMap<string, number>;

function unionKeys(a: CategoryCounts, b: CategoryCounts): string[] {
  const keys = new Set<string>(a.keys());
  for (const k of b.keys()) keys.add(k);
  return [...keys];
}

function total(c: CategoryCounts): number {
  let t = 0;
  for (const v of c.values()) t += v;
  return t;
}

/** Pearson chi-square of current counts against reference frequencies scaled to the current size. */
export function chiSquareTest(ref: CategoryCounts, cur: CategoryCounts): { statistic: number; pValue: number } {
  const keys = unionKeys(ref, cur);
  const kNorm = total(cur) / total(ref);
  let stat = 0;
  for (const k of keys) {
    const expected = (ref.get(k) ?? 0) * kNorm;
    const observed = cur.get(k) ?? 0;
    // A category absent from the reference makes SciPy's statistic infinite (p = 0): drift.
    stat += expected === 0 ? (observed === 0 ? 0 : Infinity) : (observed - expected) ** 2 / expected;
  }
  const dof = keys.length - 1;
  // One category on both sides: nothing can have changed.
  if (dof <= 0) return { statistic: 0, pValue: 1 };
  return { statistic: stat, pValue: stat === Infinity ? 0 : chiSquareSf(stat, dof) };
}

/**
 * Two-proportion Z-test on the first category (sorted) versus the rest, as Evidently's `z` test;
 * identical single-valued columns give p = 1.
 */
export function zTest(ref: CategoryCounts, cur: CategoryCounts): { statistic: number; pValue: number } {
  const keys = unionKeys(ref, cur).sort(compareKeys);
  if (keys.length <= 1) return { statistic: 0, pValue: 1 };
  const n1 = total(ref);
  const n2 = total(cur);
  const first = keys[0]!;
  const p1 = (n1 - (ref.get(first) ?? 0)) / n1;
  const p2 = (n2 - (cur.get(first) ?? 0)) / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1 / n1 + 1 / n2));
  return { statistic: z, pValue: 2 * (1 - normalCdf(Math.abs(z))) };
}

// Numeric keys sort as numbers (pandas sorts the values themselves), others as strings.
function compareKeys(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (a !== '' && b !== '' && !Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Reference and current shares per bin, before any zero filling. */
export interface BinnedShares {
  ref: Float64Array;
  cur: Float64Array;
}

/** Shares per category over the union of categories. */
export function categoryShares(ref: CategoryCounts, cur: CategoryCounts): BinnedShares {
  const keys = unionKeys(ref, cur);
  const nr = total(ref);
  const nc = total(cur);
  return {
    ref: Float64Array.from(keys, (k) => (ref.get(k) ?? 0) / nr),
    cur: Float64Array.from(keys, (k) => (cur.get(k) ?? 0) / nc),
  };
}

/** Sturges bin edges over the union of both samples, exactly as numpy.histogram_bin_edges. */
export function sturgesEdges(min: number, max: number, count: number): Float64Array {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const width = (max - min) / (Math.log2(count) + 1);
  const bins = width ? Math.ceil((last - first) / width) : 1;
  const edges = new Float64Array(bins + 1);
  const step = (last - first) / bins;
  for (let i = 0; i <= bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return edges;
}

/** numpy.histogram on uniform edges: half-open bins, the last one closed. */
export function histogramCounts(values: ArrayLike<number>, edges: Float64Array, into?: Float64Array): Float64Array {
  const h = new UniformHistogram(edges, into);
  for (let i = 0; i < values.length; i++) h.add(values[i]!);
  return h.counts;
}

/** numpy.histogram's counting on uniform edges, one value at a time (values outside the edges are not counted). */
export class UniformHistogram {
  readonly counts: Float64Array;
  private readonly bins: number;
  private readonly first: number;
  private readonly last: number;
  private readonly norm: number;

  constructor(
    readonly edges: Float64Array,
    into?: Float64Array,
  ) {
    this.bins = edges.length - 1;
    this.counts = into ?? new Float64Array(this.bins);
    this.first = edges[0]!;
    this.last = edges[this.bins]!;
    this.norm = this.bins / (this.last - this.first);
  }

  add(v: number, weight = 1): void {
    if (!(v >= this.first && v <= this.last)) return;
    const bins = this.bins;
    let idx = Math.floor((v - this.first) * this.norm);
    if (idx >= bins) idx = bins - 1;
    if (v < this.edges[idx]!) idx--;
    else if (idx !== bins - 1 && v >= this.edges[idx + 1]!) idx++;
    this.counts[idx]! += weight;
  }
}

/** Evidently's zero filling for PSI and KL: empty bins get min(non-zero)/1e6, or 0.0001. */
export function fillZeroes(shares: Float64Array): Float64Array {
  let min = Infinity;
  for (const s of shares) if (s !== 0 && s < min) min = s;
  const fill = min <= 0.0001 ? min / 1e6 : 0.0001;
  return shares.map((s) => (s === 0 ? fill : s));
}

/** Population Stability Index over zero-filled shares. */
export function psi(shares: BinnedShares): number {
  const r = fillZeroes(shares.ref);
  const c = fillZeroes(shares.cur);
  let sum = 0;
  for (let i = 0; i < r.length; i++) sum += (r[i]! - c[i]!) * Math.log(r[i]! / c[i]!);
  return sum;
}

/** Jensen–Shannon distance (natural log, square root of the divergence), as scipy.spatial.distance. */
export function jensenShannon(shares: BinnedShares): number {
  const { ref: p0, cur: q0 } = shares;
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p0.length; i++) {
    sp += p0[i]!;
    sq += q0[i]!;
  }
  let js = 0;
  for (let i = 0; i < p0.length; i++) {
    const p = p0[i]! / sp;
    const q = q0[i]! / sq;
    const m = (p + q) / 2;
    if (p > 0) js += p * Math.log(p / m);
    if (q > 0) js += q * Math.log(q / m);
  }
  return Math.sqrt(Math.max(js / 2, 0));
}

/** First Wasserstein distance between two sorted samples (area between the ECDFs). */
export function wasserstein(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let sum = 0;
  let prev = Math.min(a[0]!, b[0]!);
  while (i < n1 || j < n2) {
    const x = j >= n2 || (i < n1 && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    sum += Math.abs(i / n1 - j / n2) * (x - prev);
    while (i < n1 && a[i]! <= x) i++;
    while (j < n2 && b[j]! <= x) j++;
    prev = x;
  }
  return sum;
}

/** Population standard deviation (numpy.std, ddof = 0), two-pass for accuracy. */
export function populationStd(values: Float64Array): number {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return Math.sqrt(ss / values.length);
}

/** Wasserstein distance normed by the reference's standard deviation (at least 0.001). */
export function wassersteinNormed(sortedRef: Float64Array, sortedCur: Float64Array): number {
  return wasserstein(sortedRef, sortedCur) / Math.max(populationStd(sortedRef), 0.001);
}
