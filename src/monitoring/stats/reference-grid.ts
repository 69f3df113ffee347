/**
 * A sorted reference column as the interval fold (interval-fold.ts) reads it: its distinct values,
 * how many reference values are at or below each, and a bucket table over the value range that
 * starts each search near its answer.
 */
/** A sorted reference column as its distinct values and how many reference values are at or below each. */
export class ReferenceGrid {
  /** Distinct values, ascending. */
  readonly values: Float64Array;
  /** Reference values ≤ values[i]; null when every value is distinct (then it is i + 1). */
  private readonly atOrBelow: Uint32Array | null;
  /** Reference size. */
  readonly count: number;

  private constructor(values: Float64Array, atOrBelow: Uint32Array | null, count: number) {
    this.values = values;
    this.atOrBelow = atOrBelow;
    this.count = count;
  }

  /** Build from an ascending array of finite values; the array is reused (not copied) when its values are distinct. */
  static fromSorted(sorted: Float64Array): ReferenceGrid {
    const n = sorted.length;
    let distinct = n > 0 ? 1 : 0;
    for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
    if (distinct === n) return new ReferenceGrid(sorted, null, n);
    // In the kind of memory the values came in (shared: for worker threads).
    const shared = sorted.buffer instanceof SharedArrayBuffer;
    const values = shared ? new Float64Array(new SharedArrayBuffer(distinct * 8)) : new Float64Array(distinct);
    const cumulative = shared ? new Uint32Array(new SharedArrayBuffer(distinct * 4)) : new Uint32Array(distinct);
    let k = -1;
    for (let i = 0; i < n; i++) {
      if (k < 0 || sorted[i] !== values[k]) values[++k] = sorted[i]!;
      cumulative[k] = i + 1;
    }
    return new ReferenceGrid(values, cumulative, n);
  }

  /** A grid from the arrays another grid exposes (`parts`), e.g. in another thread's shared memory. */
  static fromParts(parts: GridParts): ReferenceGrid {
    return new ReferenceGrid(parts.values, parts.atOrBelow, parts.count);
  }

  /** The arrays behind this grid (not copied). */
  parts(): GridParts {
    return { values: this.values, atOrBelow: this.atOrBelow, count: this.count };
  }

  /** The arrays behind this grid in shared memory (copied there unless they are), so other threads read them in place. */
  shareParts(): GridParts {
    const share = <T extends Float64Array | Uint32Array>(a: T, make: (b: SharedArrayBuffer) => T): T => {
      if (a.buffer instanceof SharedArrayBuffer) return a;
      const copy = make(new SharedArrayBuffer(a.byteLength));
      copy.set(a);
      return copy;
    };
    return {
      values: share(this.values, (b) => new Float64Array(b)),
      atOrBelow: this.atOrBelow ? share(this.atOrBelow, (b) => new Uint32Array(b)) : null,
      count: this.count,
    };
  }

  /** Number of distinct values. */
  get size(): number {
    return this.values.length;
  }

  /** Reference values ≤ the i-th distinct value (0 for i = −1). */
  cumulative(i: number): number {
    if (i < 0) return 0;
    return this.atOrBelow ? this.atOrBelow[i]! : i + 1;
  }

  /** Reference values equal to the i-th distinct value. */
  multiplicity(i: number): number {
    return this.atOrBelow ? this.atOrBelow[i]! - (i > 0 ? this.atOrBelow[i - 1]! : 0) : 1;
  }

  /** Index of the first distinct value ≥ x (size when none). */
  lowerBound(x: number): number {
    const v = this.values;
    const k = v.length;
    if (!(x > v[0]!)) return 0;
    if (x > v[k - 1]!) return k;
    let lo = 0;
    let hi = k;
    const buckets = this.buckets ?? this.buildBuckets();
    if (buckets.length > 1) {
      // Start from x's bucket of the value range; the bounds are checked, so rounding in the
      // bucket arithmetic can only cost a full search, never a wrong answer.
      const nb = buckets.length - 1;
      let b = Math.floor((x - v[0]!) * this.bucketScale);
      if (b >= nb) b = nb - 1;
      const blo = buckets[b]!;
      const bhi = buckets[b + 1]!;
      if ((blo === 0 || v[blo - 1]! < x) && (bhi === k || v[bhi]! >= x)) {
        lo = blo;
        hi = bhi;
      }
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * lowerBound of each of values[0, count), into out[0, count), reordering the values (in place)
   * by their bucket first: a batch then walks the grid's arrays in order instead of jumping all
   * over them, which costs a cache miss per step once a few columns' grids outgrow the cache.
   */
  lowerBounds(values: Float64Array, count: number, out: Uint32Array): void {
    const v = this.values;
    const k = v.length;
    const buckets = this.buckets ?? this.buildBuckets();
    const nb = buckets.length - 1;
    if (nb < 1 || count < 256) {
      for (let t = 0; t < count; t++) out[t] = this.lowerBound(values[t]!);
      return;
    }
    // Counting sort by key: 0 at or below the minimum, 1 + group of 2^SORT_SHIFT buckets inside,
    // groups + 1 above the maximum (groups: about as local as buckets, for a quarter of the counting).
    const first = v[0]!;
    const last = v[k - 1]!;
    const scale = this.bucketScale;
    const groups = (nb >>> SORT_SHIFT) + 1;
    const starts = scratchStarts(groups + 3);
    const keys = scratchKeys(count);
    const sorted = scratchValues(count);
    for (let t = 0; t < count; t++) {
      const x = values[t]!;
      let key: number;
      if (!(x > first)) key = 0;
      else if (x > last) key = groups + 1;
      else {
        key = Math.floor((x - first) * scale);
        key = (key >= nb ? nb - 1 : key) >>> SORT_SHIFT;
        key += 1;
      }
      keys[t] = key;
      starts[key + 1]!++;
    }
    for (let b = 1; b < groups + 3; b++) starts[b]! += starts[b - 1]!;
    for (let t = 0; t < count; t++) sorted[starts[keys[t]!]!++] = values[t]!;
    starts.fill(0, 0, groups + 3);
    values.set(sorted.subarray(0, count));
    for (let t = 0; t < count; t++) {
      const x = values[t]!;
      if (!(x > first)) {
        out[t] = 0;
        continue;
      }
      if (x > last) {
        out[t] = k;
        continue;
      }
      let b = Math.floor((x - first) * scale);
      if (b >= nb) b = nb - 1;
      let lo = buckets[b]!;
      let hi = buckets[b + 1]!;
      if (!((lo === 0 || v[lo - 1]! < x) && (hi === k || v[hi]! >= x))) {
        lo = 0;
        hi = k;
      }
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (v[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      out[t] = lo;
    }
  }

  private buckets: Uint32Array | null = null;
  private bucketScale = 0;

  // About 8 distinct values per bucket of the value range (at most 2^16 buckets).
  private buildBuckets(): Uint32Array {
    const v = this.values;
    const k = v.length;
    const nb = k < 32 ? 0 : Math.min(1 << 16, k >>> 3);
    const buckets = new Uint32Array(nb + 1);
    if (nb > 0) {
      this.bucketScale = nb / (v[k - 1]! - v[0]!);
      let j = 0;
      for (let b = 0; b < nb; b++) {
        const start = v[0]! + b / this.bucketScale;
        while (j < k && v[j]! < start) j++;
        buckets[b] = j;
      }
      buckets[nb] = k;
    }
    this.buckets = buckets;
    return buckets;
  }
}

const SORT_SHIFT = 2;

// Scratch arrays of lowerBounds, one set per thread (grids are searched one batch at a time).
let starts = new Uint32Array(0);
let keys = new Uint32Array(0);
let sortedValues = new Float64Array(0);
function scratchStarts(n: number): Uint32Array {
  if (starts.length < n) starts = new Uint32Array(n);
  return starts;
}
function scratchKeys(n: number): Uint32Array {
  if (keys.length < n) keys = new Uint32Array(n);
  return keys;
}
function scratchValues(n: number): Float64Array {
  if (sortedValues.length < n) sortedValues = new Float64Array(n);
  return sortedValues;
}

/** The arrays of a ReferenceGrid, as they travel between threads. */
export interface GridParts {
  values: Float64Array;
  atOrBelow: Uint32Array | null;
  count: number;
}

