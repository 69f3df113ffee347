import type { AlertRule, MonitorWindow } from '../model.js';

/** Running state of one rule for one variant. */
export interface RuleState {
  consecutive: number;
  lastFired: number | null;
  /** Start of the last window evaluated, whether it breached, and the window the rule last fired for. */
  lastWindow?: number;
  lastBreached?: boolean;
  firedWindow?: number;
}

/** An alert a rule decided to raise. */
export interface AlertDecision {
  rule: AlertRule;
  metric: string;
  value: number;
}

const QUALITY = ['missingRate', 'typeErrors', 'outOfRange', 'unseenCategories', 'schemaViolations', 'errorRate'] as const;

/**
 * A monitor metric's value in a window: `drift_share`, `dataset_drift`, `drift.<feature>` (1 when
 * drifted), `drift_score.<feature>` (p-value or distance), `prediction_drift`, `label_coverage`,
 * `performance.<accuracy|precision|recall|f1|rocAuc|logLoss|mae|rmse|mape|r2>`, `quality.<measure>`.
 * Null when the window has no value for it (yet).
 */
export function metricValue(w: MonitorWindow, metric: string): number | null {
  if (metric === 'drift_share') return w.drift && w.drift.features.length > 0 ? w.drift.driftShare : null;
  if (metric === 'dataset_drift') return w.drift && w.drift.features.length > 0 ? Number(w.drift.datasetDrift) : null;
  if (metric === 'prediction_drift') return w.predictionDrift && w.predictionDrift.note === undefined ? Number(w.predictionDrift.drifted) : null;
  if (metric === 'label_coverage') return w.metrics.labelCoverage;
  const dot = metric.indexOf('.');
  if (dot < 0) return null;
  const head = metric.slice(0, dot);
  const tail = metric.slice(dot + 1);
  if (head === 'drift' || head === 'drift_score') {
    const f = w.drift?.features.find((x) => x.feature === tail);
    if (!f || f.note !== undefined) return null;
    return head === 'drift' ? Number(f.drifted) : (f.pValue ?? f.distance);
  }
  if (head === 'performance') {
    const v = (w.metrics as unknown as Record<string, number | null | undefined>)[tail];
    return typeof v === 'number' ? v : null;
  }
  if (head === 'quality' && (QUALITY as readonly string[]).includes(tail)) return (w.quality as unknown as Record<string, number>)[tail] ?? null;
  return null;
}

/** Rule metrics a window expands to: `drift.*` means one `drift.<feature>` per feature. */
export function expandMetric(w: MonitorWindow, metric: string): string[] {
  if (metric === 'drift.*') return (w.drift?.features ?? []).map((f) => `drift.${f.feature}`);
  return [metric];
}

function breaches(value: number, rule: AlertRule): boolean {
  switch (rule.op) {
    case '>':
      return value > rule.threshold;
    case '>=':
      return value >= rule.threshold;
    case '<':
      return value < rule.threshold;
    case '<=':
      return value <= rule.threshold;
  }
}

/**
 * Evaluate the rules on one window (again when late labels change it), updating each
 * (rule, metric, variant) state: consecutive breaching windows, then at most one alert per window,
 * none within the cooldown.
 */
export function evaluateRules(rules: readonly AlertRule[], w: MonitorWindow, states: Record<string, RuleState>, now: number): AlertDecision[] {
  const out: AlertDecision[] = [];
  for (const rule of rules) {
    for (const metric of expandMetric(w, rule.metric)) {
      const value = metricValue(w, metric);
      if (value === null || Number.isNaN(value)) continue;
      const key = `${rule.name}|${metric}|${w.variant}`;
      const s = (states[key] ??= { consecutive: 0, lastFired: null });
      const breach = breaches(value, rule);
      if (s.lastWindow === undefined || w.start > s.lastWindow) {
        s.consecutive = breach ? s.consecutive + 1 : 0;
        s.lastWindow = w.start;
        s.lastBreached = breach;
      } else if (w.start === s.lastWindow) {
        if (breach && !s.lastBreached) s.consecutive++;
        if (!breach && s.lastBreached) s.consecutive = Math.max(0, s.consecutive - 1);
        s.lastBreached = breach;
      } else continue;
      const cooled = s.lastFired === null || now - s.lastFired >= rule.cooldownSeconds * 1000;
      if (breach && s.consecutive >= rule.consecutiveWindows && cooled && s.firedWindow !== w.start) {
        s.lastFired = now;
        s.firedWindow = w.start;
        out.push({ rule, metric, value });
      }
    }
  }
  return out;
}
