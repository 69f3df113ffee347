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
    const grid = new ReferenceGrid(parts.values, parts.atOrBelow, parts.count);
    if (parts.buckets) grid.useBuckets(parts.buckets, parts.bucketScale ?? 0);
    return grid;
  }

  /** The arrays behind this grid (not copied). */
  parts(): GridParts {
    return { values: this.values, atOrBelow: this.atOrBelow, count: this.count, buckets: this.buckets, bucketScale: this.bucketScale };
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
      buckets: share(this.buckets ?? this.buildBuckets(true), (b) => new Uint32Array(b)),
      bucketScale: this.bucketScale,
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
    const buckets = this.buckets ?? this.buildBuckets();
    const nb = buckets.length - 1;
    let b = ((x - v[0]!) * this.bucketScale) | 0;
    if (b >= nb) b = nb - 1;
    return search(v, x, buckets[b]!, buckets[b + 1]!);
  }

  /**
   * lowerBound of each of values[0, count), into out[0, count), reordering the values (in place)
   * by their bucket first: a batch then walks the grid's arrays in order instead of jumping all
   * over them, which costs a cache miss per step once a few columns' grids outgrow the cache.
   * With `slots`, out[t] is 2j + 1 when the value equals values[j], else 2j (j its lowerBound).
   */
  lowerBounds(values: Float64Array, count: number, out: Uint32Array, slots = false): void {
    const v = this.values;
    const k = v.length;
    const buckets = this.buckets ?? this.buildBuckets();
    const nb = buckets.length - 1;
    if (nb < 2 || count < 256) {
      for (let t = 0; t < count; t++) {
        const x = values[t]!;
        const j = this.lowerBound(x);
        out[t] = slots ? 2 * j + (v[j] === x ? 1 : 0) : j;
      }
      return;
    }
    // Counting sort by key (0: at or below the minimum, 1 + bucket inside, nb + 1: above the
    // maximum) in groups of 2^shift keys, which are about as local as buckets for less counting;
    // the keys follow the values, so the search need not compute them again.
    const first = v[0]!;
    const last = v[k - 1]!;
    const scale = this.bucketScale;
    const shift = this.groupShift;
    const groups = ((nb + 1) >>> shift) + 1;
    const starts = scratchStarts(groups + 1);
    const keys = scratchKeys(2 * count);
    const sorted = scratchValues(count);
    for (let t = 0; t < count; t++) {
      const x = values[t]!;
      let key: number;
      if (!(x > first)) key = 0;
      else if (x > last) key = nb + 1;
      else {
        key = ((x - first) * scale) | 0;
        key = key >= nb ? nb : key + 1;
      }
      keys[t] = key;
      starts[(key >>> shift) + 1]!++;
    }
    for (let g = 1; g <= groups; g++) starts[g]! += starts[g - 1]!;
    for (let t = 0; t < count; t++) {
      const key = keys[t]!;
      const at = starts[key >>> shift]!++;
      sorted[at] = values[t]!;
      keys[count + at] = key;
    }
    starts.fill(0, 0, groups + 1);
    values.set(sorted.subarray(0, count));
    for (let t = 0; t < count; t++) {
      const key = keys[count + t]!;
      let j: number;
      if (key === 0) j = 0;
      else if (key > nb) j = k;
      else {
        const x = values[t]!;
        j = buckets[key - 1]!;
        const hi = buckets[key]!;
        if (hi - j <= LINEAR) while (v[j]! < x) j++;
        else j = search(v, x, j, hi);
      }
      out[t] = slots ? 2 * j + (v[j] === values[t] ? 1 : 0) : j;
    }
  }

  private buckets: Uint32Array | null = null;
  private bucketScale = 0;
  private groupShift = 0;

  /**
   * Equal-width buckets over (values[0], values[size − 1]]: a value x inside has bucket
   * b(x) = min(nb − 1, trunc((x − values[0]) · scale)), and buckets[b] is the first index whose
   * value has a bucket ≥ b. b is monotone in x (each step rounds monotonically), so every value
   * before buckets[b(x)] is < x and every value from buckets[b(x) + 1] on is > x: lowerBound(x) is
   * in [buckets[b(x)], buckets[b(x) + 1]], whatever the rounding. A grid with no such scale (too few
   * values, a range that overflows, or one so narrow its scale does) has a single bucket.
   */
  private buildBuckets(shared = false): Uint32Array {
    const v = this.values;
    const k = v.length;
    let nb = k < 32 ? 1 : Math.min(MAX_BUCKETS, nextPowerOfTwo(k * BUCKETS_PER_VALUE));
    let scale = nb / (v[k - 1]! - v[0]!);
    if (!(scale < Infinity && scale > 0)) {
      nb = 1;
      scale = 0;
    }
    const buckets = shared ? new Uint32Array(new SharedArrayBuffer((nb + 1) * 4)) : new Uint32Array(nb + 1);
    const first = v[0]!;
    let b = 0;
    for (let i = 0; i < k; i++) {
      let key = ((v[i]! - first) * scale) | 0;
      if (key >= nb) key = nb - 1;
      while (b <= key) buckets[b++] = i;
    }
    while (b <= nb) buckets[b++] = k;
    this.useBuckets(buckets, scale);
    return buckets;
  }

  private useBuckets(buckets: Uint32Array, scale: number): void {
    this.buckets = buckets;
    this.bucketScale = scale;
    this.groupShift = Math.max(0, Math.log2(buckets.length - 1) - GROUP_BITS);
  }
}

/** lowerBound within values[lo, hi], which holds it. */
function search(v: Float64Array, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function nextPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}

// About one bucket per distinct value (a power of two, at most 2^16: 256 KB), searched linearly
// when a bucket holds at most LINEAR values, else by halving; batches are sorted by groups of
// buckets, 2^GROUP_BITS groups at most.
const BUCKETS_PER_VALUE = 1;
const MAX_BUCKETS = 1 << 16;
const GROUP_BITS = 12;
const LINEAR = 8;

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
  /** The bucket table and its scale, when built (then the grid that reads them need not build its own). */
  buckets?: Uint32Array | null;
  bucketScale?: number;
}

