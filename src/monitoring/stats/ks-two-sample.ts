import { kolmogorovSf } from './kolmogorov.js';

/** Result of the two-sample Kolmogorov–Smirnov test. */
export interface KsResult {
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymptotic';
}

// SciPy's 'auto' mode: exact when both samples have at most this many values.
const MAX_EXACT_N = 10000;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Two-sided two-sample KS test on sorted samples, with scipy.stats.ks_2samp's method='auto':
 * the exact lattice-path probability when max(n1, n2) ≤ 10,000, else kstwo.sf(D, round(n1·n2/(n1+n2))).
 */
export function ksTwoSample(sortedA: Float64Array, sortedB: Float64Array): KsResult {
  if (sortedA.length === 0 || sortedB.length === 0) throw new Error('ksTwoSample needs two non-empty samples');
  return ksTest(ksStatistic(sortedA, sortedB), sortedA.length, sortedB.length);
}

/** The KS test's p-value for a statistic D of samples of sizes n1 and n2 (same methods as ksTwoSample). */
export function ksTest(statistic: number, n1: number, n2: number): KsResult {
  if (n1 === 0 || n2 === 0) throw new Error('ksTest needs two non-empty samples');
  let d = statistic;
  const g = gcd(n1, n2);
  if (Math.max(n1, n2) <= MAX_EXACT_N && n1 / g < 2147483647 / (n2 / g)) {
    const lcm = (n1 / g) * n2;
    const h = Math.round(d * lcm);
    d = h / lcm;
    if (h === 0) return { statistic: d, pValue: 1, method: 'exact' };
    const prob = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
    if (prob >= 0 && prob <= 1) return { statistic: d, pValue: prob, method: 'exact' };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  const p = kolmogorovSf(Math.round(en), d);
  return { statistic: d, pValue: Math.min(1, Math.max(0, p)), method: 'asymptotic' };
}

/** max |F1 − F2| over the pooled sample (ECDFs evaluated with side='right'). */
export function ksStatistic(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n1 && j < n2) {
    const x = a[i]! <= b[j]! ? a[i]! : b[j]!;
    while (i < n1 && a[i]! <= x) i++;
    while (j < n2 && b[j]! <= x) j++;
    const diff = Math.abs(i / n1 - j / n2);
    if (diff > d) d = diff;
  }
  return d;
}

// Paths of an n×n lattice leaving the band |x − y| < h (SciPy's _compute_prob_outside_square).
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * 1 − P(all lattice paths (0,0)→(m,n) stay strictly inside |ng·i − mg·j| < h), carrying each
 * column as path counts divided by C(i+j, j) so nothing overflows.
 */
function probOutsideBand(n1: number, n2: number, g: number, h: number): number {
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const mg = m / g;
  const ng = n / g;
  let prev = new Float64Array(n + 1);
  let cur = new Float64Array(n + 1);
  // Column i = 0: j·mg < h.
  let prevMin = 0;
  let prevMax = Math.min(Math.ceil(h / mg), n + 1);
  for (let j = prevMin; j < prevMax; j++) prev[j] = 1;
  for (let i = 1; i <= m; i++) {
    const minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    const maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let below = 0;
    for (let j = minj; j < maxj; j++) {
      const left = j >= prevMin && j < prevMax ? prev[j]! : 0;
      below = (left * i + below * j) / (i + j);
      cur[j] = below;
    }
    for (let j = prevMin; j < prevMax; j++) if (j < minj || j >= maxj) prev[j] = 0;
    [prev, cur] = [cur, prev];
    prevMin = minj;
    prevMax = maxj;
  }
  return 1 - prev[n]!;
}
