import { describe, expect, it } from 'vitest';
import { stringifyJson } from './json.js';

describe('stringifyJson', () => {
  it('writes non-finite numbers as proto3 JSON strings, wherever they are nested', () => {
    expect(stringifyJson({ a: [{ v: Number.NaN }, { v: Infinity }, { v: -Infinity }] })).toBe('{"a":[{"v":"NaN"},{"v":"Infinity"},{"v":"-Infinity"}]}');
  });
  it('matches JSON.stringify for finite payloads, including toJSON and undefined fields', () => {
    const payload = { n: 1.5, s: 'x', d: new Date(0), u: undefined, nested: [null, true, { z: 0 }] };
    expect(stringifyJson(payload)).toBe(JSON.stringify(payload));
  });
});
