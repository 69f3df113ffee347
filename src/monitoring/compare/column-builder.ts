import type { ColumnSample } from '../stats/drift-engine.js';
import { sortFloat64 } from '../stats/sort-float64.js';

// pandas.read_csv's default missing-value tokens, so a file means the same thing to both tools.
const NA_TOKENS = new Set([
  '', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null',
]);
const INFINITIES = new Set(['inf', '-inf', '+inf', 'Inf', '-Inf', 'Infinity', '-Infinity', '+Infinity', 'INF', '-INF']);

/**
 * What a text field means: null when missing (empty, a pandas missing-value token, an infinity),
 * a number when `Number(text)` reads one (possibly non-finite: also missing), else the text itself.
 */
export function textValue(text: string): number | string | null {
  if (text.length === 0) return null;
  // Number() first: most fields are numbers, and a failed parse is the rare path.
  const n = +text;
  if (n === n) return n;
  return NA_TOKENS.has(text) || INFINITIES.has(text) ? null : text;
}

/** A ColumnBuilder's state as another thread hands it over (ColumnBuilder.partial / absorb). */
export interface ColumnPartial {
  values: Float64Array;
  size: number;
  strings: [string, number][];
  stringTotal: number;
  overflow: boolean;
  missing: number;
  allInteger: boolean;
  intDistinct: number[];
}

// Evidently treats an integer column with at most this many distinct values as categorical.
const INTEGER_CARDINALITY_LIMIT = 10;
// Distinct strings tracked per column before it is declared free text (ids, notes): bounded memory.
const MAX_CATEGORIES = 100_000;

/**
 * Accumulates one column of one file as it streams by: numbers into a growing Float64Array,
 * other strings as category counts, missing values counted. Nothing is kept per row as a JS object.
 */
export class ColumnBuilder {
  readonly name: string;
  private values: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private size = 0;
  /** Rows expected, when known: the numbers' array is sized for them at the first number. */
  private readonly expected: number;
  readonly strings = new Map<string, number>();
  private stringTotal = 0;
  private overflow = false;
  missing = 0;
  private allInteger = true;
  private readonly intDistinct = new Set<number>();
  /** The numbers were sorted in place already (by another thread): toSample need not sort them. */
  private sorted = false;

  /** `shared`: keep the numbers in shared memory, so a grid made of them reaches worker threads without a copy. */
  constructor(
    name: string,
    expectedRows = 0,
    private readonly shared = false,
  ) {
    this.name = name;
    this.expected = expectedRows;
  }

  /** Add one value as read from text (CSV). */
  pushText(text: string): void {
    const v = textValue(text);
    if (v === null) this.missing++;
    else if (typeof v === 'number') this.pushNumber(v);
    else this.pushString(v);
  }

  /** Add one typed value (Parquet): number, bigint, boolean, string or null. */
  pushValue(value: unknown): void {
    if (value === null || value === undefined) this.missing++;
    else if (typeof value === 'number') this.pushNumber(value);
    else if (typeof value === 'bigint') this.pushNumber(Number(value));
    else if (typeof value === 'boolean') this.pushString(value ? 'True' : 'False');
    else if (typeof value === 'string') this.pushText(value);
    else if (value instanceof Date) this.pushNumber(value.getTime());
    else this.pushString(JSON.stringify(value));
  }

  /** Add values[0, count). */
  pushNumbers(values: Float64Array, count: number): void {
    for (let i = 0; i < count; i++) this.pushNumber(values[i]!);
  }

  /** Add one number (non-finite values count as missing). */
  pushNumber(n: number): void {
    if (!Number.isFinite(n)) {
      this.missing++;
      return;
    }
    if (this.size === this.values.length) this.reserve(this.size + 1);
    this.values[this.size++] = n;
    if (this.allInteger) {
      if (!Number.isInteger(n)) this.allInteger = false;
      else if (this.intDistinct.size <= INTEGER_CARDINALITY_LIMIT) this.intDistinct.add(n);
    }
  }

  /** Room for `count` numbers (at least the expected rows, else doubling). */
  private reserve(count: number): void {
    if (count <= this.values.length) return;
    const length = Math.max(count, this.size === 0 ? Math.max(1024, this.expected) : this.size * 2);
    const grown = this.shared ? new Float64Array(new SharedArrayBuffer(length * 8)) : new Float64Array(length);
    grown.set(this.values.subarray(0, this.size));
    this.values = grown;
  }

  private pushString(s: string): void {
    this.stringTotal++;
    const seen = this.strings.get(s);
    if (seen !== undefined) this.strings.set(s, seen + 1);
    else if (this.strings.size < MAX_CATEGORIES) this.strings.set(s, 1);
    else this.overflow = true;
  }

  /** What this column read, for the column of the part of the file before (`absorb`); its numbers' buffer can be transferred. */
  partial(): ColumnPartial {
    return {
      values: this.values,
      size: this.size,
      strings: [...this.strings],
      stringTotal: this.stringTotal,
      overflow: this.overflow,
      missing: this.missing,
      allInteger: this.allInteger,
      intDistinct: [...this.intDistinct],
    };
  }

  /**
   * Add what another builder read from the part of the file after this one's: the same state one
   * builder reading both parts in order has (numbers in file order, categories in order of first
   * appearance, the same ones dropped past the cap).
   */
  absorb(p: ColumnPartial): void {
    this.missing += p.missing;
    if (p.size > 0) {
      this.reserve(this.size + p.size);
      this.values.set(p.values.subarray(0, p.size), this.size);
      this.size += p.size;
    }
    if (this.allInteger && !p.allInteger) this.allInteger = false;
    else if (this.allInteger) for (const v of p.intDistinct) if (this.intDistinct.size <= INTEGER_CARDINALITY_LIMIT) this.intDistinct.add(v);
    this.stringTotal += p.stringTotal;
    if (p.overflow) this.overflow = true;
    for (const [s, c] of p.strings) {
      const seen = this.strings.get(s);
      if (seen !== undefined) this.strings.set(s, seen + c);
      else if (this.strings.size < MAX_CATEGORIES) this.strings.set(s, c);
      else this.overflow = true;
    }
  }

  /** The numbers so far, to be sorted in place by another thread (shared memory); then `markSorted`. */
  unsortedNumbers(): Float64Array {
    return this.values.subarray(0, this.size);
  }

  /** The numbers were sorted in place (see `unsortedNumbers`). */
  markSorted(): void {
    this.sorted = true;
  }

  /** Count of non-missing values. */
  get count(): number {
    return this.size + this.stringTotal;
  }

  /** Count of values that are not numbers. */
  get nonNumericCount(): number {
    return this.stringTotal;
  }

  /** The type Evidently would infer for this column (used on the reference). */
  inferType(): 'numeric' | 'categorical' | 'text' {
    if (this.stringTotal === 0) {
      return this.allInteger && this.size > 0 && this.intDistinct.size <= INTEGER_CARDINALITY_LIMIT ? 'categorical' : 'numeric';
    }
    if (this.overflow || this.distinctCount() > 0.5 * this.count) return 'text';
    return 'categorical';
  }

  private distinctCount(): number {
    if (this.size === 0) return this.strings.size;
    return this.strings.size + new Set(this.numbers()).size;
  }

  /** The numeric values so far (a view, unsorted). */
  numbers(): Float64Array {
    return this.values.subarray(0, this.size);
  }

  /** Reduce to a test sample of the given type; non-numbers in a numeric column are type errors. */
  toSample(type: 'numeric' | 'categorical'): ColumnSample & { typeErrors: number } {
    if (type === 'numeric') {
      // Sorted where they are; copied out only if the array has much room to spare.
      const numbers = this.values.subarray(0, this.size);
      const sorted = this.sorted ? numbers : sortFloat64(numbers);
      const kept = this.values.length - this.size <= this.size >>> 3 ? sorted : sorted.slice();
      this.values = new Float64Array(0);
      return { kind: 'numeric', sorted: kept, missing: this.missing, typeErrors: this.stringTotal };
    }
    const counts = new Map(this.strings);
    for (const v of this.numbers()) {
      const k = String(v);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    this.values = new Float64Array(0);
    return { kind: 'categorical', counts, missing: this.missing, typeErrors: 0 };
  }
}
