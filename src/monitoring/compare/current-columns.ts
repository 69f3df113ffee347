import type { CategoryCounts } from '../stats/drift-tests.js';
import { sturgesEdges, UniformHistogram } from '../stats/drift-tests.js';
import { IntervalFold, type ReferenceGrid } from '../stats/interval-fold.js';
import type { NumericPair, SturgesCounts } from '../stats/numeric-pair.js';
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

// Distinct current values tracked by default: enough to know whether reference ∪ current has at
// most 5 values (Evidently's test choice); beyond that no default test reads per-value counts.
const DEFAULT_VALUE_CAP = 6;
// Distinct strings tracked per column, as ColumnBuilder (the rest are counted, not named).
const MAX_CATEGORIES = 100_000;

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
    private readonly valueCap = DEFAULT_VALUE_CAP,
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
    const v = textValue(t);
    if (v === null) this.missing++;
    else if (typeof v === 'number') this.number(v);
    else {
      const seen = this.strings.get(v);
      if (seen !== undefined) this.strings.set(v, seen + 1);
      else if (this.strings.size < MAX_CATEGORIES) this.strings.set(v, 1);
    }
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
}

/** The Sturges edges over reference ∪ current for a folded column (null when a side is empty). */
export function foldedSturgesEdges(column: CurrentNumericColumn): Float64Array | null {
  const u = column.grid.values;
  if (u.length === 0 || column.count === 0) return null;
  return sturgesEdges(Math.min(u[0]!, column.min), Math.max(u[u.length - 1]!, column.max), column.grid.count + column.count);
}

/** A reference grid and a folded current column, read by the numeric tests (after the second pass). */
export class FoldedPair implements NumericPair {
  constructor(
    private readonly column: CurrentNumericColumn,
    private readonly std: number,
    private readonly edges: Float64Array | null,
  ) {}

  get referenceCount(): number {
    return this.column.grid.count;
  }

  get currentCount(): number {
    return this.column.count;
  }

  distinctUnion(cap: number): number {
    const grid = this.column.grid;
    const extra = this.column.distinctValues();
    if (extra === null) return cap + 1;
    let n = grid.size;
    for (const v of extra) {
      const i = grid.lowerBound(v);
      if (i >= grid.size || grid.values[i] !== v) n++;
    }
    return Math.min(n, cap + 1);
  }

  referenceDistinct(cap: number): number {
    return Math.min(this.column.grid.size, cap + 1);
  }

  ksStatistic(): number {
    return this.fold().ksStatistic();
  }

  wasserstein(): number {
    return this.fold().wasserstein();
  }

  private fold(): IntervalFold {
    if (!this.column.fold) throw new Error('FoldedPair: the reference column has no values');
    return this.column.fold;
  }

  referenceStd(): number {
    return this.std;
  }

  valueCounts(): { ref: CategoryCounts; cur: CategoryCounts } {
    const cur = this.column.valueCounts();
    if (!cur) throw new Error('FoldedPair: per-value counts of the current column were not kept');
    const grid = this.column.grid;
    const ref = new Map<string, number>();
    for (let i = 0; i < grid.size; i++) ref.set(String(grid.values[i]!), grid.multiplicity(i));
    return { ref, cur };
  }

  sturgesCounts(): SturgesCounts {
    if (!this.edges) throw new Error('FoldedPair: no histogram edges (an empty side)');
    const grid = this.column.grid;
    const ref = new UniformHistogram(this.edges);
    for (let i = 0; i < grid.size; i++) ref.add(grid.values[i]!, grid.multiplicity(i));
    return { edges: this.edges, ref: ref.counts, cur: this.column.histogramCounts() };
  }
}
