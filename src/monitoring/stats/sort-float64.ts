/**
 * In-place ascending sort of finite doubles (LSD radix sort on the IEEE bits, 16 bits per pass).
 * V8's TypedArray#sort copies into a generic array and merge-sorts; this is several times faster
 * for the million-value columns the drift tests sort.
 */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < 512 || !LITTLE_ENDIAN) return values.sort();
  const src = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  // Map each double to an unsigned key that orders like the number: flip all bits of negatives,
  // only the sign bit of positives.
  for (let i = 0; i < n; i++) {
    const hi = src[2 * i + 1]!;
    if (hi & 0x80000000) {
      src[2 * i] = ~src[2 * i]! >>> 0;
      src[2 * i + 1] = ~hi >>> 0;
    } else {
      src[2 * i + 1] = (hi | 0x80000000) >>> 0;
    }
  }
  let a: Uint32Array = src;
  const { buffer: b0, counts } = scratchFor(n);
  let b: Uint32Array = b0;
  for (let pass = 0; pass < 4; pass++) {
    const word = pass < 2 ? 0 : 1;
    const shift = (pass % 2) * 16;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(a[2 * i + word]! >>> shift) & 0xffff]!++;
    let sum = 0;
    for (let k = 0; k < 65536; k++) {
      const c = counts[k]!;
      counts[k] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const d = counts[(a[2 * i + word]! >>> shift) & 0xffff]!++;
      b[2 * d] = a[2 * i]!;
      b[2 * d + 1] = a[2 * i + 1]!;
    }
    [a, b] = [b, a];
  }
  // Four passes: the sorted keys are back in `src`'s buffer (a === src).
  for (let i = 0; i < n; i++) {
    const hi = a[2 * i + 1]!;
    if (hi & 0x80000000) {
      a[2 * i + 1] = (hi & 0x7fffffff) >>> 0;
    } else {
      a[2 * i] = ~a[2 * i]! >>> 0;
      a[2 * i + 1] = ~hi >>> 0;
    }
  }
  return values;
}

// One scratch buffer, reused by consecutive sorts (a dataset's columns one after another) instead
// of a new one per call that lingers as garbage; held weakly, so an idle process does not keep it.
let scratch: WeakRef<{ buffer: Uint32Array; counts: Uint32Array }> | null = null;

function scratchFor(n: number): { buffer: Uint32Array; counts: Uint32Array } {
  const cached = scratch?.deref();
  if (cached && cached.buffer.length >= n * 2) return { buffer: cached.buffer.subarray(0, n * 2), counts: cached.counts };
  const fresh = { buffer: new Uint32Array(n * 2), counts: new Uint32Array(65536) };
  scratch = new WeakRef(fresh);
  return fresh;
}
