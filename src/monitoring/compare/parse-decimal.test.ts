import { describe, expect, it } from 'vitest';
import { decimalEnd, parseDecimal, parseDecimalInto, viewOf } from './parse-decimal.js';

// Deterministic inputs: the same cases on every run.
let seed = 20261123;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
const below = (n: number) => Math.floor(random() * n);
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
/** Any finite double, uniformly over its bit patterns. */
function anyDouble(): number {
  do {
    words[0] = (random() * 2 ** 32) >>> 0;
    words[1] = (random() * 2 ** 32) >>> 0;
  } while (!Number.isFinite(bits[0]!));
  return bits[0]!;
}
function digits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += below(10);
  return s;
}

/** Texts of every kind the parser meets: round-trip doubles, short and long mantissas, exponents, ties. */
function cases(count: number): string[] {
  const out = [
    '0', '-0', '+0', '00', '0.0', '-0.000', '5.', '.5', '-.5', '+5', '1E+05', '1e-05', '007', '000.000125', '9.99999999',
    '4503599627370497.5', '9007199254740993', '9007199254740992', '9007199254740991', '18446744073709551615',
    '0.1', '0.2', '0.3', '1e22', '1e23', '1.7976931348623157e308', '2.2250738585072014e-308', '4.9e-324', '5e-324',
    '0.18276756304178315', '40.279741198143874', '118.95470138572746', '0.016149096651887018', '-0.0012345678901234567',
    '123456789.12345678', '12345678.123456789', '1.2345678901234567e-3', '0.000099999999999999', '99999999999999999',
    '0.99999999999999994', '0.99999999999999995', '0.99999999999999996', '1.00000000000000011', '1.00000000000000012',
    '2.00000000000000033', '0.30000000000000004', '123.456e2', '1.e5', '.e5', '1e', '1e+', '-', '+', '.', '', 'abc', '1.2.3', '--1', '0x10',
  ];
  const kinds: (() => string)[] = [
    () => String(anyDouble()),
    () => anyDouble().toPrecision(17),
    () => anyDouble().toPrecision(1 + below(17)),
    () => String((random() - 0.5) * 10 ** (below(40) - 20)),
    () => (random() * 10 ** below(6)).toPrecision(16 + below(2)),
    // Halfway cases: 17 digits ending in 5 sit between two doubles more often than others.
    () => `${(random() * 10 ** below(8)).toPrecision(17).slice(0, -1)}5`,
    () => `${random().toPrecision(17).slice(0, -2)}${digits(2)}`,
    () => (random() < 0.5 ? '-' : '') + '0'.repeat(below(3)) + digits(below(20)) + (random() < 0.7 ? `.${'0'.repeat(below(4))}${digits(below(22))}` : '') + (random() < 0.25 ? `e${random() < 0.5 ? '-' : '+'}${below(30)}` : ''),
    () => String(below(2 ** 31) * 2 ** (below(60) - 30)),
    () => String(5e-324 * below(100_000)),
    () => (random() * 10 ** (below(40) - 20)).toExponential(below(20)),
  ];
  for (let i = 0; i < count; i++) out.push(kinds[i % kinds.length]!());
  return out;
}

/** The number syntax parseDecimal reads: what Number() gives for the prefix it consumed. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/;

describe('parseDecimal: exact numbers from bytes', () => {
  it('gives the double Number() gives for every kind of decimal text, or NaN to say "ask Number()"', () => {
    const texts = cases(60_000);
    let exact = 0;
    let roundTrip = 0;
    let roundTripExact = 0;
    for (const t of texts) {
      const bytes = Buffer.from(t, 'latin1');
      const v = parseDecimal(bytes, 0, bytes.length);
      const syntax = NUMBER.exec(t)?.[0] ?? '';
      // d.dddddddddddddddd·10^E with E in [−6, 15]: a decimal exponent E − 16 in [−22, −1].
      if (/^-?\d\.\d{16}(e[+-]\d+)?$/.test(t) && Math.abs(Number(t)) >= 1e-6 && Math.abs(Number(t)) < 1e16) {
        roundTrip++;
        if (!Number.isNaN(v)) roundTripExact++;
      }
      if (Number.isNaN(v)) continue;
      exact++;
      // It stops where the number syntax ends.
      expect(decimalEnd, t).toBe(syntax.length);
      expect(Object.is(v, Number(syntax)), `${t}: ${v} vs ${Number(syntax)}`).toBe(true);
    }
    // Most parse here (the rest have decimal exponents beyond ±22, more than 17 digits or sit on a tie).
    expect(exact).toBeGreaterThan(texts.length * 0.5);
    // 17-digit texts of doubles from 10^-6 to 10^16 nearly all do.
    expect(roundTrip).toBeGreaterThan(1000);
    expect(roundTripExact / roundTrip).toBeGreaterThan(0.95);
  });

  it('reads a number inside a larger buffer, up to `end`, through a view of that buffer', () => {
    const texts = cases(5_000).filter((t) => NUMBER.test(t));
    const out = new Float64Array(4);
    for (const t of texts) {
      // A slice at an odd offset of a bigger buffer, the number between other bytes.
      const backing = Buffer.from(`xyz,${t},12345678`, 'latin1');
      const buf = backing.subarray(3);
      const view = viewOf(buf);
      const ok = parseDecimalInto(buf, view, 1, 1 + t.length, out, 2);
      if (ok) expect(Object.is(out[2], Number(NUMBER.exec(t)![0])), t).toBe(true);
      // `end` cuts the text short: the value is that of the prefix, never of bytes past `end`.
      const cut = 1 + below(t.length);
      const digitsAfter = Buffer.from(`${t}99999999`, 'latin1');
      if (parseDecimalInto(digitsAfter, viewOf(digitsAfter), 0, cut, out, 0)) {
        const prefix = NUMBER.exec(t.slice(0, cut))![0];
        expect(decimalEnd, `${t} cut at ${cut}`).toBe(prefix.length);
        expect(Object.is(out[0], Number(prefix)), `${t} cut at ${cut}`).toBe(true);
      }
    }
  });

  it('parses the 16- and 17-digit fractions CSV writers emit on the exact path, not the fallback', () => {
    let parsed = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const x = (random() - 0.5) * 10 ** below(5);
      const t = String(x);
      const bytes = Buffer.from(t, 'latin1');
      const v = parseDecimal(bytes, 0, bytes.length);
      if (Number.isNaN(v)) continue;
      parsed++;
      expect(Object.is(v, x), t).toBe(true);
    }
    expect(parsed).toBeGreaterThan(n * 0.99);
  });
});
