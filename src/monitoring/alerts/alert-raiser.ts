import type { Clock } from '../../core/clock.js';
import type { MonitorGauges } from '../monitor-gauges.js';
import type { MonitorAlert, MonitorWindow, StoredMonitor } from '../model.js';
import type { MonitoringStore } from '../store.js';
import { evaluateRules, type RuleState } from './rule-evaluator.js';

/** Receives every alert after it is stored (webhook outbox publisher, pipeline triggers). */
export type AlertListener = (alert: MonitorAlert, context: { modelName: string; modelVersion: string }) => void | Promise<void>;

/** Stores an alert (the server writes the row and its `monitor.alert` registry event in one transaction). */
export type RecordAlert = (alert: Omit<MonitorAlert, 'alertId'>, context: { modelName: string; modelVersion: string }) => Promise<MonitorAlert>;

export interface AlertRaiserDeps {
  store: MonitoringStore;
  clock: Clock;
  recordAlert: RecordAlert;
  gauges: MonitorGauges | null;
  onError: (err: unknown, context: string) => void;
}

/**
 * Evaluates a monitor's alert rules on a window report, keeps the rules' state (consecutive
 * breaches, cooldown) on the monitor, stores each alert and hands it to the listeners.
 */
export class AlertRaiser {
  private readonly listeners = new Set<AlertListener>();

  constructor(private readonly deps: AlertRaiserDeps) {}

  /** Listen to alerts; returns an unsubscribe. */
  onAlert(listener: AlertListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Evaluate the rules on `w`; returns the monitor as stored with its updated rule state. */
  async evaluate(monitor: StoredMonitor, w: MonitorWindow): Promise<StoredMonitor> {
    const { store, clock, recordAlert, gauges, onError } = this.deps;
    const fresh = (await store.getMonitor(monitor.deployment)) ?? monitor;
    const states = fresh.ruleState as Record<string, RuleState>;
    const now = clock.now();
    const decisions = evaluateRules(fresh.config.rules, w, states, now);
    const updated = { ...fresh, ruleState: states };
    await store.putMonitor(updated);
    const context = { modelName: w.modelName, modelVersion: w.modelVersion };
    for (const d of decisions) {
      const alert = await recordAlert({
        deployment: w.deployment, variant: w.variant, rule: d.rule.name, metric: d.metric, value: d.value, threshold: d.rule.threshold, op: d.rule.op,
        windowStart: w.start, windowEnd: w.end, time: now,
        message: `${w.deployment}/${w.variant}: ${d.metric} = ${round(d.value)} ${d.rule.op} ${d.rule.threshold} (rule ${d.rule.name}, window ${new Date(w.start).toISOString()})`,
      }, context);
      gauges?.alert(alert);
      for (const l of this.listeners) {
        try {
          await l(alert, context);
        } catch (err) {
          onError(err, 'alert listener');
        }
      }
    }
    return updated;
  }
}

const round = (x: number) => (Math.abs(x) >= 0.001 || x === 0 ? Number(x.toFixed(4)) : Number(x.toExponential(3)));
