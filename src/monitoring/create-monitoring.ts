import type { Registry } from 'prom-client';
import { isAscentError } from '../core/errors.js';
import type { RegistryService } from '../registry/service.js';
import type { ArtifactStore } from '../storage/artifacts/artifact-store.js';
import type { TrackingService } from '../tracking/service.js';
import { RegistrationProfiler } from './profiles/registration-profiler.js';
import type { InferenceLog } from '../serving/inference-log/inference-log.js';
import { InferenceLogTail } from '../serving/inference-log/log-tail.js';
import type { SqlDatabase } from '../storage/sql/sql-database.js';
import { MonitoringService } from './service.js';
import { SqlMonitoringStore } from './sql-store.js';

/** What the composition root passes in. */
export interface CreateMonitoringOptions {
  database: SqlDatabase;
  /** Serving's inference log: monitoring subscribes to it and looks predictions up in it. */
  log: InferenceLog;
  registry: RegistryService;
  /** Runs and the artifact store, where registered versions' training datasets are found. */
  tracking: TrackingService;
  artifacts: ArtifactStore;
  /** Read training datasets from this server's disk (`file://`, absolute paths; default true). */
  localDatasetFiles?: boolean;
  /** How often open windows are checkpointed (default 5 s). */
  checkpointMs?: number;
  metricsRegistry?: Registry;
  onError?: (err: unknown, context: string) => void;
}

/**
 * Monitoring wired to serving and the registry: subscribed to the inference log, and publishing
 * each alert as a `monitor.alert` registry event on the served model, written with the alert row in
 * one transaction, so the event outbox fans it out to webhooks and a crash loses neither half.
 */
export function createMonitoring(options: CreateMonitoringOptions) {
  const store = new SqlMonitoringStore(options.database);
  const actor = { user: 'ascent-monitor' };
  const service = new MonitoringService({
    store,
    // Open windows are checkpointed with the log position they cover; after a crash the
    // predictions logged since are folded again from the stored log.
    logTail: new InferenceLogTail(options.database),
    ...(options.checkpointMs !== undefined ? { checkpointMs: options.checkpointMs } : {}),
    ...(options.metricsRegistry ? { metricsRegistry: options.metricsRegistry } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
    // Labels may arrive for predictions still queued in memory: write them first (outside the
    // service's serial chain, since a flush hands predictions to the service itself).
    beforeFeedback: () => options.log.flush(),
    lookupPredictions: async (ids) => {
      const rows = await options.log.predictionsByRequestIds(ids);
      return rows.map((p) => ({ requestId: p.requestId, deployment: p.deployment, variant: p.variant, timestamp: p.timestamp, outputs: p.outputs }));
    },
    recordAlert: async (a, ctx) => {
      try {
        return await options.registry.write(ctx.modelName, actor, async (tx, model) => {
          const alert = await store.addAlert(a, tx.sql);
          await options.registry.event(tx, model, actor, { type: 'monitor.alert', version: ctx.modelVersion, payload: { ...alert } });
          return alert;
        });
      } catch (err) {
        // The served model was deleted since: the history keeps the alert, no event can carry it.
        if (isAscentError(err) && err.code === 'NOT_FOUND') return store.addAlert(a);
        throw err;
      }
    },
  });
  const unsubscribe = options.log.subscribe(service);
  const profiler = new RegistrationProfiler({
    store, registry: options.registry, tracking: options.tracking, artifacts: options.artifacts,
    ...(options.localDatasetFiles !== undefined ? { localFiles: options.localDatasetFiles } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  return {
    service,
    profiler,
    start: () => {
      service.start();
      profiler.start();
    },
    close: async () => {
      await profiler.stop();
      unsubscribe();
      await service.stop();
    },
  };
}
