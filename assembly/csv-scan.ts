// AssemblyScript: compiled to WebAssembly by scripts/build-wasm.ts into
// src/monitoring/compare/csv-scan-wasm.ts (see src/monitoring/compare/csv-scanner.ts, its JS side).
//
// The inner loop of the CSV reader (csv-reader.ts) for the fields that need no care: unquoted
// fields of a row with the header's field count, ended by a comma, LF or CRLF. A number in a
// delivered column is parsed here, exactly as parse-decimal.ts parses it (same algorithm, same
// doubles, same fallbacks), and stored in its column's batch; any other delivered field is
// recorded as a text event (column, start, end) for the JS side. Anything else (a quote, a lone
// CR, a blank line, a wrong field count, a field cut by the buffer's end) stops the scan at that
// field's start, untouched, for the JS parser's general path.

const COMMA: u32 = 44;
const QUOTE: u32 = 34;
const LF: u32 = 10;
const CR: u32 = 13;

/** Why `scan` returned (`status`): the field at the returned position needs the general path (or the data ran out). The JS side reads FLUSH and EVENTS from the exports. */
const SLOW: i32 = 0;
/** A column's batch is full (`fullColumn`): hand it over, then scan on. */
export const FLUSH: i32 = 1;
/** The text event list is full: deliver the events, then scan on. */
export const EVENTS: i32 = 2;

let width: i32 = 0;
let wantedAt: usize = 0; // u8 per column: 1 when delivered
let batchAt: usize = 0; // i32 per column: address of its f64 batch
let filledAt: usize = 0; // i32 per column: numbers in its batch
let batchSize: i32 = 0;
let eventsAt: usize = 0; // i32 triples: column, start, end
let eventCap: i32 = 0;

export let status: i32 = SLOW;
export let column: i32 = 0;
export let rows: i32 = 0;
export let eventCount: i32 = 0;
export let fullColumn: i32 = -1;

/** Where the memory the JS side may lay out starts. */
export function heapBase(): usize {
  return __heap_base;
}

/** The column tables (laid out by the JS side). */
export function setup(w: i32, wanted: usize, batches: usize, filled: usize, size: i32, events: usize, cap: i32): void {
  width = w;
  wantedAt = wanted;
  batchAt = batches;
  filledAt = filled;
  batchSize = size;
  eventsAt = events;
  eventCap = cap;
}

/**
 * Scan the fields of [p, end) starting in column `col`; returns where it stopped (a field start)
 * and leaves `status`, `column` (of the field there), `rows` (rows ended) and `eventCount`.
 */
export function scan(p: usize, end: usize, col: i32): usize {
  rows = 0;
  eventCount = 0;
  status = SLOW;
  fullColumn = -1;
  while (p < end && col < width) {
    if (<u32>load<u8>(p) == QUOTE) break;
    const wanted = load<u8>(wantedAt + <usize>col) != 0;
    if (wanted && eventCount == eventCap) {
      status = EVENTS;
      break;
    }
    let stop = p;
    let number = false;
    if (wanted && parseAt(p, end)) {
      number = true;
      stop = decimalEnd;
    }
    while (stop < end) {
      const c = <u32>load<u8>(stop);
      if (c == COMMA || c == LF || c == CR) break;
      stop++;
    }
    if (stop >= end) break;
    let t = <u32>load<u8>(stop);
    let next = stop + 1;
    if (t == CR) {
      if (next >= end || <u32>load<u8>(next) != LF) break;
      next++;
      t = LF;
    }
    // A row ends only with all its fields; a blank line is no row at all (the JS side says so).
    if (t == LF && (col != width - 1 || (col == 0 && stop == p))) break;
    let filledUp = false;
    if (wanted) {
      if (number && stop == decimalEnd) {
        const slot = filledAt + (<usize>col << 2);
        const n = load<i32>(slot);
        store<f64>(<usize>load<i32>(batchAt + (<usize>col << 2)) + (<usize>n << 3), parsed);
        store<i32>(slot, n + 1);
        filledUp = n + 1 == batchSize;
      } else {
        const e = eventsAt + <usize>eventCount * 12;
        store<i32>(e, col);
        store<i32>(e + 4, <i32>p);
        store<i32>(e + 8, <i32>stop);
        eventCount++;
      }
    }
    p = next;
    if (t == LF) {
      rows++;
      col = 0;
    } else col++;
    if (filledUp) {
      fullColumn = t == LF ? width - 1 : col - 1;
      status = FLUSH;
      break;
    }
  }
  column = col;
  return p;
}

// ---- Exact decimal parsing: parse-decimal.ts's algorithm, with the mantissa in a u64. ----

const MAX_DIGITS = 17;
const TWO_53: u64 = 9007199254740992;
const SPLITTER: f64 = 134217729;
const TIE_MARGIN: f64 = 1 - 9.094947017729282e-13; // 1 − 2^−40
// Static tables (in the data segment, below __heap_base: the JS side lays out memory above it).
const POW10 = memory.data(23 * 8, 8);
const POW10_HIGH = memory.data(23 * 8, 8);
const POW10_LOW = memory.data(23 * 8, 8);
for (let k = 0; k < 23; k++) {
  const d = k == 0 ? 1.0 : pow10(k - 1) * 10;
  store<f64>(POW10 + (<usize>k << 3), d);
  // Veltkamp's split of 10^k into halves of 26 bits or less.
  const t = SPLITTER * d;
  const h = t - (t - d);
  store<f64>(POW10_HIGH + (<usize>k << 3), h);
  store<f64>(POW10_LOW + (<usize>k << 3), d - h);
}

// @ts-ignore: decorator
@inline
function pow10(k: i32): f64 {
  return load<f64>(POW10 + (<usize>k << 3));
}

let decimalEnd: usize = 0;
let parsed: f64 = 0;

/** For tests: the number at [start, end) (NaN: none, or not settled exactly), and where it ended (`lastEnd`). */
export function parseOne(start: usize, end: usize): f64 {
  return parseAt(start, end) ? parsed : NaN;
}

export function lastEnd(): usize {
  return decimalEnd;
}

function byteAt(i: usize, end: usize): u32 {
  return i < end ? <u32>load<u8>(i) : 0;
}

/** Parse `[+-]digits[.digits][(e|E)[+-]digits]` at `start` into `parsed`; false when parse-decimal.ts gives up too. */
function parseAt(start: usize, end: usize): bool {
  let i = start;
  let c = byteAt(i, end);
  let negative = false;
  if (c == 45 || c == 43) {
    negative = c == 45;
    c = byteAt(++i, end);
  }
  const first = i;
  let dot: usize = 0; // index just after the decimal point (0: none; never a number's first byte)
  while (c == 48) c = byteAt(++i, end);
  if (c == 46) {
    dot = ++i;
    while (i < end && <u32>load<u8>(i) == 48) i++;
  }
  let m: u64 = 0;
  let significant = 0;
  let digits = true; // the integer part's digits, then (after a point) the fraction's
  while (digits) {
    while (i < end) {
      const d = <u32>load<u8>(i) - 48;
      if (d > 9) break;
      m = m * 10 + <u64>d;
      significant++;
      i++;
    }
    digits = dot == 0 && i < end && <u32>load<u8>(i) == 46;
    if (digits) dot = ++i;
  }
  if (i - first - (dot == 0 ? 0 : 1) == 0) {
    decimalEnd = i;
    return false;
  }
  const fraction = dot == 0 ? 0 : <i32>(i - dot);
  let exponent = 0;
  c = byteAt(i, end);
  if (c == 101 || c == 69) {
    let j = i + 1;
    let d = byteAt(j, end);
    let expNegative = false;
    if (d == 45 || d == 43) {
      expNegative = d == 45;
      d = byteAt(++j, end);
    }
    let expDigits = 0;
    while (d >= 48 && d <= 57) {
      if (exponent < 100000) exponent = exponent * 10 + <i32>(d - 48);
      expDigits++;
      d = byteAt(++j, end);
    }
    if (expDigits == 0) {
      decimalEnd = j;
      return false;
    }
    i = j;
    if (expNegative) exponent = -exponent;
  }
  decimalEnd = i;
  if (significant > MAX_DIGITS) return false;
  if (significant == 0) {
    parsed = negative ? -0.0 : 0.0;
    return true;
  }
  const e10 = exponent - fraction;
  let value: f64;
  if (m < TWO_53) {
    const x = <f64>m;
    if (e10 == 0) value = x;
    else if (e10 > 0 && e10 <= 22) value = x * pow10(e10);
    else if (e10 < 0 && e10 >= -22) value = x / pow10(-e10);
    else return false;
  } else {
    if (e10 > 0 || e10 < -22) return false;
    const s = <f64>m;
    if (e10 != 0) {
      const err = <f64>(<i64>m - <i64>s);
      return divide(s, err, -e10, negative);
    }
    value = s;
  }
  parsed = negative ? -value : value;
  return true;
}

/** (hi + lo) − q·10^k, exactly up to its own rounding (see parse-decimal.ts). */
function residual(hi: f64, lo: f64, q: f64, k: i32): f64 {
  const d = pow10(k);
  const p = q * d;
  const t = SPLITTER * q;
  const qh = t - (t - q);
  const ql = q - qh;
  const dh = load<f64>(POW10_HIGH + (<usize>k << 3));
  const dl = load<f64>(POW10_LOW + (<usize>k << 3));
  const err = qh * dh - p + qh * dl + ql * dh + ql * dl;
  return hi - p + (lo - err);
}

/** 2^(biased − 1075): the unit in the last place of a double with that biased exponent (≥ 1). */
function ulp(biased: i32): f64 {
  return biased > 52 ? reinterpret<f64>(<u64>(biased - 52) << 52) : reinterpret<f64>(<u64>1 << <u64>(biased - 1));
}

/** The nearest double to ±(hi + lo) / 10^k into `parsed`, or false near a tie (see parse-decimal.ts). */
function divide(hi: f64, lo: f64, k: i32, negative: bool): bool {
  const d = pow10(k);
  let q = hi / d;
  let r = residual(hi, lo, q, k);
  let bits = reinterpret<u64>(q);
  let biased = <i32>((bits >> 52) & 0x7ff);
  if (biased == 0 || biased == 0x7ff) return false;
  let half = ulp(biased) * d * 0.5;
  const fractionBits = (bits & 0xfffffffffffff) != 0;
  if (r >= 0 ? r < half * TIE_MARGIN : fractionBits ? -r < half * TIE_MARGIN : -r < half * 0.5 * TIE_MARGIN) {
    parsed = negative ? -q : q;
    return true;
  }
  const next = q + r / d;
  if (next == q) return false;
  q = next;
  r = residual(hi, lo, q, k);
  bits = reinterpret<u64>(q);
  biased = <i32>((bits >> 52) & 0x7ff);
  if (biased == 0 || biased == 0x7ff) return false;
  half = ulp(biased) * d * 0.5;
  const halfBelow = (bits & 0xfffffffffffff) == 0 ? half * 0.5 : half;
  if (!(r >= 0 ? r < half * TIE_MARGIN : -r < halfBelow * TIE_MARGIN)) return false;
  parsed = negative ? -q : q;
  return true;
}
