import type { CategoryCounts } from '../stats/drift-tests.js';
import { sturgesEdges, UniformHistogram } from '../stats/drift-tests.js';
import type { IntervalFold } from '../stats/interval-fold.js';
import type { NumericPair, SturgesCounts } from '../stats/numeric-pair.js';
import type { CurrentNumericColumn } from './current-columns.js';

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
