/**
 * Exact parsing of plain decimal numbers straight from UTF-8 bytes, so a CSV reader needs no
 * string per field. The result is always the double `Number(text)` gives (correctly rounded);
 * inputs it cannot settle cheaply return NaN and the caller falls back to `Number(text)`.
 *
 * - up to 15 significant digits, or any mantissa ≤ 2^53, with |decimal exponent| ≤ 22: Clinger's
 *   fast path (mantissa and power of ten are exact doubles, one IEEE operation rounds once);
 * - 16–17 significant digits with a decimal exponent in [−22, 0] (what pandas and Python write
 *   for most doubles): the mantissa as an exact double-double, one division, then the exact
 *   residual decides whether the quotient is the correctly rounded one (it is corrected by one ulp
 *   when it is not, and a residual too close to half an ulp to decide falls back).
 */

const POW10 = Float64Array.from({ length: 23 }, (_, i) => 10 ** i); // exact up to 10^22
const TWO_53 = 9007199254740992;
// Veltkamp's splitter for 53-bit doubles: 2^27 + 1.
const SPLITTER = 134217729;
// A residual within this relative distance of half an ulp is left to Number(): the residual's own
// rounding error is below 2^-100 of the mantissa, far inside this margin.
const TIE_MARGIN = 1 - 2 ** -40;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = LITTLE_ENDIAN ? 0 : 1;
// ULP[e] = 2^(e − 1075): the unit in the last place of a normal double with biased exponent e.
const ULP = Float64Array.from({ length: 2047 }, (_, e) => 2 ** (e - 1075));

/** Where the last parseDecimal call stopped (the first byte that is not part of the number). */
export let decimalEnd = 0;

/**
 * Parse `[+-]digits[.digits][(e|E)[+-]digits]` starting at `start`, stopping at the first byte
 * outside that syntax (its index is left in `decimalEnd`, at most `end`). Returns NaN when there
 * is no number there or when the fast paths cannot give the exact double.
 */
export function parseDecimal(buf: Uint8Array, start: number, end: number): number {
  return parseDecimalInto(buf, start, end, scratch, 0) ? scratch[0]! : Number.NaN;
}

const scratch = new Float64Array(1);

/**
 * parseDecimal writing the value to out[index] (a hot loop's typed array: no boxed number per
 * call); returns whether there was a number it could parse exactly.
 */
export function parseDecimalInto(buf: Uint8Array, start: number, end: number, out: Float64Array, index: number): boolean {
  let i = start;
  let c = i < end ? buf[i]! : 0;
  let negative = false;
  if (c === 45 /* - */ || c === 43 /* + */) {
    negative = c === 45;
    c = ++i < end ? buf[i]! : 0;
  }
  // Significant digits: the first 9 in `high`, up to 8 more in `low` (`lowDigits` of them).
  let high = 0;
  let low = 0;
  let significant = 0;
  let lowDigits = 0;
  let fraction = 0;
  let digits = 0;
  let tooMany = false;
  while (c >= 48 && c <= 57) {
    digits++;
    if (significant > 0 || c !== 48) {
      if (significant < 9) high = high * 10 + (c - 48);
      else if (significant < 17) {
        low = low * 10 + (c - 48);
        lowDigits++;
      } else tooMany = true;
      significant++;
    }
    c = ++i < end ? buf[i]! : 0;
  }
  if (c === 46 /* . */) {
    c = ++i < end ? buf[i]! : 0;
    for (;;) {
      // Four significant digits at once while they fit whole in `high` or in `low` (most of a
      // long fraction): a few integer operations instead of four byte steps (a DataView load is
      // slower here than four byte loads).
      if (significant > 0 && i + 4 <= end && (significant <= 5 || (significant >= 9 && significant <= 13))) {
        const w = (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)) >>> 0;
        if (((w & 0xf0f0f0f0) | (((w + 0x06060606) & 0xf0f0f0f0) >>> 4)) === 0x33333333) {
          // Bytes d0 d1 d2 d3 (d0 the first digit, in the low byte): pairs, then the four.
          const v = w - 0x30303030;
          const pairs = v * 10 + (v >>> 8);
          const four = (pairs & 0xff) * 100 + ((pairs >>> 16) & 0xff);
          if (significant <= 5) high = high * 10000 + four;
          else {
            low = low * 10000 + four;
            lowDigits += 4;
          }
          significant += 4;
          digits += 4;
          fraction += 4;
          i += 4;
          c = i < end ? buf[i]! : 0;
          continue;
        }
      }
      if (!(c >= 48 && c <= 57)) break;
      digits++;
      fraction++;
      if (significant > 0 || c !== 48) {
        if (significant < 9) high = high * 10 + (c - 48);
        else if (significant < 17) {
          low = low * 10 + (c - 48);
          lowDigits++;
        } else tooMany = true;
        significant++;
      }
      c = ++i < end ? buf[i]! : 0;
    }
  }
  if (digits === 0) {
    decimalEnd = i;
    return false;
  }
  let exponent = 0;
  if (c === 101 /* e */ || c === 69 /* E */) {
    let j = i + 1;
    let d = j < end ? buf[j]! : 0;
    let expNegative = false;
    if (d === 45 || d === 43) {
      expNegative = d === 45;
      d = ++j < end ? buf[j]! : 0;
    }
    let expDigits = 0;
    while (d >= 48 && d <= 57) {
      if (exponent < 100_000) exponent = exponent * 10 + (d - 48);
      expDigits++;
      d = ++j < end ? buf[j]! : 0;
    }
    // "1e" or "1e+" is not a number at all; Number() says NaN too.
    if (expDigits === 0) {
      decimalEnd = j;
      return false;
    }
    i = j;
    if (expNegative) exponent = -exponent;
  }
  decimalEnd = i;
  if (tooMany) return false;
  if (significant === 0) {
    out[index] = negative ? -0 : 0;
    return true;
  }
  const e10 = exponent - fraction;
  let value: number;
  if (lowDigits === 0 || high * POW10[lowDigits]! + low < TWO_53) {
    // The mantissa is an exact double (high·10^k is exact: < 2^30 · 5^8 · 2^8).
    const m = lowDigits === 0 ? high : high * POW10[lowDigits]! + low;
    if (e10 === 0) value = m;
    else if (e10 > 0 && e10 <= 22) value = m * POW10[e10]!;
    else if (e10 < 0 && e10 >= -22) value = m / POW10[-e10]!;
    else return false;
  } else {
    if (e10 > 0 || e10 < -22) return false;
    // Mantissa = s + err exactly (TwoSum of two exact doubles).
    const a = high * POW10[lowDigits]!;
    const s = a + low;
    if (e10 !== 0) {
      const bv = s - a;
      const err = a - (s - bv) + (low - bv);
      return divideInto(s, err, POW10[-e10]!, negative, out, index);
    }
    value = s;
  }
  out[index] = negative ? -value : value;
  return true;
}

/** The part of a·b lost in the rounded product p = fl(a·b) (Dekker's TwoProduct). */
function productError(a: number, b: number, p: number): number {
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** (hi + lo) − q·d, with hi − fl(q·d) exact by Sterbenz's lemma (q·d is within an ulp or two of hi). */
function residual(hi: number, lo: number, q: number, d: number): number {
  const p = q * d;
  return hi - p + (lo - productError(q, d, p));
}

/**
 * Write the double nearest to ±(hi + lo) / d (a positive mantissa, d = 10^k) to out[index], or
 * return false when the quotient is too close to a tie to decide here.
 */
function divideInto(hi: number, lo: number, d: number, negative: boolean, out: Float64Array, index: number): boolean {
  let q = hi / d;
  let r = residual(hi, lo, q, d);
  // One Newton step lands on the nearest double except within rounding noise of a tie.
  const next = q + r / d;
  if (next !== q) {
    q = next;
    r = residual(hi, lo, q, d);
  }
  f64[0] = q;
  const bits = u32[HI]!;
  const biased = (bits >>> 20) & 0x7ff;
  if (biased === 0 || biased === 0x7ff) return false;
  // Half an ulp of q, scaled by d: q is the nearest double iff the residual is inside it. Below a
  // power of two the gap to the next smaller double is half as wide.
  const half = ULP[biased]! * d * 0.5;
  const halfBelow = (bits & 0xfffff) === 0 && u32[LO] === 0 ? half * 0.5 : half;
  if (!(r >= 0 ? r < half * TIE_MARGIN : -r < halfBelow * TIE_MARGIN)) return false;
  out[index] = negative ? -q : q;
  return true;
}
