import { Registry } from 'prom-client';
import type { RegistryService } from '../../registry/service.js';
import type { SqlDatabase } from '../../storage/sql/sql-database.js';
import { DeploymentService } from '../deployments/service.js';
import { SqlDeploymentStore } from '../deployments/sql-store.js';
import { InferenceLog } from '../inference-log/inference-log.js';
import { SqlInferenceLogStore } from '../inference-log/sql-store.js';
import { ServingMetrics } from '../metrics/serving-metrics.js';
import type { ModelProvider } from './model-cache.js';
import { ServingManager } from './serving-manager.js';

/** Options of the serving composition (read from configuration by the server). */
export interface CreateServingOptions {
  database: SqlDatabase;
  registry: RegistryService;
  provider: ModelProvider;
  /** Shared Prometheus registry (created when absent). */
  metricsRegistry?: Registry;
  defaultDeployment?: string | null;
  pollMs?: number;
  logCapacity?: number;
  onError?: (err: unknown, context: string) => void;
}

/** The serving domain wired together: deployments, router, inference log and metrics. */
export function createServing(options: CreateServingOptions) {
  const deployments = new DeploymentService({ store: new SqlDeploymentStore(options.database), models: options.registry });
  const log = new InferenceLog({
    store: new SqlInferenceLogStore(options.database),
    ...(options.logCapacity ? { capacity: options.logCapacity } : {}),
    onError: (err, where) => options.onError?.(err, `inference log ${where}`),
  });
  const holder: { manager?: ServingManager } = {};
  const metrics = new ServingMetrics({ registry: options.metricsRegistry ?? new Registry(), source: () => holder.manager?.gauges() });
  const manager = new ServingManager({
    deployments, models: options.registry, provider: options.provider, log, metrics,
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  holder.manager = manager;
  const serving = { deployments, manager, log, metrics, defaultDeployment: options.defaultDeployment ?? null };
  return {
    serving,
    metricsRegistry: metrics.registry,
    start: () => manager.start(),
    /** Drain and unload models, then write the queued inference records. */
    close: async () => {
      await manager.close();
      await log.stop();
    },
  };
}
