import { type CategoryCounts, histogramCounts, populationStd, sturgesEdges, wasserstein } from './drift-tests.js';
import { ksStatistic } from './ks-two-sample.js';

/**
 * A numeric column of both datasets as the numeric tests read it, whatever holds the values:
 * two sorted samples (`SortedPair`), or a reference and a current stream folded onto it
 * (`FoldedPair` in compare/). Every method is exact.
 */
export interface NumericPair {
  readonly referenceCount: number;
  readonly currentCount: number;
  /** Distinct values in reference ∪ current, counting no further than cap + 1. */
  distinctUnion(cap: number): number;
  /** Distinct reference values, counting no further than cap + 1. */
  referenceDistinct(cap: number): number;
  /** Two-sample KS statistic sup |F_ref − F_cur|. */
  ksStatistic(): number;
  /** First Wasserstein distance ∫|F_ref − F_cur| (not normed). */
  wasserstein(): number;
  /** Population standard deviation of the reference (numpy.std). */
  referenceStd(): number;
  /** Counts per distinct value, keyed as String(value) (pandas' value counts). */
  valueCounts(): { ref: CategoryCounts; cur: CategoryCounts };
  /** Counts on Sturges bin edges over reference ∪ current (numpy's 'sturges' bins and histogram). */
  sturgesCounts(): SturgesCounts;
}

/** Counts of both sides on common Sturges edges. */
export interface SturgesCounts {
  edges: Float64Array;
  ref: Float64Array;
  cur: Float64Array;
}

/** Distinct values in the union of two sorted arrays, counting no further than `cap` + 1. */
export function distinctUnion(a: Float64Array, b: Float64Array, cap = Infinity): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while ((i < a.length || j < b.length) && n <= cap) {
    const x = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    n++;
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
  }
  return n;
}

/** Counts per distinct value of a sorted array, keyed as String(value). */
export function sortedValueCounts(sorted: Float64Array): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of sorted) {
    const k = String(v);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** A numeric pair held as two ascending arrays of finite values. */
export class SortedPair implements NumericPair {
  constructor(
    readonly ref: Float64Array,
    readonly cur: Float64Array,
  ) {}

  get referenceCount(): number {
    return this.ref.length;
  }

  get currentCount(): number {
    return this.cur.length;
  }

  distinctUnion(cap: number): number {
    return distinctUnion(this.ref, this.cur, cap);
  }

  referenceDistinct(cap: number): number {
    return distinctUnion(this.ref, new Float64Array(0), cap);
  }

  ksStatistic(): number {
    return ksStatistic(this.ref, this.cur);
  }

  wasserstein(): number {
    return wasserstein(this.ref, this.cur);
  }

  referenceStd(): number {
    return populationStd(this.ref);
  }

  valueCounts(): { ref: CategoryCounts; cur: CategoryCounts } {
    return { ref: sortedValueCounts(this.ref), cur: sortedValueCounts(this.cur) };
  }

  sturgesCounts(): SturgesCounts {
    const a = this.ref;
    const b = this.cur;
    const edges = sturgesEdges(Math.min(a[0]!, b[0]!), Math.max(a[a.length - 1]!, b[b.length - 1]!), a.length + b.length);
    return { edges, ref: histogramCounts(a, edges), cur: histogramCounts(b, edges) };
  }
}
