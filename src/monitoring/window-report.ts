import type { DriftOptions } from './stats/drift-engine.js';
import type { MonitorConfig, MonitorWindow, WindowQuality } from './model.js';
import type { ReferenceProfile } from './profiles/reference-profile.js';
import { performanceMetrics } from './performance/performance-accumulator.js';
import type { WindowSketchState } from './sketches/window-sketch.js';
import { predictionDrift, windowDrift } from './sketches/window-drift.js';

/** Data quality of a window from its sketch. */
export function windowQuality(s: WindowSketchState): WindowQuality {
  const features: WindowQuality['features'] = {};
  let missing = 0;
  let cells = 0;
  let typeErrors = 0;
  let outOfRange = 0;
  let unseen = 0;
  for (const [name, f] of Object.entries(s.features)) {
    const total = f.count + f.missing + f.typeErrors;
    const oor = f.kind === 'numeric' ? f.outOfRange : 0;
    const un = f.kind === 'categorical' ? f.unseen : 0;
    features[name] = { missingRate: total ? f.missing / total : 0, typeErrors: f.typeErrors, outOfRange: oor, unseen: un };
    missing += f.missing;
    cells += total;
    typeErrors += f.typeErrors;
    outOfRange += oor;
    unseen += un;
  }
  return {
    rows: s.rows, missingRate: cells ? missing / cells : 0, typeErrors, outOfRange, unseenCategories: unseen,
    schemaViolations: s.schemaViolations, errorRate: s.requests ? s.errors / s.requests : 0, features,
  };
}

/** Recompute a window's derived parts (drift, quality, metrics) from its sketch and accumulators. */
export function refreshWindow(w: MonitorWindow, profile: ReferenceProfile | null, config: MonitorConfig): MonitorWindow {
  const options: DriftOptions = {
    ...(config.drift.test ? { test: config.drift.test } : {}),
    ...(config.drift.threshold !== undefined ? { threshold: config.drift.threshold } : {}),
    ...(config.drift.driftShare !== undefined ? { driftShare: config.drift.driftShare } : {}),
    ...(config.drift.features ? { features: config.drift.features } : {}),
  };
  const positive = config.positiveLabel !== undefined ? String(config.positiveLabel) : '1';
  return {
    ...w,
    drift: profile ? windowDrift(profile, w.sketch, options) : null,
    predictionDrift: profile ? predictionDrift(profile, w.sketch, options) : null,
    quality: windowQuality(w.sketch),
    metrics: performanceMetrics(w.performance, config.task, w.sketch.rows, positive),
  };
}
