import { describe, expect, it } from 'vitest';
import { newRequestId } from './request-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newRequestId', () => {
  it('is a version 7 UUID carrying the millisecond timestamp', () => {
    const now = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const id = newRequestId(now);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
  });

  it('sorts ids of later milliseconds after earlier ones, and never repeats', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => newRequestId(1_700_000_000_000 + Math.floor(i / 10)));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 10; i < ids.length; i += 10) expect(ids[i - 1]! < ids[i]!).toBe(true);
    for (const id of ids) expect(id).toMatch(UUID_V7);
  });

  it('draws every random digit from the whole range (74 random bits, none fixed)', () => {
    const ids = Array.from({ length: 4000 }, () => newRequestId(1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    const randomPositions = [15, 16, 17, 19, 20, 21, 22, ...Array.from({ length: 12 }, (_, i) => 24 + i)];
    for (const p of randomPositions) {
      const digits = new Set(ids.map((id) => id[p]));
      expect(digits.size, `position ${p}`).toBe(p === 19 ? 4 : 16);
    }
  });
});
