import { ExactSum } from './exact-sum.js';

// Classes of an interval for W1 (see interval-fold.ts).
export const BELOW = 0;
export const ABOVE = 1;
export const CROSSING = 2;

/** One thread's share of W1's second pass, as it travels to the thread that holds the fold. */
export interface DistancesPart {
  /** The exact sum of the distances, in units of 2^−1074 (ExactSum.exactTotal). */
  distances: bigint;
  /** Values inside crossing intervals, as (interval, value) pairs. */
  crossing: Float64Array;
  /** Values taken. */
  count: number;
}

/**
 * The second pass of an IntervalFold over some of the current values: each value with the slot
 * the first pass found for it adds its distance to the interval's nearer end (exactly, so parts
 * from several threads sum to what one thread gets), and a value inside a crossing interval goes
 * to `onCrossing`, or is kept as a pair for the fold's thread when there is none.
 */
export class LocatedDistances {
  readonly distances = new ExactSum();
  count = 0;
  private crossing: number[] = [];

  constructor(
    private readonly u: Float64Array,
    private readonly classes: Uint8Array,
    private readonly onCrossing?: (j: number, x: number) => void,
  ) {}

  /** Take values[0, count) with their slots (2j: inside I_j, 2j + 1: on u_j). */
  add(values: Float64Array, slots: Uint32Array, count: number): void {
    const { u, classes, distances } = this;
    for (let t = 0; t < count; t++) {
      const slot = slots[t]!;
      if (slot & 1) continue; // on a point: no area of its own
      const j = slot >>> 1;
      const x = values[t]!;
      const cls = classes[j]!;
      if (cls === BELOW) distances.add(x - u[j - 1]!);
      else if (cls === ABOVE) distances.add(u[j]! - x);
      else if (this.onCrossing) this.onCrossing(j, x);
      else this.crossing.push(j, x);
    }
    this.count += count;
  }

  /** What this part gathered, for the fold's thread (IntervalFold.absorbDistances). */
  part(): DistancesPart {
    return { distances: this.distances.exactTotal(), crossing: Float64Array.from(this.crossing), count: this.count };
  }
}
