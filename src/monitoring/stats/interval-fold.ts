/**
 * A current sample folded onto a sorted reference, so the exact two-sample KS statistic and the
 * exact Wasserstein-1 distance need the reference's values but never hold the current's.
 *
 * The reference's distinct values u_0 < … < u_{k−1} cut the line into the open intervals
 * I_0 = (−∞, u_0), I_j = (u_{j−1}, u_j), I_k = (u_{k−1}, ∞) and the points u_j. On I_j, F_ref
 * is a constant c and F_cur climbs from L to H.
 * - First pass (`add`): the count of current values in each interval and at each point. That is
 *   all KS needs: sup |F_ref − F_cur| is reached at an end of some interval's range of F_cur, so
 *   D = max over j of |F_ref − F_cur| just below u_j and at u_j (`ksStatistic`).
 * - W1 = Σ_j ∫_{I_j} |c − F_cur|. From the counts, `endFirstPass` classes each interval: where
 *   H ≤ c the integral is (c − H)·w + Σ (x − u_{j−1})/m over the interval's values x (w its width,
 *   m the current size); where L ≥ c it is (L − c)·w + Σ (u_j − x)/m; every term is ≥ 0, so
 *   nothing cancels. The constant parts come from the counts; the second pass (`addLocated`)
 *   takes every value again, with the interval the first pass found for it (`add`'s slots), and
 *   adds its distance. Only where F_cur crosses c inside an
 *   interval (L < c < H) are values kept, to integrate F_cur's steps exactly: crossings are few
 *   (about √k for two samples of one distribution, a handful where distributions differ), so that
 *   is a few thousand values; at worst, every current value of the crossing intervals.
 * Memory: the reference's distinct values (8 bytes each), a count per interval (4 bytes, reused
 * for the classes in the second pass), counts at points kept sparse until many points are hit,
 * and a 128 KB batch: values are located a batch of one column at a time, so the reference's
 * arrays stay in cache (rows interleave columns; locating value by value across 20 columns'
 * arrays is several times slower).
 */

import { ExactSum } from './exact-sum.js';
import { ABOVE, BELOW, CROSSING, type DistancesPart, LocatedDistances } from './located-distances.js';
import type { ReferenceGrid } from './reference-grid.js';

export { ReferenceGrid } from './reference-grid.js';

/** What one thread's first pass folded: counts inside each interval and at each point. */
export interface FoldPartial {
  open: Uint16Array | Uint32Array;
  /** Counts at the points: dense (one per distinct reference value), or [j, count] pairs when few points were hit. */
  equal: Uint32Array | [number, number][];
  folded: number;
}

let equalScratch = new Uint32Array(0);
let slotScratch = new Uint32Array(0);
function scratchSlots(n: number): Uint32Array {
  if (slotScratch.length < n) slotScratch = new Uint32Array(n);
  return slotScratch;
}

/** One current column folded onto a reference grid; see the file comment for the method. */
export class IntervalFold {
  readonly grid: ReferenceGrid;
  /** First pass: current values in I_j (index j, 0…k). */
  /** 2 bytes per interval while every count fits (about 10 values per interval in practice), then 4. */
  private open: Uint16Array | Uint32Array;
  /** Second pass: the class of I_j, in the memory of `open` (whose counts are spent by then). */
  private classes: Uint8Array | null = null;
  /** Current values equal to u_j: sparse (j → count) until many points are hit, then dense. */
  private equalSparse: Map<number, number> | null = new Map();
  private equalDense: Uint32Array | null = null;
  private folded = 0;
  private pass: 1 | 2 | 3 = 1;
  private ks = Number.NaN;
  private outside = 0;
  private readonly constants = new NeumaierSum();
  /** Exact, so the values' order (which thread read which part of the file) cannot change W1's last bits. */
  private readonly distances = new ExactSum();
  private located: LocatedDistances | null = null;
  private secondCount = 0;
  /** Crossing intervals (ascending j), where their values start in `crossingValues`, how far each is filled. */
  private crossing = new Int32Array(0);
  private crossingStart = new Int32Array(1);
  private crossingFill = new Int32Array(0);
  private crossingValues = new Float64Array(0);

  constructor(grid: ReferenceGrid) {
    if (grid.size === 0) throw new Error('IntervalFold needs a non-empty reference');
    this.grid = grid;
    this.open = new Uint16Array(grid.size + 1);
  }

  /**
   * First pass: fold values[0, count), finite current values (a batch of one column: see the file
   * comment), reordering them in place (ReferenceGrid.lowerBounds). With `slots`, where each value
   * fell is written there in the new order (2j: inside I_j, 2j + 1: on u_j), so the second pass
   * need not locate it again.
   */
  add(values: Float64Array, count = values.length, slots?: Uint32Array): void {
    this.assertPass(1, 'add');
    let open = this.open;
    // Reorders values[0, count): the slots follow the new order.
    const at = slots ?? scratchSlots(count);
    this.grid.lowerBounds(values, count, at, true);
    for (let t = 0; t < count; t++) {
      const slot = at[t]!;
      const j = slot >>> 1;
      if (slot & 1) this.addEqual(j);
      else {
        const c = open[j]! + 1;
        if (c > 0xffff && open instanceof Uint16Array) open = this.widen();
        open[j] = c;
      }
    }
    this.folded += count;
  }

  /** Counts past 65,535 in one interval: 4 bytes per interval from now on. */
  private widen(): Uint32Array {
    this.open = Uint32Array.from(this.open);
    return this.open;
  }

  /** This fold's first-pass counts, to be absorbed by the fold of another thread (this one is spent). */
  partial(): FoldPartial {
    this.assertPass(1, 'partial');
    this.pass = 3;
    return { open: this.open, equal: this.equalDense ?? [...this.equalSparse!], folded: this.folded };
  }

  /** Add the first-pass counts another thread folded from another part of the same file. */
  absorb(partial: FoldPartial): void {
    this.assertPass(1, 'absorb');
    let open = this.open;
    if (partial.open.length !== open.length) throw new Error('IntervalFold.absorb: folded on another grid');
    for (let j = 0; j < open.length; j++) {
      const c = open[j]! + partial.open[j]!;
      if (c > 0xffff && open instanceof Uint16Array) open = this.widen();
      open[j] = c;
    }
    const add = (j: number, c: number) => {
      if (this.equalDense) this.equalDense[j]! += c;
      else this.equalSparse!.set(j, (this.equalSparse!.get(j) ?? 0) + c);
    };
    const equal = partial.equal;
    if (Array.isArray(equal)) for (const [j, c] of equal) add(j, c);
    else for (let j = 0; j < equal.length; j++) if (equal[j]! > 0) add(j, equal[j]!);
    if (this.equalSparse && this.equalSparse.size > 64 && this.equalSparse.size > this.grid.size >>> 4) {
      this.equalDense = this.equalCounts().slice();
      this.equalSparse = null;
    }
    this.folded += partial.folded;
  }

  /** Where values[0, count) fall, as slots (see `add`). */
  locate(values: Float64Array, count: number, slots: Uint32Array): void {
    const grid = this.grid;
    const u = grid.values;
    for (let t = 0; t < count; t++) {
      const x = values[t]!;
      const j = grid.lowerBound(x);
      slots[t] = u[j] === x ? 2 * j + 1 : 2 * j;
    }
  }

  /** Current values folded in the first pass. */
  get count(): number {
    return this.folded;
  }

  /** Current values below the reference's minimum or above its maximum (after `endFirstPass`). */
  get outsideRange(): number {
    this.assertPass(2, 'outsideRange');
    return this.outside;
  }

  /** The exact two-sample KS statistic sup |F_ref − F_cur|, as scipy.stats.ks_2samp's (after `endFirstPass`). */
  ksStatistic(): number {
    this.assertPass(2, 'ksStatistic');
    return this.ks;
  }

  /**
   * End the first pass: KS and the out-of-range count are final. With `wasserstein`, prepare the
   * second pass W1 needs and return true (every current value must then go to `addLocated`).
   */
  endFirstPass(wasserstein: boolean): boolean {
    this.assertPass(1, 'endFirstPass');
    this.pass = 2;
    const k = this.grid.size;
    const m = this.folded;
    const equal = this.equalCounts();
    this.equalSparse = null;
    this.equalDense = null;
    this.outside = this.open[0]! + this.open[k]!;
    if (m === 0) return false;
    this.ks = this.ksFromCounts(equal);
    if (!wasserstein) return false;
    this.classify(equal);
    return true;
  }

  /** Second pass: every finite current value once more, values[0, count) at a time. */
  addValues(values: Float64Array, count = values.length): void {
    const slots = new Uint32Array(count);
    this.locate(values, count, slots);
    this.addLocated(values, slots, count);
  }

  /** Second pass with the slots the first pass (or `locate`) gave the values. */
  addLocated(values: Float64Array, slots: Uint32Array, count: number): void {
    this.assertPass(2, 'addLocated');
    if (!this.classes) return;
    this.located ??= new LocatedDistances(this.grid.values, this.classes, (j, x) => this.keepCrossing(j, x));
    this.located.add(values, slots, count);
    this.secondCount += count;
  }

  /** The interval classes another thread's second pass needs (a copy; null unless W1 is wanted). */
  classesCopy(): Uint8Array | null {
    return this.classes ? this.classes.slice() : null;
  }

  /** Add another thread's second pass over its values (LocatedDistances.part). */
  absorbDistances(part: DistancesPart): void {
    this.assertPass(2, 'absorbDistances');
    this.distances.addExact(part.distances);
    const pairs = part.crossing;
    for (let i = 0; i < pairs.length; i += 2) this.keepCrossing(pairs[i]!, pairs[i + 1]!);
    this.secondCount += part.count;
  }

  /** The exact first Wasserstein distance ∫|F_ref − F_cur| (after the second pass). */
  wasserstein(): number {
    if (this.pass === 2) {
      if (!this.classes) throw new Error('IntervalFold.wasserstein: endFirstPass(true) was not called');
      if (this.secondCount !== this.folded) throw new Error('IntervalFold: the second pass saw other values than the first');
      this.pass = 3;
    }
    this.assertPass(3, 'wasserstein');
    const u = this.grid.values;
    const n = this.grid.count;
    const m = this.folded;
    const sum = new NeumaierSum();
    if (this.located) this.distances.addExact(this.located.distances.exactTotal());
    this.located = null;
    sum.add(this.constants.value);
    sum.add(this.distances.value / m);
    for (let t = 0; t < this.crossing.length; t++) {
      const j = this.crossing[t]!;
      const from = this.crossingStart[t]!;
      const to = this.crossingStart[t + 1]!;
      if (this.crossingFill[t] !== to) throw new Error('IntervalFold: the second pass saw other values than the first');
      // F_cur crosses c inside I_j: integrate its steps at the interval's values.
      const c = this.grid.cumulative(j - 1) / n;
      const values = this.crossingValues.subarray(from, to).sort();
      let prev = u[j - 1]!;
      let below = this.crossingBelow[t]!;
      for (const y of values) {
        sum.add(Math.abs(c - below / m) * (y - prev));
        below++;
        prev = y;
      }
      sum.add(Math.abs(c - below / m) * (u[j]! - prev));
    }
    return sum.value;
  }

  /** Current values ≤ u_{j−1} for each crossing interval (where F_cur starts in it). */
  private crossingBelow = new Float64Array(0);

  private assertPass(pass: 1 | 2 | 3, what: string): void {
    if (this.pass < pass || (pass === 1 && this.pass !== 1)) throw new Error(`IntervalFold.${what}: called in pass ${this.pass}`);
  }

  private addEqual(j: number): void {
    if (this.equalDense) {
      this.equalDense[j]!++;
      return;
    }
    const sparse = this.equalSparse!;
    sparse.set(j, (sparse.get(j) ?? 0) + 1);
    if (sparse.size > 64 && sparse.size > this.grid.size >>> 4) {
      this.equalDense = new Uint32Array(this.grid.size);
      for (const [at, c] of sparse) this.equalDense[at] = c;
      this.equalSparse = null;
    }
  }

  // Dense counts at the points for endFirstPass: the dense array itself, or the sparse counts laid
  // out in a scratch array every fold reuses (folds end one after another), not 4 bytes per
  // reference value per column left as garbage.
  private equalCounts(): Uint32Array {
    if (this.equalDense) return this.equalDense;
    const k = this.grid.size;
    if (equalScratch.length < k) equalScratch = new Uint32Array(k);
    const dense = equalScratch.subarray(0, k);
    dense.fill(0);
    for (const [at, c] of this.equalSparse!) dense[at] = c;
    return dense;
  }

  private ksFromCounts(equal: Uint32Array): number {
    const n = this.grid.count;
    const m = this.folded;
    const k = this.grid.size;
    let d = 0;
    let below = 0; // current values < u_j, then ≤ u_j
    for (let j = 0; j < k; j++) {
      below += this.open[j]!;
      const before = Math.abs(this.grid.cumulative(j - 1) / n - below / m);
      if (before > d) d = before;
      below += equal[j]!;
      const at = Math.abs(this.grid.cumulative(j) / n - below / m);
      if (at > d) d = at;
    }
    return d;
  }

  // Class every interval, add the constant parts, lay out the crossing intervals' values.
  private classify(equal: Uint32Array): void {
    const u = this.grid.values;
    const n = this.grid.count;
    const m = this.folded;
    const k = u.length;
    const open = this.open;
    // Byte j of this view lies in open[j >> 1] (2-byte counts) or open[j >> 2], already read (at
    // an earlier step, or before the loop for j < 2) when class j is written: the counts are spent
    // before they are overwritten.
    const classes = new Uint8Array(open.buffer, open.byteOffset, k + 1);
    const crossing: number[] = [];
    const starts: number[] = [0];
    const belowAt: number[] = [];
    let le = open[0]! + equal[0]!; // current values ≤ u_{j−1}
    classes[0] = ABOVE; // F_ref = 0 below the reference: F_cur ≥ it
    for (let j = 1; j < k; j++) {
      const inside = open[j]!;
      const c = this.grid.cumulative(j - 1) / n;
      const w = u[j]! - u[j - 1]!;
      const low = le / m;
      const high = (le + inside) / m;
      if (high <= c) {
        classes[j] = BELOW;
        this.constants.add((c - high) * w);
      } else if (low >= c) {
        classes[j] = ABOVE;
        this.constants.add((low - c) * w);
      } else {
        classes[j] = CROSSING;
        crossing.push(j);
        belowAt.push(le);
        starts.push(starts[starts.length - 1]! + inside);
      }
      le += inside + equal[j]!;
    }
    classes[k] = BELOW; // F_ref = 1 above the reference: F_cur ≤ it
    this.classes = classes;
    this.crossing = Int32Array.from(crossing);
    this.crossingStart = Int32Array.from(starts);
    this.crossingFill = this.crossingStart.slice(0, crossing.length);
    this.crossingBelow = Float64Array.from(belowAt);
    this.crossingValues = new Float64Array(starts[starts.length - 1]!);
  }

  private keepCrossing(j: number, x: number): void {
    const crossing = this.crossing;
    let lo = 0;
    let hi = crossing.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (crossing[mid]! < j) lo = mid + 1;
      else hi = mid;
    }
    const at = this.crossingFill[lo]!;
    // More values than the first pass counted there: the data changed between the passes.
    if (crossing[lo] !== j || at >= this.crossingStart[lo + 1]!) throw new Error('IntervalFold: the second pass saw other values than the first');
    this.crossingValues[at] = x;
    this.crossingFill[lo] = at + 1;
  }
}

/** Compensated summation (Neumaier): the total is as exact as the terms. */
class NeumaierSum {
  private sum = 0;
  private compensation = 0;

  add(x: number): void {
    const t = this.sum + x;
    if (Math.abs(this.sum) >= Math.abs(x)) this.compensation += this.sum - t + x;
    else this.compensation += x - t + this.sum;
    this.sum = t;
  }

  get value(): number {
    return this.sum + this.compensation;
  }
}
