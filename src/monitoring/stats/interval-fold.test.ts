import { describe, expect, it } from 'vitest';
import { wasserstein } from './drift-tests.js';
import { IntervalFold, ReferenceGrid } from './interval-fold.js';
import { ksStatistic } from './ks-two-sample.js';

// A seeded generator (mulberry32), so a failure can be replayed.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sorted = (values: number[]) => Float64Array.from(values).sort();

/** Hand `values` over in batches of varied sizes, as the file readers do. */
function inBatches(values: number[], take: (batch: Float64Array, count: number) => void): void {
  const batch = new Float64Array(1000);
  for (let at = 0, size = 1; at < values.length; at += size, size = (size * 7) % 999 + 1) {
    const part = values.slice(at, at + size);
    batch.set(part);
    take(batch, part.length);
  }
}

/** Fold `current` (in the given order) onto `reference` and read KS and W1 as the offline comparison does. */
function fold(reference: number[], current: number[]): { ks: number; w1: number } {
  const f = new IntervalFold(ReferenceGrid.fromSorted(sorted(reference)));
  inBatches(current, (b, n) => f.add(b, n));
  f.endFirstPass(true);
  inBatches(current, (b, n) => f.addValues(b, n));
  return { ks: f.ksStatistic(), w1: f.wasserstein() };
}

function direct(reference: number[], current: number[]): { ks: number; w1: number } {
  const a = sorted(reference);
  const b = sorted(current);
  return { ks: ksStatistic(a, b), w1: wasserstein(a, b) };
}

function expectSame(reference: number[], current: number[]): void {
  const got = fold(reference, current);
  const want = direct(reference, current);
  // KS is computed from the same integer counts: identical. W1 sums the same areas in another order.
  expect(got.ks).toBe(want.ks);
  expect(Math.abs(got.w1 - want.w1)).toBeLessThanOrEqual(1e-12 * Math.max(1, want.w1));
}

describe('IntervalFold: exact KS and W1 from a reference and a folded stream', () => {
  it('matches the direct computation on continuous data, shifted or not, whatever the sizes', () => {
    const r = rng(1);
    const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    for (const [n, m, shift, scale] of [
      [2000, 20000, 0, 1], [2000, 20000, 0.3, 1], [500, 50, 0, 1], [50, 5000, 0.1, 2], [3000, 3000, 0, 0.5], [1, 100, 0, 1], [100, 1, 0.5, 1],
    ] as const) {
      const reference = Array.from({ length: n }, normal);
      const current = Array.from({ length: m }, () => shift + scale * normal());
      expectSame(reference, current);
    }
  });

  it('matches with ties within and across the samples, and values outside the reference range', () => {
    const r = rng(2);
    const ints = (count: number, lo: number, hi: number) => Array.from({ length: count }, () => lo + Math.floor(r() * (hi - lo + 1)));
    expectSame(ints(700, 0, 40), ints(900, 3, 45));
    expectSame(ints(5000, 0, 3), ints(4000, 0, 3));
    expectSame(ints(300, 10, 12), ints(3000, 0, 20));
    // Half-integers between integer reference values: every current value inside an interval.
    expectSame(ints(1000, 0, 50), ints(2000, 0, 50).map((x) => x + 0.5));
    // Reference values repeated, current continuous over the same range.
    expectSame(ints(2000, 0, 100).map((x) => x / 10), Array.from({ length: 30000 }, () => r() * 10));
    // A single-valued reference, and a current equal to it.
    expectSame([5, 5, 5], [5, 5, 4, 6, 5.5]);
    expectSame([5, 5, 5], [5, 5]);
  });

  it('matches on many crossings (two samples of one distribution) and on batches larger than one', () => {
    const r = rng(3);
    const reference = Array.from({ length: 20000 }, () => r() ** 2);
    const current = Array.from({ length: 100000 }, () => r() ** 2);
    expectSame(reference, current);
  });

  it('gives KS without a second pass, and refuses a second pass that differs from the first', () => {
    const f = new IntervalFold(ReferenceGrid.fromSorted(sorted([1, 2, 3, 4])));
    f.add(Float64Array.from([0, 2.5, 2.5, 9]));
    expect(f.endFirstPass(false)).toBe(false);
    expect(f.ksStatistic()).toBe(direct([1, 2, 3, 4], [0, 2.5, 2.5, 9]).ks);
    expect(f.outsideRange).toBe(2);

    const g = new IntervalFold(ReferenceGrid.fromSorted(sorted([1, 2, 3, 4])));
    g.add(Float64Array.from([0, 2.5, 2.5, 9]));
    expect(g.endFirstPass(true)).toBe(true);
    g.addValues(Float64Array.from([0, 2.5, 9]));
    expect(() => g.wasserstein()).toThrow(/second pass/);
  });

  it('keeps the grid of distinct values and the reference counts at or below each', () => {
    const grid = ReferenceGrid.fromSorted(sorted([3, 1, 2, 2, 2, 5]));
    expect(Array.from(grid.values)).toEqual([1, 2, 3, 5]);
    expect([0, 1, 2, 3].map((i) => grid.cumulative(i))).toEqual([1, 4, 5, 6]);
    expect([0, 1, 2, 3].map((i) => grid.multiplicity(i))).toEqual([1, 3, 1, 1]);
    const r = rng(4);
    const big = ReferenceGrid.fromSorted(sorted(Array.from({ length: 5000 }, () => Math.exp(4 * r()))));
    for (let t = 0; t < 2000; t++) {
      const x = t % 5 === 0 ? big.values[Math.floor(r() * big.size)]! : Math.exp(4.2 * r()) - 0.1;
      let want = 0;
      while (want < big.size && big.values[want]! < x) want++;
      expect(big.lowerBound(x)).toBe(want);
    }
  });
});

describe('ReferenceGrid.lowerBounds', () => {
  it('gives each value its lowerBound, in the order it leaves the values in', () => {
    let seed = 5;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const ref = Float64Array.from({ length: 5000 }, () => Math.round(Math.exp(random() * 6) * 100) / 100).sort();
    const grid = ReferenceGrid.fromSorted(ref);
    const values = Float64Array.from({ length: 3000 }, (_, i) => (i % 5 === 0 ? grid.values[i % grid.size]! : Math.exp(random() * 6.4) - 0.5));
    const before = [...values].sort((x, y) => x - y);
    const out = new Uint32Array(values.length);
    grid.lowerBounds(values, values.length, out);
    expect([...values].sort((x, y) => x - y)).toEqual(before);
    for (let t = 0; t < values.length; t++) expect(out[t]).toBe(grid.lowerBound(values[t]!));
  });
});

describe('IntervalFold counts', () => {
  it('stay exact past 65,535 values in one interval, folded in one part or absorbed from two', () => {
    const ref = Float64Array.from([0, 1, 2, 3]);
    const cur = new Float64Array(140_000).map((_, i) => (i % 10 === 0 ? 2.5 : 0.5));
    const direct = { ks: ksStatistic(ref, Float64Array.from(cur).sort()), w1: wasserstein(ref, Float64Array.from(cur).sort()) };
    const whole = new IntervalFold(ReferenceGrid.fromSorted(ref));
    whole.add(Float64Array.from(cur));
    whole.endFirstPass(true);
    whole.addValues(Float64Array.from(cur));
    const a = new IntervalFold(ReferenceGrid.fromSorted(ref));
    const b = new IntervalFold(ReferenceGrid.fromSorted(ref));
    a.add(cur.slice(0, 60_000));
    b.add(cur.slice(60_000));
    a.absorb(b.partial());
    a.endFirstPass(true);
    a.addValues(Float64Array.from(cur));
    for (const f of [whole, a]) {
      expect(f.ksStatistic()).toBe(direct.ks);
      expect(f.wasserstein()).toBeCloseTo(direct.w1, 12);
    }
  });
});
