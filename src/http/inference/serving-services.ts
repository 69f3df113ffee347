import type { IncomingHttpHeaders } from 'node:http';
import type { Registry } from 'prom-client';
import { AscentError } from '../../core/errors.js';
import type { DeploymentService } from '../../serving/deployments/service.js';
import type { InferenceLog } from '../../serving/inference-log/inference-log.js';
import type { ServingMetrics } from '../../serving/metrics/serving-metrics.js';
import type { ServingManager } from '../../serving/router/serving-manager.js';

/** What the inference and deployment routes call: the serving domain's services. */
export interface ServingServices {
  deployments: DeploymentService;
  manager: ServingManager;
  log: InferenceLog;
  metrics: ServingMetrics;
  /** Deployment answering the root `/invocations` and `/ping` (MLflow scoring server paths). */
  defaultDeployment: string | null;
}

/** The Prometheus registry `/metrics` exposes; other domains register their gauges on it. */
export type MetricsRegistry = Registry;

/** Root `/invocations` target: the configured default, or the only deployment when there is one. */
export function defaultDeploymentOf(serving: ServingServices): string {
  if (serving.defaultDeployment) return serving.defaultDeployment;
  const names = serving.manager.names();
  if (names.length === 1) return names[0]!;
  throw new AscentError('ENDPOINT_NOT_FOUND', names.length === 0
    ? 'No deployment is serving; create one with `ascent deploy`'
    : `${names.length} deployments are serving and none is the default (ASCENT_DEFAULT_DEPLOYMENT); call /deployments/{name}/invocations`);
}

/** The sticky key's value for a request: the header named by the deployment's stickyKey, else that record field. */
export function stickyValue(headers: IncomingHttpHeaders, stickyKey: string | null | undefined, firstRecord?: Record<string, unknown>): string | undefined {
  if (!stickyKey) return undefined;
  const h = headers[stickyKey.toLowerCase()];
  const header = Array.isArray(h) ? h[0] : h;
  if (header) return header.slice(0, 512);
  const field = firstRecord?.[stickyKey];
  return field === undefined || field === null ? undefined : String(field).slice(0, 512);
}
