import { z } from 'zod';
import { DRIFT_TESTS } from './stats/drift-engine.js';
import type { DatasetDrift, FeatureDrift } from './stats/drift-engine.js';
import type { ReferenceProfile } from './profiles/reference-profile.js';
import type { WindowSketchState } from './sketches/window-sketch.js';
import type { PerformanceState, PerformanceMetrics } from './performance/performance-accumulator.js';

/** A stored reference profile: for a model version, and so for every deployment serving it. */
export interface StoredProfile {
  profileId: string;
  modelName: string;
  modelVersion: string;
  /** 'upload' (API/CLI) or 'training' (computed from the run's training dataset at registration). */
  source: 'upload' | 'training';
  createdTime: number;
  profile: ReferenceProfile;
}

/** What became of computing a version's reference profile from its training dataset at registration. */
export interface ProfileStatus {
  modelName: string;
  modelVersion: string;
  /** `pending` while a server works on it; `computed`, `skipped` (nothing to profile) or `failed` (an error). */
  status: 'pending' | 'computed' | 'skipped' | 'failed';
  /** Why it was skipped or failed ("no training dataset", "source not readable: …"). */
  reason: string | null;
  profileId: string | null;
  /** The run's dataset input the profile was (or would have been) computed from. */
  dataset: { name: string; digest: string; sourceType: string; source: string } | null;
  updatedTime: number;
}

export const AlertRuleInput = z.object({
  name: z.string().min(1).max(200).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
  /** `drift_share`, `drift.<feature>`, `prediction_drift`, `performance.<metric>`, `quality.<measure>`, `label_coverage`. */
  metric: z.string().min(1).max(300),
  op: z.enum(['>', '>=', '<', '<=']),
  threshold: z.number().finite(),
  /** Windows in a row that must breach before the alert fires. */
  consecutiveWindows: z.number().int().min(1).max(1000).default(1),
  /** No new alert for this rule within this many seconds after one fired. */
  cooldownSeconds: z.number().int().min(0).max(30 * 86400).default(0),
});
export type AlertRule = z.infer<typeof AlertRuleInput>;

export const MonitorConfigInput = z.object({
  windowSeconds: z.number().int().min(1).max(7 * 86400).default(3600),
  task: z.enum(['classification', 'regression']).optional(),
  /** Class treated as positive for precision, recall, F1 and ROC AUC (binary classifiers). */
  positiveLabel: z.union([z.string(), z.number()]).optional(),
  drift: z
    .object({
      test: z.enum(DRIFT_TESTS).optional(),
      threshold: z.number().min(0).optional(),
      driftShare: z.number().min(0).max(1).optional(),
      features: z.record(z.string(), z.object({ test: z.enum(DRIFT_TESTS).optional(), threshold: z.number().min(0).optional() })).optional(),
    })
    .default({}),
  rules: z.array(AlertRuleInput).max(100).default([]),
});
export type MonitorConfig = z.infer<typeof MonitorConfigInput>;

/** A deployment's monitor: its configuration and the alert rules' running state. */
export interface StoredMonitor {
  deployment: string;
  config: MonitorConfig;
  /** Per rule: windows in a row that breached, and when it last fired. */
  ruleState: Record<string, { consecutive: number; lastFired: number | null }>;
  updatedTime: number;
}

/** Data quality of one window. */
export interface WindowQuality {
  rows: number;
  missingRate: number;
  typeErrors: number;
  outOfRange: number;
  unseenCategories: number;
  schemaViolations: number;
  errorRate: number;
  features: Record<string, { missingRate: number; typeErrors: number; outOfRange: number; unseen: number }>;
}

/** One closed (or still open) window of one deployment variant. */
export interface MonitorWindow {
  deployment: string;
  variant: string;
  start: number;
  end: number;
  modelName: string;
  modelVersion: string;
  profileId: string | null;
  sketch: WindowSketchState;
  drift: DatasetDrift | null;
  predictionDrift: FeatureDrift | null;
  quality: WindowQuality;
  performance: PerformanceState;
  metrics: PerformanceMetrics;
  closed: boolean;
}

/** One alert raised by a rule. */
export interface MonitorAlert {
  alertId: number;
  deployment: string;
  variant: string;
  rule: string;
  metric: string;
  value: number;
  threshold: number;
  op: string;
  windowStart: number;
  windowEnd: number;
  time: number;
  message: string;
}
