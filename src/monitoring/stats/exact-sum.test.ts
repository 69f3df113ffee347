import { describe, expect, it } from 'vitest';
import { ExactSum } from './exact-sum.js';

/** The exact sum as a rational with a power-of-two denominator, rounded by BigInt → Number. */
function reference(xs: number[]): number {
  // Every double is an integer multiple of 2^-1074.
  let total = 0n;
  const f = new Float64Array(1);
  const bits = new BigUint64Array(f.buffer);
  for (const x of xs) {
    f[0] = x;
    const b = bits[0]!;
    const e = Number((b >> 52n) & 0x7ffn);
    const m = (b & ((1n << 52n) - 1n)) | (e === 0 ? 0n : 1n << 52n);
    const term = m << BigInt(Math.max(e, 1) - 1);
    total += b >> 63n ? -term : term;
  }
  const negative = total < 0n;
  const a = negative ? -total : total;
  const length = a.toString(2).length;
  const shift = Math.max(0, length - 64);
  const sticky = shift > 0 && (a & ((1n << BigInt(shift)) - 1n)) !== 0n ? 1n : 0n;
  const kept = ((a >> BigInt(shift)) << 1n) | sticky;
  const v = Number(kept) * 2 ** (shift - 1 - 537) * 2 ** -537;
  return negative ? -v : v;
}

describe('ExactSum', () => {
  it('gives the correctly rounded exact sum, whatever the order and the split into parts', () => {
    let seed = 3;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const xs = Array.from({ length: 20_000 }, (_, i) => (random() - 0.3) * 10 ** Math.floor(random() * 20 - 10) * (i % 7 === 0 ? 1e8 : 1));
    xs.push(1e16, 1, -1e16, 5e-324, 2 ** -1022);
    const whole = new ExactSum();
    for (const x of xs) whole.add(x);
    expect(whole.value).toBe(reference(xs));

    const shuffled = [...xs].sort(() => random() - 0.5);
    const a = new ExactSum();
    const b = new ExactSum();
    shuffled.forEach((x, i) => (i % 3 === 0 ? a : b).add(x));
    a.addExact(b.exactTotal());
    expect(a.value).toBe(whole.value);
  });

  it('is exact where plain summation is not', () => {
    const s = new ExactSum();
    for (const x of [1e16, 1, 1, 1, 1, -1e16]) s.add(x);
    expect(s.value).toBe(4);
    expect(new ExactSum().value).toBe(0);
  });
});
