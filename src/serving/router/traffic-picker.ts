import type { VariantSpec } from '../deployments/model.js';

/** FNV-1a over a string → a stable fraction in [0, 1) (sticky assignment by request key). */
export function stickyFraction(key: string, salt = ''): number {
  let h = 0x811c9dc5;
  const s = salt + key;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // One more avalanche round so keys differing in the last character spread over the whole range.
  // `^` yields a signed 32-bit int, so each step is brought back to unsigned with `>>> 0`.
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  return h / 0x1_0000_0000;
}

/**
 * Picks the variant that answers a request: canaries take their percent first, split variants share
 * the rest by weight. `u` is a fraction in [0, 1): random, or a sticky key's hash.
 */
export class TrafficPicker<V extends Pick<VariantSpec, 'name' | 'role' | 'weight' | 'percent'>> {
  private readonly bounds: { upper: number; variant: V }[] = [];
  readonly shadows: V[];

  constructor(variants: readonly V[]) {
    let acc = 0;
    for (const v of variants) {
      if (v.role !== 'canary' || v.percent <= 0) continue;
      acc += v.percent / 100;
      this.bounds.push({ upper: Math.min(acc, 1), variant: v });
    }
    const splits = variants.filter((v) => v.role === 'split' && v.weight > 0);
    const total = splits.reduce((s, v) => s + v.weight, 0);
    const rest = 1 - Math.min(acc, 1);
    let cum = Math.min(acc, 1);
    for (const v of splits) {
      cum += (rest * v.weight) / total;
      this.bounds.push({ upper: cum, variant: v });
    }
    if (this.bounds.length > 0) this.bounds[this.bounds.length - 1]!.upper = 1;
    this.shadows = variants.filter((v) => v.role === 'shadow' && v.percent > 0);
  }

  pick(u: number): V {
    for (const b of this.bounds) if (u < b.upper) return b.variant;
    return this.bounds[this.bounds.length - 1]!.variant;
  }

  /** Shadow variants this request is mirrored to; each decides independently with its own salt. */
  mirrors(stickyKey: string | undefined, random: () => number): V[] {
    return this.shadows.filter((v) => (stickyKey === undefined ? random() : stickyFraction(stickyKey, `shadow:${v.name}`)) < v.percent / 100);
  }
}
