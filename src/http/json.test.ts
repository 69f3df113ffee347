import { describe, expect, it } from 'vitest';
import { RawJson, stringifyJson } from './json.js';

describe('stringifyJson', () => {
  it('writes non-finite numbers as proto3 JSON strings, wherever they are nested', () => {
    expect(stringifyJson({ a: [{ v: Number.NaN }, { v: Infinity }, { v: -Infinity }] })).toBe('{"a":[{"v":"NaN"},{"v":"Infinity"},{"v":"-Infinity"}]}');
  });
  it('matches JSON.stringify for finite payloads, including toJSON and undefined fields', () => {
    const payload = { n: 1.5, s: 'x', d: new Date(0), u: undefined, nested: [null, true, { z: 0 }] };
    expect(stringifyJson(payload)).toBe(JSON.stringify(payload));
  });
  it('splices RawJson text verbatim and otherwise writes what JSON.stringify (with the non-finite rule) would', () => {
    const raw = '{"metrics":[{"key":"m","value":"NaN","timestamp":1,"step":0}],"params":[],"tags":[]}';
    const payload = { runs: [{ info: { id: 'a', n: 1.5, inf: -Infinity, skip: undefined, d: new Date(0), list: [undefined, 'x'] }, data: new RawJson(raw) }], next: 'tok' };
    const out = stringifyJson(payload);
    expect(out).toContain(`"data":${raw}`);
    const expected = { runs: [{ info: { id: 'a', n: 1.5, inf: '-Infinity', d: new Date(0).toJSON(), list: [null, 'x'] }, data: JSON.parse(raw) }], next: 'tok' };
    expect(JSON.parse(out)).toEqual(expected);
    expect(out).toBe(JSON.stringify(expected));
  });
  it('leaves user strings that look like splice markers alone, and splices texts holding $ patterns verbatim', () => {
    const raw = '{"params":[{"key":"p","value":"$& $1 $$"}]}';
    const payload = { a: '__ascent_raw_0000000000000000_0', b: new RawJson(raw), c: ['"__ascent_raw_', new RawJson('[1]')] };
    const out = stringifyJson(payload);
    expect(out).toBe(`{"a":"__ascent_raw_0000000000000000_0","b":${raw},"c":["\\"__ascent_raw_",[1]]}`);
  });
  it('gives any other JSON.stringify the parsed value of a RawJson', () => {
    expect(JSON.stringify({ d: new RawJson('{"x":[1,2]}') })).toBe('{"d":{"x":[1,2]}}');
  });
  it('splices a top-level RawJson', () => {
    expect(stringifyJson(new RawJson('{"x":1}'))).toBe('{"x":1}');
  });
});
