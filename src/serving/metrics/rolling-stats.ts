/** Per-second counters of one variant over a sliding window, for the UI's live charts. */
export interface StatsPoint {
  /** Epoch seconds. */
  t: number;
  requests: number;
  errors: number;
  /** Mean and approximate 99th percentile latency in ms (0 when no request). */
  meanMs: number;
  p99Ms: number;
}

// Log-spaced latency buckets (ms) keep the p99 estimate within one bucket at O(1) memory per second.
const BUCKETS = [0.1, 0.2, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 25, 50, 75, 100, 250, 500, 1000, 2500, 5000, 10000, Infinity];

interface Slot {
  t: number;
  requests: number;
  errors: number;
  sumMs: number;
  hist: Uint32Array;
}

/** A ring of per-second slots; older seconds are overwritten, so memory stays fixed. */
export class RollingStats {
  private readonly slots: Slot[];

  constructor(private readonly windowSeconds = 300, private readonly now: () => number = Date.now) {
    this.slots = Array.from({ length: windowSeconds }, () => ({ t: -1, requests: 0, errors: 0, sumMs: 0, hist: new Uint32Array(BUCKETS.length) }));
  }

  add(latencyMs: number, failed: boolean): void {
    const t = Math.floor(this.now() / 1000);
    const slot = this.slots[t % this.windowSeconds]!;
    if (slot.t !== t) {
      slot.t = t;
      slot.requests = 0;
      slot.errors = 0;
      slot.sumMs = 0;
      slot.hist.fill(0);
    }
    slot.requests++;
    if (failed) slot.errors++;
    slot.sumMs += latencyMs;
    let b = 0;
    while (latencyMs > BUCKETS[b]!) b++;
    slot.hist[b]!++;
  }

  /** Points for the last `seconds` seconds, oldest first, including empty seconds. */
  series(seconds = this.windowSeconds): StatsPoint[] {
    const end = Math.floor(this.now() / 1000);
    const out: StatsPoint[] = [];
    for (let t = end - Math.min(seconds, this.windowSeconds) + 1; t <= end; t++) {
      const s = this.slots[t % this.windowSeconds]!;
      if (s.t !== t || s.requests === 0) {
        out.push({ t, requests: 0, errors: 0, meanMs: 0, p99Ms: 0 });
        continue;
      }
      out.push({ t, requests: s.requests, errors: s.errors, meanMs: s.sumMs / s.requests, p99Ms: quantile(s.hist, s.requests, 0.99) });
    }
    return out;
  }
}

function quantile(hist: Uint32Array, n: number, q: number): number {
  const rank = Math.ceil(q * n);
  let acc = 0;
  for (let b = 0; b < hist.length; b++) {
    acc += hist[b]!;
    if (acc >= rank) return Number.isFinite(BUCKETS[b]!) ? BUCKETS[b]! : BUCKETS[b - 1]!;
  }
  return 0;
}
