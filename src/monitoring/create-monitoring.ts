import type { Registry } from 'prom-client';
import type { RegistryService } from '../registry/service.js';
import type { InferenceLog } from '../serving/inference-log/inference-log.js';
import type { SqlDatabase } from '../storage/sql/sql-database.js';
import { MonitoringService } from './service.js';
import { SqlMonitoringStore } from './sql-store.js';

/** What the composition root passes in. */
export interface CreateMonitoringOptions {
  database: SqlDatabase;
  /** Serving's inference log: monitoring subscribes to it and looks predictions up in it. */
  log: InferenceLog;
  registry: RegistryService;
  metricsRegistry?: Registry;
  onError?: (err: unknown, context: string) => void;
}

/**
 * Monitoring wired to serving and the registry: subscribed to the inference log, and publishing
 * each alert as a `monitor.alert` registry event on the served model, so the event outbox fans it
 * out to webhooks in the event's own transaction.
 */
export function createMonitoring(options: CreateMonitoringOptions) {
  const service = new MonitoringService({
    store: new SqlMonitoringStore(options.database),
    ...(options.metricsRegistry ? { metricsRegistry: options.metricsRegistry } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
    // Labels may arrive for predictions still queued in memory: write them first (outside the
    // service's serial chain, since a flush hands predictions to the service itself).
    beforeFeedback: () => options.log.flush(),
    lookupPredictions: async (ids) => {
      const rows = await options.log.predictionsByRequestIds(ids);
      return rows.map((p) => ({ requestId: p.requestId, deployment: p.deployment, variant: p.variant, timestamp: p.timestamp, outputs: p.outputs }));
    },
  });
  const unsubscribe = options.log.subscribe(service);
  service.onAlert(async (alert, ctx) => {
    const actor = { user: 'ascent-monitor' };
    try {
      await options.registry.write(ctx.modelName, actor, (tx, model) =>
        options.registry.event(tx, model, actor, { type: 'monitor.alert', version: ctx.modelVersion, payload: { ...alert } }),
      );
    } catch (err) {
      options.onError?.(err, `monitor alert ${alert.alertId}: registry event`);
    }
  });
  return {
    service,
    start: () => service.start(),
    close: async () => {
      unsubscribe();
      await service.stop();
    },
  };
}
