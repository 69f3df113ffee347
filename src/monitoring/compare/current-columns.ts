import { UniformHistogram } from '../stats/drift-tests.js';
import { type FoldPartial, IntervalFold, type ReferenceGrid } from '../stats/interval-fold.js';
import type { DistancesPart } from '../stats/located-distances.js';
import { textValue } from './column-builder.js';
import type { CurrentSpill } from './current-spill.js';

/**
 * The current file's side of an offline comparison. The reference is read whole (it is the
 * smaller file and the tests need its values); each current column is folded, as it streams by,
 * into what the tests need and nothing more: a numeric column onto the reference's grid
 * (IntervalFold), a categorical one into counts. A second pass over the numeric columns gives
 * their Sturges histogram (its edges depend on the current's range) and W1's distances; it
 * replays the first pass's numbers from a spill file (CurrentSpill), or re-reads the file.
 */
export type CurrentColumn = CurrentNumericColumn | CurrentCategoricalColumn | CurrentTextColumn;

/**
 * A current column's first pass over one part of the file, as another thread hands it over; the
 * column of the part before absorbs it (`absorb`), which gives what one pass over both parts gives.
 */
export type ColumnPartial =
  | { kind: 'numeric'; missing: number; typeErrors: number; count: number; min: number; max: number; values: [number, number][] | null; fold: FoldPartial | null }
  | { kind: 'categorical'; missing: number; strings: [string, number][]; numeric: [number, number][] }
  | { kind: 'text'; missing: number };

// Distinct current values tracked by default: enough to know whether reference ∪ current has at
// most 5 values (Evidently's test choice); beyond that no default test reads per-value counts.
const DEFAULT_VALUE_CAP = 6;
// Distinct strings tracked per column, as ColumnBuilder (the rest are counted, not named).
const MAX_CATEGORIES = 100_000;

/** What a thread needs to replay its spill for one column's second pass. */
export interface SecondSpec {
  /** Histogram edges (null: no histogram). */
  edges: Float64Array | null;
  /** W1's interval classes (null: W1 not wanted). */
  classes: Uint8Array | null;
  /** The reference grid's distinct values (shared memory). */
  grid: Float64Array;
}

/** One thread's share of a column's second pass. */
export interface SecondPartial {
  histogram: Float64Array | null;
  distances: DistancesPart | null;
  count: number;
}

/** A current column compared with a numeric reference column. */
export class CurrentNumericColumn {
  readonly kind = 'numeric';
  missing = 0;
  /** Non-numeric values (the reference says numeric). */
  typeErrors = 0;
  /** Finite values read. */
  count = 0;
  min = Infinity;
  max = -Infinity;
  /** The values folded onto the reference's grid (null when the reference column has no values). */
  readonly fold: IntervalFold | null;
  /** Count per distinct value, dropped once it exceeds `valueCap` distinct values. */
  private values: Map<number, number> | null = new Map();
  /** Numbers that came as text (a quoted field, a rare spelling), folded in small batches. */
  private readonly pending = new Float64Array(256);
  private pendingCount = 0;
  private pass: 1 | 2 = 1;
  private histogram: UniformHistogram | null = null;
  private feedFold = false;
  private secondCount = 0;
  private slots = new Uint32Array(0);
  private spill: CurrentSpill | null = null;
  private spillId = -1;

  /** `valueCap`: distinct values whose counts are kept (Infinity when a test reads one bin per value). */
  constructor(
    readonly grid: ReferenceGrid,
    readonly valueCap = DEFAULT_VALUE_CAP,
  ) {
    this.fold = grid.size > 0 ? new IntervalFold(grid) : null;
  }

  /** Take values[0, count) (non-finite ones are missing values). */
  numbers(values: Float64Array, count: number): void {
    // Keep the finite values, in place.
    let n = 0;
    let min = this.min;
    let max = this.max;
    for (let i = 0; i < count; i++) {
      const v = values[i]!;
      if (v - v !== 0) continue; // NaN or ±Infinity
      values[n++] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    this.missing += count - n;
    this.min = min;
    this.max = max;
    this.count += n;
    if (this.fold) {
      const slots = this.slotsFor(n);
      this.fold.add(values, n, slots);
      this.spill?.write(this.spillId, values, slots, n);
    }
    if (this.values !== null) this.countValues(values, n);
  }

  /** The first pass's state, for the column of the part before (this column is spent). */
  partial(): ColumnPartial {
    this.endFirstPass();
    const { missing, typeErrors, count, min, max } = this;
    return { kind: 'numeric', missing, typeErrors, count, min, max, values: this.values ? [...this.values] : null, fold: this.fold ? this.fold.partial() : null };
  }

  /** Add the first pass over the part after this column's (see ColumnPartial). */
  absorb(p: ColumnPartial): void {
    if (p.kind !== 'numeric' || this.pass !== 1) throw new Error('CurrentNumericColumn.absorb: not a first pass of a numeric column');
    this.missing += p.missing;
    this.typeErrors += p.typeErrors;
    this.count += p.count;
    this.min = Math.min(this.min, p.min);
    this.max = Math.max(this.max, p.max);
    if (this.values && p.values) {
      for (const [v, c] of p.values) {
        const seen = this.values.get(v);
        if (seen !== undefined) this.values.set(v, seen + c);
        else if (this.values.size < this.valueCap) this.values.set(v, c);
        else {
          this.values = null;
          break;
        }
      }
    } else this.values = null;
    if (this.fold && p.fold) this.fold.absorb(p.fold);
  }

  /** Keep the first pass's numbers (with their grid slots) in `spill` under `id`, for the second pass. */
  spillTo(spill: CurrentSpill, id: number): void {
    this.spill = spill;
    this.spillId = id;
  }

  private slotsFor(count: number): Uint32Array {
    if (this.slots.length < count) this.slots = new Uint32Array(Math.max(count, 256));
    return this.slots;
  }

  private countValues(values: Float64Array, count: number): void {
    const map = this.values!;
    for (let i = 0; i < count; i++) {
      const v = values[i]!;
      const seen = map.get(v);
      if (seen !== undefined) map.set(v, seen + 1);
      else if (map.size < this.valueCap) map.set(v, 1);
      else {
        this.values = null;
        return;
      }
    }
  }

  text(t: string): void {
    const v = textValue(t);
    if (v === null) this.missing++;
    else if (typeof v === 'string') this.typeErrors++;
    else {
      this.pending[this.pendingCount++] = v;
      if (this.pendingCount === this.pending.length) this.flushPending();
    }
  }

  private flushPending(): void {
    const n = this.pendingCount;
    this.pendingCount = 0;
    if (this.pass === 1) this.numbers(this.pending, n);
    else this.secondNumbers(this.pending, n);
  }

  /** The distinct current values (null once more than the cap were seen). */
  distinctValues(): number[] | null {
    return this.values ? [...this.values.keys()] : null;
  }

  /** Counts per distinct value, ascending (null when more than the cap were seen). */
  valueCounts(): Map<string, number> | null {
    if (!this.values) return null;
    const sorted = [...this.values.entries()].sort((a, b) => a[0] - b[0]);
    return new Map(sorted.map(([v, c]) => [String(v), c]));
  }

  /** End the first pass (call before reading counts, range or distinct values). */
  endFirstPass(): void {
    if (this.pass === 1 && this.pendingCount > 0) this.flushPending();
  }

  /**
   * After the first pass (KS is final then): the edges the second pass counts on, and whether it
   * must also feed W1's fold. Returns whether this column needs the second pass at all.
   */
  prepareSecondPass(edges: Float64Array | null, wasserstein: boolean): boolean {
    this.endFirstPass();
    this.pass = 2;
    this.histogram = edges ? new UniformHistogram(edges) : null;
    this.feedFold = this.fold !== null && this.fold.endFirstPass(wasserstein);
    return this.histogram !== null || this.feedFold;
  }

  /** What another thread needs for its share of the second pass (after `prepareSecondPass`). */
  secondSpec(): SecondSpec {
    return { edges: this.histogram ? this.histogram.edges : null, classes: this.feedFold ? this.fold!.classesCopy() : null, grid: this.grid.values };
  }

  /** Add another thread's share of the second pass (range-fold.ts `runSecondJob`). */
  absorbSecond(part: SecondPartial): void {
    if (part.histogram) {
      const counts = this.histogramCounts();
      for (let b = 0; b < counts.length; b++) counts[b]! += part.histogram[b]!;
    }
    if (part.distances) this.fold!.absorbDistances(part.distances);
    this.secondCount += part.count;
  }

  /** Second pass, from the spill: the first pass's finite values with their grid slots. */
  secondLocated(values: Float64Array, slots: Uint32Array, count: number): void {
    const histogram = this.histogram;
    if (histogram) for (let i = 0; i < count; i++) histogram.add(values[i]!);
    this.secondCount += count;
    if (this.feedFold) this.fold!.addLocated(values, slots, count);
  }

  /** Second pass, re-reading the current file: the same values again, located again. */
  secondNumbers(values: Float64Array, count: number): void {
    let n = 0;
    for (let i = 0; i < count; i++) {
      const v = values[i]!;
      if (v - v === 0) values[n++] = v;
    }
    const slots = this.slotsFor(n);
    if (this.fold) this.fold.locate(values, n, slots);
    this.secondLocated(values, slots, n);
  }

  secondText(t: string): void {
    const v = textValue(t);
    if (typeof v === 'number') {
      this.pending[this.pendingCount++] = v;
      if (this.pendingCount === this.pending.length) this.flushPending();
    }
  }

  /** End the second pass; throws if it saw another file than the first. */
  endSecondPass(): void {
    if (this.pass === 2 && this.pendingCount > 0) this.flushPending();
    if (this.secondCount !== this.count) throw new Error('the current file changed while it was being compared');
  }

  /** Histogram counts from the second pass. */
  histogramCounts(): Float64Array {
    if (!this.histogram) throw new Error('CurrentNumericColumn: no histogram was counted');
    return this.histogram.counts;
  }
}

/** A current column compared with a categorical reference column: counts, as ColumnBuilder keeps them. */
export class CurrentCategoricalColumn {
  readonly kind = 'categorical';
  missing = 0;
  private readonly strings = new Map<string, number>();
  private readonly numeric = new Map<number, number>();

  numbers(values: Float64Array, count: number): void {
    for (let i = 0; i < count; i++) this.number(values[i]!);
  }

  private number(v: number): void {
    if (!Number.isFinite(v)) this.missing++;
    else this.numeric.set(v, (this.numeric.get(v) ?? 0) + 1);
  }

  text(t: string): void {
    // A category seen before is its own value: count it without reading the text again.
    const known = this.strings.get(t);
    if (known !== undefined) {
      this.strings.set(t, known + 1);
      return;
    }
    const v = textValue(t);
    if (v === null) this.missing++;
    else if (typeof v === 'number') this.number(v);
    else {
      const seen = this.strings.get(v);
      if (seen !== undefined) this.strings.set(v, seen + 1);
      else if (this.strings.size < MAX_CATEGORIES) this.strings.set(v, 1);
    }
  }

  /** The counts so far, for the column of the part before. */
  partial(): ColumnPartial {
    return { kind: 'categorical', missing: this.missing, strings: [...this.strings], numeric: [...this.numeric] };
  }

  /**
   * Add the counts of the part after this column's; false when that cannot give one pass's counts
   * (more distinct strings than are tracked: which ones one pass keeps depends on the order).
   */
  absorb(p: ColumnPartial): boolean {
    if (p.kind !== 'categorical') throw new Error('CurrentCategoricalColumn.absorb: not a categorical column');
    if (this.strings.size >= MAX_CATEGORIES || p.strings.length >= MAX_CATEGORIES) return false;
    this.missing += p.missing;
    for (const [k, c] of p.strings) this.strings.set(k, (this.strings.get(k) ?? 0) + c);
    for (const [v, c] of p.numeric) this.numeric.set(v, (this.numeric.get(v) ?? 0) + c);
    return this.strings.size < MAX_CATEGORIES;
  }

  /** Strings, then numbers as String(value), in order of first appearance. */
  counts(): Map<string, number> {
    const counts = new Map(this.strings);
    for (const [v, c] of this.numeric) {
      const k = String(v);
      counts.set(k, (counts.get(k) ?? 0) + c);
    }
    return counts;
  }
}

/** A current column whose reference is free text: only its missing values are counted. */
export class CurrentTextColumn {
  readonly kind = 'text';
  missing = 0;

  numbers(values: Float64Array, count: number): void {
    for (let i = 0; i < count; i++) if (!Number.isFinite(values[i]!)) this.missing++;
  }

  text(t: string): void {
    const v = textValue(t);
    if (v === null || (typeof v === 'number' && !Number.isFinite(v))) this.missing++;
  }

  partial(): ColumnPartial {
    return { kind: 'text', missing: this.missing };
  }

  absorb(p: ColumnPartial): void {
    this.missing += p.missing;
  }
}
