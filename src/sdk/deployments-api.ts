import type { z } from 'zod';
import type { CreateDeploymentInput, Deployment, DeploymentRevision, DeploymentSpecInput, VariantRole } from '../serving/deployments/model.js';
import type { StoredPrediction } from '../serving/inference-log/store.js';
import type { FeedbackRecord } from '../serving/inference-record.js';
import type { StatsPoint } from '../serving/metrics/rolling-stats.js';
import type { DeploymentStatus } from '../serving/router/deployment-status.js';
import type { HttpTransport } from './http-transport.js';
import { seg } from './key-values.js';

/** A deployment as the server returns it: the stored spec plus this replica's serving status. */
export type DeploymentWithStatus = Deployment & { status: DeploymentStatus };
/** Body of `deployments.create` (defaults filled in by the server). */
export type CreateDeploymentParams = z.input<typeof CreateDeploymentInput>;
/** Body of `deployments.update`: a full spec, optionally guarded by the revision it was read at. */
export type UpdateDeploymentParams = z.input<typeof DeploymentSpecInput> & { expectedRevision?: number; message?: string };
/** One traffic change of `deployments.setTraffic`. */
export interface TrafficChange {
  variant: string;
  role?: VariantRole;
  weight?: number;
  percent?: number;
}
/** A prediction of the native predict API. */
export interface PredictResponse {
  requestId: string;
  deployment: string;
  variant: string;
  model: string;
  version: string;
  predictions: unknown[];
}
/** Ground truth or reward for one request id. */
export interface FeedbackParams {
  requestId: string;
  labels?: unknown[];
  reward?: number;
  timestamp?: number;
}

/**
 * DeploymentsApi groups the serving routes (`client.deployments`): deployments and their revisions,
 * traffic shifts and rollback, predictions on plain records, feedback, the inference log and live stats.
 */
export class DeploymentsApi {
  constructor(private readonly http: HttpTransport) {}

  async list(): Promise<DeploymentWithStatus[]> {
    return (await this.http.json<{ deployments: DeploymentWithStatus[] }>({ method: 'GET', path: '/deployments' })).deployments;
  }
  get(name: string): Promise<DeploymentWithStatus> {
    return this.http.json({ method: 'GET', path: `/deployments/${seg(name)}` });
  }
  /** Create; answers once this server serves it (models loaded and warmed) or failed to load. */
  create(params: CreateDeploymentParams): Promise<DeploymentWithStatus> {
    return this.http.json({ method: 'POST', path: '/deployments', json: params });
  }
  /** Replace the spec as a new revision; the old revision drains after the new one is warm. */
  update(name: string, params: UpdateDeploymentParams): Promise<DeploymentWithStatus> {
    return this.http.json({ method: 'PUT', path: `/deployments/${seg(name)}`, json: params });
  }
  setTraffic(name: string, traffic: TrafficChange[], options: { expectedRevision?: number; message?: string } = {}): Promise<DeploymentWithStatus> {
    return this.http.json({ method: 'POST', path: `/deployments/${seg(name)}/traffic`, json: { traffic, ...options } });
  }
  rollback(name: string, options: { toRevision?: number; message?: string } = {}): Promise<DeploymentWithStatus> {
    return this.http.json({ method: 'POST', path: `/deployments/${seg(name)}/rollback`, json: options });
  }
  async revisions(name: string, limit = 100): Promise<DeploymentRevision[]> {
    return (await this.http.json<{ revisions: DeploymentRevision[] }>({ method: 'GET', path: `/deployments/${seg(name)}/revisions`, query: { limit } })).revisions;
  }
  async delete(name: string): Promise<void> {
    await this.http.json({ method: 'DELETE', path: `/deployments/${seg(name)}` });
  }
  /** Predict on plain JSON records (column → value); `requestId` becomes the x-request-id. */
  predict(name: string, records: Record<string, unknown>[], options: { requestId?: string; headers?: Record<string, string> } = {}): Promise<PredictResponse> {
    const headers = { ...options.headers, ...(options.requestId ? { 'x-request-id': options.requestId } : {}) };
    return this.http.json({ method: 'POST', path: `/deployments/${seg(name)}/predict`, json: { records }, headers, idempotent: true });
  }
  async feedback(name: string, feedback: FeedbackParams | FeedbackParams[]): Promise<number> {
    const json = Array.isArray(feedback) ? { feedback } : feedback;
    return (await this.http.json<{ recorded: number }>({ method: 'POST', path: `/deployments/${seg(name)}/feedback`, json })).recorded;
  }
  async predictions(name: string, params: { from?: number; to?: number; variant?: string; shadow?: boolean; limit?: number } = {}): Promise<StoredPrediction[]> {
    const query = { ...params, ...(params.shadow !== undefined ? { shadow: String(params.shadow) } : {}) };
    return (await this.http.json<{ predictions: StoredPrediction[] }>({ method: 'GET', path: `/deployments/${seg(name)}/predictions`, query })).predictions;
  }
  /** Logged predictions and feedback of up to 1000 request ids. */
  inferenceLog(requestIds: string[]): Promise<{ predictions: StoredPrediction[]; feedback: FeedbackRecord[] }> {
    return this.http.json({ method: 'GET', path: '/inference-log', query: { requestIds: requestIds.join(',') } });
  }
  /** Per-second requests, errors and latency of each variant over the last `seconds`. */
  stats(name: string, seconds = 120): Promise<{ variants: Record<string, StatsPoint[]>; logQueueDepth: number; logDropped: number }> {
    return this.http.json({ method: 'GET', path: `/deployments/${seg(name)}/stats`, query: { seconds } });
  }
}
