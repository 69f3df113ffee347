/**
 * The exact sum of many doubles, whatever order they are added in, rounded once at the end. Each
 * double is m·2^(e−1075) with an integer m < 2^53; its m is split into a low 27-bit and a high
 * 26-bit part, added to per-exponent (and per-sign) accumulators of integers, which stay exact in
 * a double for 2^25 additions and are then carried into a BigInt. So partial sums gathered by
 * different threads over different parts of a file merge into the very same total as one thread's.
 * An addition costs a few integer operations (no branch on magnitudes), about a Neumaier step.
 */
export class ExactSum {
  /** Per sign and biased exponent (index sign·2048 + e): sums of the low 27 bits of m. */
  private readonly low = new Float64Array(4096);
  /** The same for m's high 26 bits, in units of 2^27. */
  private readonly high = new Float64Array(4096);
  private adds = 0;
  /** What was carried out of the accumulators, in units of 2^−1074. */
  private carried = 0n;

  /** Add a finite double. */
  add(x: number): void {
    f64[0] = x;
    const hi = u32[HI]!;
    const lo = u32[LO]!;
    const e = (hi >>> 20) & 0x7ff;
    const at = (hi >>> 31) * 2048 + e;
    const top = (hi & 0xfffff) | (e === 0 ? 0 : 0x100000);
    this.low[at]! += lo & 0x7ffffff;
    this.high[at]! += top * 32 + (lo >>> 27);
    if (++this.adds === CARRY_EVERY) this.carry();
  }

  /** Add an exact total another sum gave (`exactTotal`), e.g. in another thread. */
  addExact(total: bigint): void {
    this.carried += total;
  }

  /** The exact total in units of 2^−1074. */
  exactTotal(): bigint {
    return this.exact();
  }

  private exact(): bigint {
    let total = this.carried;
    for (let at = 0; at < 4096; at++) {
      const l = this.low[at]!;
      const h = this.high[at]!;
      if (l === 0 && h === 0) continue;
      const e = at & 2047;
      const m = (BigInt(h) << 27n) + BigInt(l);
      const scaled = m << BigInt(Math.max(e, 1) - 1);
      total += at >= 2048 ? -scaled : scaled;
    }
    return total;
  }

  private carry(): void {
    this.carried = this.exact();
    this.low.fill(0);
    this.high.fill(0);
    this.adds = 0;
  }

  /** The total, correctly rounded to the nearest double. */
  get value(): number {
    return toDouble(this.exact());
  }
}

// Low-part sums stay below 2^27 · 2^25 = 2^52: exact integers in a double.
const CARRY_EVERY = 1 << 25;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = LITTLE_ENDIAN ? 0 : 1;

/** n·2^−1074 rounded to the nearest double (ties to even, as Number(bigint) rounds). */
function toDouble(n: bigint): number {
  if (n === 0n) return 0;
  const negative = n < 0n;
  const a = negative ? -n : n;
  const bits = a.toString(2).length;
  let v: number;
  if (bits <= 1000) {
    // Number(a) rounds once; scaling by a power of two is exact above the subnormal range.
    v = Number(a) * 2 ** -537 * 2 ** -537;
  } else {
    // Keep 64 bits and a sticky bit for everything below them, so Number() still rounds once.
    const shift = BigInt(bits - 64);
    const sticky = (a & ((1n << shift) - 1n)) === 0n ? 0n : 1n;
    const kept = ((a >> shift) << 1n) | sticky;
    v = Number(kept) * 2 ** (bits - 65 - 1074);
  }
  return negative ? -v : v;
}
