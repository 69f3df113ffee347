import { describe, expect, it } from 'vitest';
import { decodeChunk, encodeChunk, mergePoints, pointsInRange, pointsOf } from './metric-points.js';

const asList = (p: ReturnType<typeof pointsOf>) => Array.from({ length: p.length }, (_, i) => [p.steps[i], p.timestamps[i], p.values[i]]);

describe('metric points', () => {
  it('sorts by step, timestamp, value (NaN as 0, after a real 0) and keeps one of identical points', () => {
    const p = pointsOf([
      { step: 2, timestamp: 5, value: 1 },
      { step: 1, timestamp: 9, value: Number.NaN },
      { step: 1, timestamp: 9, value: 0 },
      { step: 1, timestamp: 9, value: -1 },
      { step: 2, timestamp: 5, value: 1 },
      { step: 1, timestamp: 9, value: Number.NaN },
      { step: 0, timestamp: 100, value: Infinity },
    ]);
    expect(asList(p)).toEqual([
      [0, 100, Infinity],
      [1, 9, -1],
      [1, 9, 0],
      [1, 9, Number.NaN],
      [2, 5, 1],
    ]);
  });

  it('round-trips a chunk through its blob, also from an unaligned buffer, and names it by content', () => {
    const p = pointsOf(Array.from({ length: 50 }, (_, i) => ({ step: 2 ** 52 - 50 + i, timestamp: 1_700_000_000_000 + i, value: i === 7 ? -Infinity : Math.sin(i) })));
    const chunk = encodeChunk(p);
    expect(chunk).toMatchObject({ minStep: 2 ** 52 - 50, maxStep: 2 ** 52 - 1, count: 50 });
    const shifted = Buffer.alloc(chunk.points.length + 3);
    chunk.points.copy(shifted, 3);
    expect(asList(decodeChunk(shifted.subarray(3)))).toEqual(asList(p));
    expect(encodeChunk(pointsOf([...asList(p)].reverse().map(([step, timestamp, value]) => ({ step: step!, timestamp: timestamp!, value: value! })))).digest).toBe(chunk.digest);
    expect(encodeChunk(pointsOf([{ step: 1, timestamp: 1, value: 1 }])).digest).not.toBe(chunk.digest);
    expect(() => decodeChunk(Buffer.alloc(25))).toThrow(/whole number of points/);
  });

  it('merges parts that overlap, keeping a point’s model and dataset references, and cuts a step range', () => {
    const a = pointsOf([0, 2, 4, 6].map((s) => ({ step: s, timestamp: 1, value: s })));
    const b = { ...pointsOf([1, 2, 3].map((s) => ({ step: s, timestamp: 1, value: s }))), refs: [null, { modelId: 'm-1', datasetName: null, datasetDigest: null }, null] };
    const merged = mergePoints([a, b]);
    expect(Array.from(merged.steps.subarray(0, merged.length))).toEqual([0, 1, 2, 3, 4, 6]);
    expect(merged.refs![2]).toEqual({ modelId: 'm-1', datasetName: null, datasetDigest: null });
    const cut = pointsInRange(merged, 2, 4);
    expect(Array.from(cut.steps.subarray(0, cut.length))).toEqual([2, 3, 4]);
    expect(cut.refs).toHaveLength(3);
  });
});
