import { describe, expect, it } from 'vitest';
import { profileRecords } from '../profiles/reference-profile.js';
import { KllSketch } from './kll-sketch.js';
import { WindowSketch } from './window-sketch.js';
import { windowDrift } from './window-drift.js';

// Seeded generator so every run sees the same data (no Math.random in tests).
function rng(seed: number) {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

const CITIES = ['paris', 'lyon', 'nice', 'lille'];

function rows(n: number, seed: number, shift = { x: 0, city: false }) {
  const r = rng(seed);
  return Array.from({ length: n }, () => ({
    x: r.normal() + shift.x,
    y: r.uniform() * 10,
    city: shift.city && r.uniform() < 0.5 ? 'paris' : CITIES[Math.floor(r.uniform() * CITIES.length)]!,
  }));
}

describe('KLL quantile sketch', () => {
  it('keeps rank error small and size bounded over a million values', () => {
    const s = new KllSketch(200);
    const r = rng(1);
    for (let i = 0; i < 1_000_000; i++) s.update(r.uniform());
    expect(s.count).toBe(1_000_000);
    expect(s.retained).toBeLessThan(1000);
    const [q10, q50, q90] = s.quantiles([0.1, 0.5, 0.9]);
    expect(Math.abs(q10! - 0.1)).toBeLessThan(0.02);
    expect(Math.abs(q50! - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(q90! - 0.9)).toBeLessThan(0.02);
  });

  it('merges two sketches into one of the same accuracy', () => {
    const a = new KllSketch();
    const b = new KllSketch();
    for (let i = 0; i < 50_000; i++) a.update(i);
    for (let i = 50_000; i < 100_000; i++) b.update(i);
    a.merge(b);
    expect(a.count).toBe(100_000);
    expect(Math.abs(a.quantiles([0.5])[0]! - 50_000)).toBeLessThan(2_000);
  });
});

describe('window sketch', () => {
  const profile = profileRecords(rows(5000, 7), Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? 'yes' : 'no')));

  it('does not grow with the number of predictions (1M fed)', () => {
    const w = new WindowSketch(profile);
    const r = rng(3);
    let sizeAt100k = 0;
    for (let i = 0; i < 1_000_000; i++) {
      w.addRequest([{ x: r.normal(), y: r.uniform() * 10, city: CITIES[i % 4]! }], [i % 3 === 0 ? 'yes' : 'no']);
      if (i === 99_999) sizeAt100k = JSON.stringify(w.toJSON()).length;
    }
    const state = w.toJSON();
    const sizeAt1M = JSON.stringify(state).length;
    expect(state.rows).toBe(1_000_000);
    expect(state.features.x!.count).toBe(1_000_000);
    // The KLL levels grow by one every ×1.5 or so of data: bounded by O(k), not by the count.
    expect(sizeAt1M).toBeLessThan(sizeAt100k * 1.25);
    expect(sizeAt1M).toBeLessThan(64 * 1024);
  });

  it('counts missing values, type errors, out-of-range values, unseen categories and schema violations', () => {
    const w = new WindowSketch(profile);
    w.addRequest([{ x: null, y: 'abc', city: 'tokyo' }, { x: 1e9, y: 5, city: 'paris', extra: 1 }, { y: 1, city: 'nice' }], ['no', 'yes', 'no']);
    w.addRequest([], [], 'model failed');
    const s = w.toJSON();
    expect(s.requests).toBe(2);
    expect(s.errors).toBe(1);
    expect(s.features.x!.missing).toBe(2);
    expect(s.features.y!.typeErrors).toBe(1);
    expect(s.features.x!.kind === 'numeric' && s.features.x!.outOfRange).toBe(1);
    expect(s.features.city!.kind === 'categorical' && s.features.city!.unseen).toBe(1);
    expect(s.schemaViolations).toBe(2);
  });

  it('finds drift on exactly the shifted features from sketches alone', () => {
    const same = new WindowSketch(profile);
    for (const row of rows(4000, 11)) same.addRequest([row], ['no']);
    const calm = windowDrift(profile, same.toJSON());
    expect(calm.features.filter((f) => f.drifted).map((f) => f.feature)).toEqual([]);

    const shifted = new WindowSketch(profile);
    for (const row of rows(4000, 12, { x: 0.5, city: true })) shifted.addRequest([row], ['no']);
    const drift = windowDrift(profile, shifted.toJSON());
    expect(drift.features.filter((f) => f.drifted).map((f) => f.feature).sort()).toEqual(['city', 'x']);
    const x = drift.features.find((f) => f.feature === 'x')!;
    expect(x.test).toBe('wasserstein');
    // Normed W1 of a 0.5σ shift is 0.5; the sketch-based estimate stays close.
    expect(Math.abs(x.distance! - 0.5)).toBeLessThan(0.06);
  });
});

describe('live KS on discrete data', () => {
  it('finds no drift when the window repeats the reference exactly, ties included', () => {
    const values = Array.from({ length: 150 }, (_, i) => ({ v: [2.0, 2.5, 3.0, 3.0, 3.0, 3.5, 4.0][i % 7]! + (i % 3) * 0.1 }));
    const profile = profileRecords(values);
    const w = new WindowSketch(profile);
    for (const row of values) w.addRequest([row], [0]);
    const drift = windowDrift(profile, w.toJSON(), { test: 'ks' });
    expect(drift.features[0]!.statistic).toBe(0);
    expect(drift.features[0]!.drifted).toBe(false);
  });
});

describe('reference bins', () => {
  it('gives a window of the reference data the same bin shares as the profile', () => {
    const r = rng(9);
    const data = Array.from({ length: 3000 }, () => ({ v: Math.exp(r.normal()) }));
    const profile = profileRecords(data);
    const w = new WindowSketch(profile);
    for (const row of data) w.addRequest([row], [0]);
    const s = w.toJSON().features.v!;
    const p = profile.features[0]!;
    if (s.kind !== 'numeric' || p.kind !== 'numeric') throw new Error('numeric expected');
    expect(s.bins.slice(1, -1).map((c) => c / s.count)).toEqual(p.binShares);
    expect(windowDrift(profile, w.toJSON(), { test: 'jensenshannon' }).features[0]!.distance).toBe(0);
  });
});
