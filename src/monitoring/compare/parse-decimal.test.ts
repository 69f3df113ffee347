import { describe, expect, it } from 'vitest';
import { below, cases, NUMBER, random } from '../../../test/support/decimal-cases.js';
import { decimalEnd, parseDecimal, parseDecimalInto, viewOf } from './parse-decimal.js';

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
