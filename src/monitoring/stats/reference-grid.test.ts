import { describe, expect, it } from 'vitest';

import { ReferenceGrid } from './reference-grid.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
}

/** The plain binary search the bucket table must agree with: first index with values[i] ≥ x (not x > values[i] for NaN). */
function plainLowerBound(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const view = new DataView(new ArrayBuffer(8));
/** The next double towards +∞ (steps = 1) or −∞ (steps = −1) from a finite x. */
function step(x: number, steps: number): number {
  if (x === 0) return steps > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  view.setFloat64(0, x);
  const bits = view.getBigInt64(0);
  view.setBigInt64(0, bits + BigInt(x > 0 ? steps : -steps));
  return view.getFloat64(0);
}

/** Queries that probe a grid: its values, their neighbours, the ends, specials and random ones in and around the range. */
function probes(grid: ReferenceGrid, r: () => number, n: number): number[] {
  const v = grid.values;
  const lo = v[0]!;
  const hi = v[v.length - 1]!;
  const out = [Number.NaN, Infinity, -Infinity, 0, -0, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, lo, hi];
  for (const x of [lo, hi]) if (Number.isFinite(step(x, 1))) out.push(step(x, 1), step(x, -1));
  for (let t = 0; t < n; t++) {
    const u = v[Math.floor(r() * v.length)]!;
    const kind = t % 6;
    if (kind === 0) out.push(u);
    else if (kind === 1) out.push(step(u, 1));
    else if (kind === 2) out.push(step(u, -1));
    else if (kind === 3) out.push(lo + (hi - lo) * (1.2 * r() - 0.1));
    else if (kind === 4) out.push(lo / 2 + (hi / 2) * r() * 2);
    else out.push(u + (r() - 0.5) * 1e-9 * Math.abs(u));
  }
  return out.map((x) => (Number.isNaN(x) ? Number.NaN : x));
}

function check(name: string, reference: number[], r: () => number): void {
  const grid = ReferenceGrid.fromSorted(Float64Array.from(reference).sort());
  const v = grid.values;
  const queries = probes(grid, r, 3000);
  for (const x of queries) {
    const want = plainLowerBound(v, x);
    if (grid.lowerBound(x) !== want) expect([name, x, grid.lowerBound(x)]).toEqual([name, x, want]);
  }
  // Batches above and below the size lowerBounds sorts from; the values come back reordered.
  for (const size of [100, queries.length]) {
    const batch = Float64Array.from(queries.slice(0, size));
    const before = Array.from(batch).sort((a, b) => a - b || (Object.is(a, -0) ? -1 : 0));
    const out = new Uint32Array(size);
    grid.lowerBounds(batch, size, out);
    const after = Array.from(batch).sort((a, b) => a - b || (Object.is(a, -0) ? -1 : 0));
    expect(after.map(String)).toEqual(before.map(String));
    for (let t = 0; t < size; t++) {
      const want = plainLowerBound(v, batch[t]!);
      if (out[t] !== want) expect([name, batch[t], out[t]]).toEqual([name, batch[t], want]);
    }
  }
  // As slots: 2j + 1 on values[j], else 2j.
  for (const size of [100, queries.length]) {
    const batch = Float64Array.from(queries.slice(0, size));
    const out = new Uint32Array(size);
    grid.lowerBounds(batch, size, out, true);
    for (let t = 0; t < size; t++) {
      const j = plainLowerBound(v, batch[t]!);
      const want = 2 * j + (v[j] === batch[t] ? 1 : 0);
      if (out[t] !== want) expect([name, batch[t], out[t]]).toEqual([name, batch[t], want]);
    }
  }
}

describe('ReferenceGrid.lowerBound and lowerBounds', () => {
  const r = rng(11);
  const normal = () => Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r());
  const cases: [string, () => number[]][] = [
    ['uniform', () => Array.from({ length: 20_000 }, () => r())],
    ['normal', () => Array.from({ length: 50_000 }, () => 40 + normal())],
    ['lognormal', () => Array.from({ length: 30_000 }, () => Math.exp(3 * normal()))],
    ['heavy ties', () => Array.from({ length: 40_000 }, () => Math.floor(r() * 50) / 4)],
    ['ties and a few distinct', () => Array.from({ length: 5000 }, (_, i) => (i % 100 === 0 ? r() * 1e6 : 7))],
    ['clustered', () => Array.from({ length: 30_000 }, (_, i) => (i % 3) * 1e6 + r() * 1e-6)],
    ['one far outlier', () => [...Array.from({ length: 10_000 }, () => r()), 1e300]],
    ['huge range', () => Array.from({ length: 10_000 }, () => (r() - 0.5) * 2 * Number.MAX_VALUE)],
    ['extremes', () => [-Number.MAX_VALUE, Number.MAX_VALUE, ...Array.from({ length: 1000 }, () => normal())]],
    ['subnormals', () => Array.from({ length: 3000 }, () => Math.floor(r() * 4000) * Number.MIN_VALUE)],
    ['two subnormals', () => Array.from({ length: 64 }, (_, i) => (i % 2) * Number.MIN_VALUE)],
    ['negative zero', () => Array.from({ length: 4000 }, (_, i) => (i % 4 === 0 ? -0 : i % 4 === 1 ? 0 : (r() - 0.5) * 1e-300))],
    ['consecutive doubles', () => Array.from({ length: 2000 }, (_, i) => step(1, i - 1000))],
    ['mixed magnitudes', () => Array.from({ length: 20_000 }, () => (r() < 0.5 ? -1 : 1) * Math.pow(10, 600 * r() - 300))],
    ['small', () => [3, 1, 2, 2, 5]],
    ['one value', () => [42]],
    ['31 values', () => Array.from({ length: 31 }, (_, i) => i * i)],
    ['32 values', () => Array.from({ length: 32 }, (_, i) => -i * 0.1)],
  ];
  for (const [name, make] of cases) {
    it(`agree with a plain binary search: ${name}`, () => check(name, make(), r));
  }
});

describe('ReferenceGrid.shareParts', () => {
  it('shares the bucket table, and a grid from the parts searches as the original', () => {
    const r = rng(3);
    const grid = ReferenceGrid.fromSorted(Float64Array.from({ length: 5000 }, () => Math.exp(2 * r())).sort());
    const parts = grid.shareParts();
    expect(parts.buckets!.buffer).toBeInstanceOf(SharedArrayBuffer);
    const copy = ReferenceGrid.fromParts(parts);
    expect(copy.parts().buckets).toBe(parts.buckets);
    const queries = probes(grid, r, 2000);
    const a = Float64Array.from(queries);
    const b = Float64Array.from(queries);
    const outA = new Uint32Array(a.length);
    const outB = new Uint32Array(b.length);
    grid.lowerBounds(a, a.length, outA);
    copy.lowerBounds(b, b.length, outB);
    expect(Array.from(b).map(String)).toEqual(Array.from(a).map(String));
    expect(Array.from(outB)).toEqual(Array.from(outA));
    for (const x of queries) expect(copy.lowerBound(x)).toBe(plainLowerBound(grid.values, x));
  });
});
