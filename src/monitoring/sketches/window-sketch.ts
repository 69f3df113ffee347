import type { CategoricalProfile, FeatureProfile, NumericProfile, ReferenceProfile } from '../profiles/reference-profile.js';
import { binOf, predictionValue } from '../profiles/reference-profile.js';
import { KllSketch, type KllState } from './kll-sketch.js';

/** A numeric feature folded over one window. */
export interface NumericSketch {
  kind: 'numeric';
  count: number;
  missing: number;
  typeErrors: number;
  /** Below the reference minimum or above its maximum. */
  outOfRange: number;
  /** Counts on the reference edges: [below min, bin 1 … bin n, above max]. */
  bins: number[];
  sum: number;
  sumSquares: number;
  quantiles: KllState;
}

/** A categorical feature folded over one window. */
export interface CategoricalSketch {
  kind: 'categorical';
  count: number;
  missing: number;
  typeErrors: number;
  /** Counts of the reference's categories. */
  counts: Record<string, number>;
  /** Values of categories the reference never saw, and the most common of them (bounded). */
  unseen: number;
  unseenCounts: Record<string, number>;
}

export type FeatureSketch = NumericSketch | CategoricalSketch;

/** Everything a window keeps: O(features × bins), whatever the traffic. */
export interface WindowSketchState {
  rows: number;
  requests: number;
  errors: number;
  /** Rows lacking a profiled feature or carrying one the profile does not know. */
  schemaViolations: number;
  features: Record<string, FeatureSketch>;
  prediction: FeatureSketch | null;
}

const MAX_UNSEEN_TRACKED = 50;
const KLL_K = 200;

class NumericAcc {
  readonly s: NumericSketch;
  private readonly kll: KllSketch;
  constructor(private readonly p: NumericProfile, state?: NumericSketch) {
    this.kll = state ? KllSketch.from(state.quantiles) : new KllSketch(KLL_K);
    this.s = state ?? { kind: 'numeric', count: 0, missing: 0, typeErrors: 0, outOfRange: 0, bins: new Array(p.edges.length + 1).fill(0), sum: 0, sumSquares: 0, quantiles: this.kll.toJSON() };
  }
  add(v: unknown): void {
    if (v === null || v === undefined || v === '' || (typeof v === 'number' && !Number.isFinite(v))) {
      this.s.missing++;
      return;
    }
    const x = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : typeof v === 'boolean' ? Number(v) : Number.NaN;
    if (Number.isNaN(x)) {
      this.s.typeErrors++;
      return;
    }
    this.s.count++;
    this.s.sum += x;
    this.s.sumSquares += x * x;
    this.kll.update(x);
    const e = this.p.edges;
    if (x < e[0]! || x > e[e.length - 1]!) {
      this.s.outOfRange++;
      this.s.bins[x < e[0]! ? 0 : e.length]!++;
      return;
    }
    this.s.bins[binOf(e, x) + 1]!++;
  }
  snapshot(): NumericSketch {
    return { ...this.s, bins: [...this.s.bins], quantiles: this.kll.toJSON() };
  }
}

class CategoricalAcc {
  readonly s: CategoricalSketch;
  constructor(private readonly p: CategoricalProfile, state?: CategoricalSketch) {
    this.s = state ?? { kind: 'categorical', count: 0, missing: 0, typeErrors: 0, counts: {}, unseen: 0, unseenCounts: {} };
  }
  add(v: unknown): void {
    if (v === null || v === undefined || v === '') {
      this.s.missing++;
      return;
    }
    if (typeof v === 'object') {
      this.s.typeErrors++;
      return;
    }
    const key = String(v);
    this.s.count++;
    if (key in this.p.frequencies) {
      this.s.counts[key] = (this.s.counts[key] ?? 0) + 1;
      return;
    }
    this.s.unseen++;
    if (key in this.s.unseenCounts || Object.keys(this.s.unseenCounts).length < MAX_UNSEEN_TRACKED) this.s.unseenCounts[key] = (this.s.unseenCounts[key] ?? 0) + 1;
  }
  snapshot(): CategoricalSketch {
    return { ...this.s, counts: { ...this.s.counts }, unseenCounts: { ...this.s.unseenCounts } };
  }
}

type Acc = NumericAcc | CategoricalAcc;
const accFor = (p: FeatureProfile, state?: FeatureSketch): Acc =>
  p.kind === 'numeric' ? new NumericAcc(p, state as NumericSketch | undefined) : new CategoricalAcc(p, state as CategoricalSketch | undefined);

/**
 * Folds predictions of one (deployment, variant, window) into fixed-size per-feature sketches on
 * the reference profile's bins and categories. Its size depends on the profile, never on traffic.
 */
export class WindowSketch {
  private readonly features = new Map<string, Acc>();
  private readonly prediction: Acc | null;
  private rows = 0;
  private requests = 0;
  private errors = 0;
  private schemaViolations = 0;

  /** `state` resumes a window persisted earlier (same profile). */
  constructor(profile: ReferenceProfile, state?: WindowSketchState) {
    for (const f of profile.features) this.features.set(f.name, accFor(f, state?.features[f.name]));
    this.prediction = profile.prediction ? accFor(profile.prediction, state?.prediction ?? undefined) : null;
    if (state) {
      this.rows = state.rows;
      this.requests = state.requests;
      this.errors = state.errors;
      this.schemaViolations = state.schemaViolations;
    }
  }

  /** Add one request: its feature rows and one output per row (or an error). */
  addRequest(inputs: readonly Record<string, unknown>[], outputs: readonly unknown[], error?: string): void {
    this.requests++;
    if (error) {
      this.errors++;
      return;
    }
    inputs.forEach((row, i) => {
      this.rows++;
      let known = 0;
      for (const [name, acc] of this.features) {
        if (name in row) known++;
        acc.add(row[name]);
      }
      if (known !== this.features.size || Object.keys(row).length !== known) this.schemaViolations++;
      if (this.prediction && i < outputs.length) this.prediction.add(predictionValue(outputs[i]));
    });
  }

  toJSON(): WindowSketchState {
    return {
      rows: this.rows,
      requests: this.requests,
      errors: this.errors,
      schemaViolations: this.schemaViolations,
      features: Object.fromEntries([...this.features].map(([n, a]) => [n, a.snapshot()])),
      prediction: this.prediction?.snapshot() ?? null,
    };
  }
}
