import type { DatasetDrift, FeatureDrift } from './stats/drift-engine.js';
import type { MonitorAlert, MonitorWindow, WindowQuality } from './model.js';
import type { PerformanceMetrics } from './performance/performance-accumulator.js';
import type { ReferenceProfile } from './profiles/reference-profile.js';

/** Reference vs window shares of one feature, on the reference's bins or top categories. */
export interface MonitorHistogram {
  edges?: number[];
  categories?: string[];
  reference: number[];
  current: number[];
}

/** The latest window of one variant, with everything the drift table and histograms need. */
export interface VariantStatus {
  variant: string;
  modelName: string;
  modelVersion: string;
  start: number;
  end: number;
  closed: boolean;
  rows: number;
  drift: DatasetDrift | null;
  predictionDrift: FeatureDrift | null;
  quality: WindowQuality;
  metrics: PerformanceMetrics;
  histograms: Record<string, MonitorHistogram>;
}

/** One point of the over-time series. */
export interface WindowPoint {
  variant: string;
  start: number;
  end: number;
  closed: boolean;
  rows: number;
  driftShare: number | null;
  driftedFeatures: string[];
  missingRate: number;
  errorRate: number;
  metrics: PerformanceMetrics;
}

/** A deployment's monitoring report: latest status per variant, the series over time, recent alerts. */
export interface MonitorReport {
  deployment: string;
  windowSeconds: number;
  variants: VariantStatus[];
  series: WindowPoint[];
  alerts: MonitorAlert[];
}

const TOP_CATEGORIES = 20;

/** Histograms of a window against its profile. */
export function windowHistograms(w: MonitorWindow, profile: ReferenceProfile | null): Record<string, MonitorHistogram> {
  const out: Record<string, MonitorHistogram> = {};
  if (!profile) return out;
  for (const p of profile.features) {
    const s = w.sketch.features[p.name];
    if (!s) continue;
    if (p.kind === 'numeric' && s.kind === 'numeric') {
      const n = s.count || 1;
      out[p.name] = { edges: p.edges, reference: p.binShares, current: s.bins.slice(1, -1).map((c) => c / n) };
    } else if (p.kind === 'categorical' && s.kind === 'categorical') {
      const total = Object.values(p.frequencies).reduce((a, b) => a + b, 0) + p.otherCount || 1;
      const n = s.count || 1;
      const categories = Object.entries(p.frequencies).sort((a, b) => b[1] - a[1]).slice(0, TOP_CATEGORIES).map(([k]) => k);
      const unseen = Object.entries(s.unseenCounts).sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k]) => k);
      out[p.name] = {
        categories: [...categories, ...unseen],
        reference: [...categories.map((c) => p.frequencies[c]! / total), ...unseen.map(() => 0)],
        current: [...categories.map((c) => (s.counts[c] ?? 0) / n), ...unseen.map((c) => s.unseenCounts[c]! / n)],
      };
    }
  }
  return out;
}

/** Build the report from windows (newest first), their profiles and the recent alerts. */
export function buildReport(deployment: string, windowSeconds: number, windows: MonitorWindow[], profiles: Map<string, ReferenceProfile>, alerts: MonitorAlert[]): MonitorReport {
  const latest = new Map<string, MonitorWindow>();
  for (const w of windows) {
    const seen = latest.get(w.variant);
    // Prefer the newest closed window; an open one only when nothing has closed yet.
    if (!seen || (!seen.closed && w.closed)) latest.set(w.variant, w);
  }
  const variants = [...latest.values()].map((w) => ({
    variant: w.variant, modelName: w.modelName, modelVersion: w.modelVersion, start: w.start, end: w.end, closed: w.closed, rows: w.sketch.rows,
    drift: w.drift, predictionDrift: w.predictionDrift, quality: w.quality, metrics: w.metrics,
    histograms: windowHistograms(w, w.profileId ? (profiles.get(w.profileId) ?? null) : null),
  }));
  const series = windows
    .map((w) => ({
      variant: w.variant, start: w.start, end: w.end, closed: w.closed, rows: w.sketch.rows,
      driftShare: w.drift && w.drift.features.length ? w.drift.driftShare : null,
      driftedFeatures: (w.drift?.features ?? []).filter((f) => f.drifted).map((f) => f.feature),
      missingRate: w.quality.missingRate, errorRate: w.quality.errorRate, metrics: w.metrics,
    }))
    .sort((a, b) => a.start - b.start || a.variant.localeCompare(b.variant));
  return { deployment, windowSeconds, variants, series, alerts };
}
