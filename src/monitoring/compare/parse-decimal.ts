/**
 * Exact parsing of plain decimal numbers straight from UTF-8 bytes, so a CSV reader needs no
 * string per field. The result is always the double `Number(text)` gives (correctly rounded);
 * inputs it cannot settle cheaply return NaN and the caller falls back to `Number(text)`.
 *
 * Digits are read four at a time (one little-endian word through a DataView: which of its bytes
 * are digits, then their value, in a few integer operations), into two exact integers: the first
 * 8 significant digits and up to 9 more. Then:
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
// Significant digits kept in `high` (the rest, up to MAX_DIGITS, in `low`): high·10^9 stays an
// exact double (high·5^9 < 2^53) and low < 10^9 an int32.
const HIGH_DIGITS = 8;
const MAX_DIGITS = 17;

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
  return parseDecimalInto(buf, viewOf(buf), start, end, scratch, 0) ? scratch[0]! : Number.NaN;
}

/** The DataView parseDecimalInto reads `buf` through (a reader makes one per buffer, not per number). */
export function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

const scratch = new Float64Array(1);

/**
 * parseDecimal writing the value to out[index] (a hot loop's typed array: no boxed number per
 * call); returns whether there was a number it could parse exactly. `view` is `viewOf(buf)`.
 */
export function parseDecimalInto(buf: Uint8Array, view: DataView, start: number, end: number, out: Float64Array, index: number): boolean {
  let i = start;
  let c = i < end ? buf[i]! : 0;
  let negative = false;
  if (c === 45 /* - */ || c === 43 /* + */) {
    negative = c === 45;
    c = ++i < end ? buf[i]! : 0;
  }
  const first = i;
  // Leading zeros (of the integer part, then of the fraction when the integer part is zero) are
  // skipped here, so every digit the loop below reads is significant.
  let dot = -1; // index just after the decimal point
  while (c === 48) c = ++i < end ? buf[i]! : 0;
  if (c === 46 /* . */) {
    dot = ++i;
    while (i < end && buf[i] === 48) i++;
  }
  // Significant digits: the first 8 in `high`, up to 9 more in `low`; `significant` counts all.
  let high = 0;
  let low = 0;
  let significant = 0;
  for (;;) {
    let k: number; // digits at the front of the next four bytes
    let v = 0; // their value
    let last: boolean; // a non-digit follows them
    if (i + 4 <= end) {
      const t = view.getUint32(i, true) ^ 0x30303030; // digit bytes become 0–9
      // Bit 7 of each byte that is not a digit (its low 7 bits ≥ 10, or its high bit set).
      const other = (((t & 0x7f7f7f7f) + 0x76767676) | t) & 0x80808080;
      if (other === 0) {
        k = 4;
        last = false;
      } else {
        k = (31 - Math.clz32(other & -other)) >>> 3;
        last = true;
      }
      if (k > 0) {
        // The k digits in the top bytes (zeros before them), first digit lowest: pairs, then the four.
        const d = k === 4 ? t : t << (32 - 8 * k);
        const pairs = d * 10 + (d >>> 8);
        v = (pairs & 0xff) * 100 + ((pairs >>> 16) & 0xff);
      }
    } else {
      const d = i < end ? buf[i]! - 48 : -1;
      if (d >= 0 && d <= 9) {
        k = 1;
        v = d;
        last = false;
      } else {
        k = 0;
        last = true;
      }
    }
    if (k > 0) {
      const n = significant;
      if (n + k <= HIGH_DIGITS) high = high * POW10[k]! + v;
      else if (n >= HIGH_DIGITS) {
        if (n + k <= MAX_DIGITS) low = low * POW10[k]! + v;
      } else {
        // The digits cross from `high` into `low` (still 0 here).
        const rest = POW10[n + k - HIGH_DIGITS]!;
        const front = Math.floor(v / rest);
        high = high * POW10[HIGH_DIGITS - n]! + front;
        low = v - front * rest;
      }
      significant = n + k;
      i += k;
    }
    if (last) {
      if (dot < 0 && i < end && buf[i] === 46) {
        dot = ++i;
        continue;
      }
      break;
    }
  }
  if (i - first - (dot < 0 ? 0 : 1) === 0) {
    // No digit: "", "-", "." or text.
    decimalEnd = i;
    return false;
  }
  const fraction = dot < 0 ? 0 : i - dot;
  let exponent = 0;
  c = i < end ? buf[i]! : 0;
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
  const n = significant;
  if (n > MAX_DIGITS) return false;
  if (n === 0) {
    out[index] = negative ? -0 : 0;
    return true;
  }
  const e10 = exponent - fraction;
  const lowDigits = n > HIGH_DIGITS ? n - HIGH_DIGITS : 0;
  let value: number;
  // high·10^lowDigits is exact: high·5^lowDigits < 10^8 · 5^9 < 2^53.
  const a = lowDigits === 0 ? high : high * POW10[lowDigits]!;
  if (lowDigits === 0 || a + low < TWO_53) {
    // The mantissa is an exact double.
    const m = a + low;
    if (e10 === 0) value = m;
    else if (e10 > 0 && e10 <= 22) value = m * POW10[e10]!;
    else if (e10 < 0 && e10 >= -22) value = m / POW10[-e10]!;
    else return false;
  } else {
    if (e10 > 0 || e10 < -22) return false;
    // Mantissa = s + err exactly (TwoSum of two exact doubles).
    const s = a + low;
    if (e10 !== 0) {
      const bv = s - a;
      const err = a - (s - bv) + (low - bv);
      return divideInto(s, err, -e10, negative, out, index);
    }
    value = s;
  }
  out[index] = negative ? -value : value;
  return true;
}

// 10^k split into halves of 26 bits or less (Veltkamp), so that q·10^k's rounding error needs
// only q's split.
const POW10_HIGH = POW10.map((d) => {
  const t = SPLITTER * d;
  return t - (t - d);
});
const POW10_LOW = POW10.map((d, k) => d - POW10_HIGH[k]!);

/** (hi + lo) − q·10^k, exactly up to its own rounding: hi − fl(q·10^k) is exact by Sterbenz's lemma (q·10^k is within an ulp or two of hi). */
function residual(hi: number, lo: number, q: number, k: number): number {
  const d = POW10[k]!;
  const p = q * d;
  // Dekker's TwoProduct: the part of q·d lost in p.
  const t = SPLITTER * q;
  const qh = t - (t - q);
  const ql = q - qh;
  const dh = POW10_HIGH[k]!;
  const dl = POW10_LOW[k]!;
  const err = qh * dh - p + qh * dl + ql * dh + ql * dl;
  return hi - p + (lo - err);
}

/**
 * Write the double nearest to ±(hi + lo) / 10^k (a positive mantissa) to out[index], or return
 * false when the quotient is too close to a tie to decide here.
 */
function divideInto(hi: number, lo: number, k: number, negative: boolean, out: Float64Array, index: number): boolean {
  const d = POW10[k]!;
  let q = hi / d;
  let r = residual(hi, lo, q, k);
  f64[0] = q;
  let bits = u32[HI]!;
  let biased = (bits >>> 20) & 0x7ff;
  if (biased === 0 || biased === 0x7ff) return false;
  // Half an ulp of q, scaled by d: q is the nearest double iff the residual is inside it. Below a
  // power of two the gap to the next smaller double is half as wide.
  let half = ULP[biased]! * d * 0.5;
  if (r >= 0 ? r < half * TIE_MARGIN : (bits & 0xfffff) !== 0 || u32[LO] !== 0 ? -r < half * TIE_MARGIN : -r < half * 0.5 * TIE_MARGIN) {
    out[index] = negative ? -q : q;
    return true;
  }
  // Otherwise one Newton step lands on the nearest double except within rounding noise of a tie.
  const next = q + r / d;
  if (next === q) return false;
  q = next;
  r = residual(hi, lo, q, k);
  f64[0] = q;
  bits = u32[HI]!;
  biased = (bits >>> 20) & 0x7ff;
  if (biased === 0 || biased === 0x7ff) return false;
  half = ULP[biased]! * d * 0.5;
  const halfBelow = (bits & 0xfffff) === 0 && u32[LO] === 0 ? half * 0.5 : half;
  if (!(r >= 0 ? r < half * TIE_MARGIN : -r < halfBelow * TIE_MARGIN)) return false;
  out[index] = negative ? -q : q;
  return true;
}
