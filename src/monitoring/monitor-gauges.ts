import { Counter, Gauge, type Registry } from 'prom-client';
import type { MonitorAlert, MonitorWindow } from './model.js';

/** The Prometheus registry gauges are registered on (serving's, served at /metrics). */
export type GaugeRegistry = Registry;

const PERFORMANCE = ['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'logLoss', 'mae', 'rmse', 'mape', 'r2', 'labelCoverage'] as const;

/** Drift scores, drift share, performance and alert counts of the latest closed windows as Prometheus metrics. */
export class MonitorGauges {
  private readonly driftScore: Gauge;
  private readonly drifted: Gauge;
  private readonly driftShare: Gauge;
  private readonly performance: Gauge;
  private readonly alerts: Counter;

  constructor(registry: Registry) {
    const existing = registry.getSingleMetric('ascent_monitor_drift_score');
    if (existing) registry.removeSingleMetric('ascent_monitor_drift_score');
    for (const n of ['ascent_monitor_feature_drifted', 'ascent_monitor_drift_share', 'ascent_monitor_performance', 'ascent_monitor_alerts_total']) {
      if (registry.getSingleMetric(n)) registry.removeSingleMetric(n);
    }
    this.driftScore = new Gauge({ name: 'ascent_monitor_drift_score', help: 'Drift test score (p-value or distance) per feature in the last closed window', labelNames: ['deployment', 'variant', 'feature', 'test'], registers: [registry] });
    this.drifted = new Gauge({ name: 'ascent_monitor_feature_drifted', help: '1 when the feature drifted in the last closed window', labelNames: ['deployment', 'variant', 'feature'], registers: [registry] });
    this.driftShare = new Gauge({ name: 'ascent_monitor_drift_share', help: 'Share of drifted features in the last closed window', labelNames: ['deployment', 'variant'], registers: [registry] });
    this.performance = new Gauge({ name: 'ascent_monitor_performance', help: 'Model performance from delayed labels in the last window with labels', labelNames: ['deployment', 'variant', 'metric'], registers: [registry] });
    this.alerts = new Counter({ name: 'ascent_monitor_alerts_total', help: 'Monitor alerts raised', labelNames: ['deployment', 'rule'], registers: [registry] });
  }

  record(w: MonitorWindow): void {
    const base = { deployment: w.deployment, variant: w.variant };
    if (w.drift) {
      this.driftShare.set(base, w.drift.driftShare);
      for (const f of w.drift.features) {
        const score = f.pValue ?? f.distance;
        if (score !== null && Number.isFinite(score)) this.driftScore.set({ ...base, feature: f.feature, test: f.test }, score);
        this.drifted.set({ ...base, feature: f.feature }, f.drifted ? 1 : 0);
      }
    }
    for (const m of PERFORMANCE) {
      const v = w.metrics[m];
      if (typeof v === 'number' && Number.isFinite(v)) this.performance.set({ ...base, metric: m }, v);
    }
  }

  alert(a: MonitorAlert): void {
    this.alerts.inc({ deployment: a.deployment, rule: a.rule });
  }
}
