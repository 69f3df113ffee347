// Type-only imports: the serving shapes are defined once, in the serving domain, and erased at build.
import type { Deployment, DeploymentRevision } from '../../src/serving/deployments/model.js';
import type { StoredPrediction } from '../../src/serving/inference-log/store.js';
import type { StatsPoint } from '../../src/serving/metrics/rolling-stats.js';
import type { DeploymentStatus } from '../../src/serving/router/deployment-status.js';
import { request } from './api';

export type { Deployment, DeploymentRevision, StoredPrediction, StatsPoint, DeploymentStatus };
/** A deployment with this server's serving status. */
export type DeploymentWithStatus = Deployment & { status: DeploymentStatus };

const seg = encodeURIComponent;

/** The native deployments API as the UI uses it. */
export const deploymentsApi = {
  list: async (signal?: AbortSignal) => (await request<{ deployments: DeploymentWithStatus[] }>('GET', '/api/v1/deployments', { signal })).deployments,
  get: (name: string, signal?: AbortSignal) => request<DeploymentWithStatus>('GET', `/api/v1/deployments/${seg(name)}`, { signal }),
  revisions: async (name: string, signal?: AbortSignal) => (await request<{ revisions: DeploymentRevision[] }>('GET', `/api/v1/deployments/${seg(name)}/revisions`, { query: { limit: 50 }, signal })).revisions,
  predictions: async (name: string, limit: number, signal?: AbortSignal) =>
    (await request<{ predictions: StoredPrediction[] }>('GET', `/api/v1/deployments/${seg(name)}/predictions`, { query: { limit }, signal })).predictions,
  stats: (name: string, seconds: number, signal?: AbortSignal) =>
    request<{ variants: Record<string, StatsPoint[]>; logQueueDepth: number; logDropped: number }>('GET', `/api/v1/deployments/${seg(name)}/stats`, { query: { seconds }, signal }),
  rollback: (name: string, toRevision?: number) => request<DeploymentWithStatus>('POST', `/api/v1/deployments/${seg(name)}/rollback`, { body: toRevision ? { toRevision } : {} }),
};

/** Share of caller traffic (percent) each variant gets; shadows report their mirrored percent. */
export function trafficShares(d: Pick<Deployment, 'variants'>): Map<string, { share: number; mirror: boolean }> {
  const canary = d.variants.filter((v) => v.role === 'canary').reduce((s, v) => s + v.percent, 0);
  const splitTotal = d.variants.filter((v) => v.role === 'split').reduce((s, v) => s + v.weight, 0);
  const rest = Math.max(0, 100 - canary);
  return new Map(d.variants.map((v) => [v.name, v.role === 'shadow' ? { share: v.percent, mirror: true } : v.role === 'canary' ? { share: v.percent, mirror: false } : { share: splitTotal > 0 ? (rest * v.weight) / splitTotal : 0, mirror: false }]));
}
