import type { FireOutcome, FiringCause, MissedPolicy, PipelineTrigger, TriggerFiring, TriggerKind } from '../pipelines/triggers/model.js';
import type { HttpTransport } from './http-transport.js';
import { seg } from './key-values.js';

export type { FireOutcome, FiringCause, MissedPolicy, PipelineTrigger, TriggerFiring, TriggerKind };

/** Body of `pipelineTriggers.create`: the kind picks the shape of `config`. */
export type CreateTriggerParams = { pipeline: string; params?: Record<string, unknown>; description?: string | null; enabled?: boolean } & (
  | { kind: 'schedule'; config: { cron: string; timezone?: string; missed?: MissedPolicy; graceSeconds?: number; maxCatchUp?: number } }
  | { kind: 'data'; config: { uri: string; pollSeconds?: number } }
  | { kind: 'upstream'; config: { pipeline: string; statuses?: ('succeeded' | 'failed' | 'cancelled')[] } }
  | { kind: 'event'; config: { eventType?: string } }
);

/** Body of `pipelineTriggers.fire`. */
export interface FireTriggerParams {
  params?: Record<string, unknown>;
  /** A retried call with the same key starts no second run. */
  idempotencyKey?: string;
  payload?: unknown;
}

/**
 * PipelineTriggersApi groups the native API's schedule and trigger routes (`client.pipelineTriggers`):
 * cron schedules, data / upstream / event triggers, their firing history, manual firing and domain events.
 */
export class PipelineTriggersApi {
  constructor(private readonly http: HttpTransport) {}

  async list(query: { pipeline?: string; kind?: TriggerKind } = {}): Promise<PipelineTrigger[]> {
    const q: Record<string, string> = {};
    if (query.pipeline) q.pipeline = query.pipeline;
    if (query.kind) q.kind = query.kind;
    return (await this.http.json<{ items: PipelineTrigger[] }>({ method: 'GET', path: '/pipeline-triggers', query: q })).items;
  }

  create(params: CreateTriggerParams): Promise<PipelineTrigger> {
    return this.http.json({ method: 'POST', path: '/pipeline-triggers', json: params });
  }

  get(triggerId: string): Promise<PipelineTrigger> {
    return this.http.json({ method: 'GET', path: `/pipeline-triggers/${seg(triggerId)}` });
  }

  /** Enable or disable a trigger, or replace its params or description. */
  update(triggerId: string, patch: { enabled?: boolean; params?: Record<string, unknown>; description?: string | null }): Promise<PipelineTrigger> {
    return this.http.json({ method: 'PATCH', path: `/pipeline-triggers/${seg(triggerId)}`, json: patch });
  }

  async delete(triggerId: string): Promise<void> {
    await this.http.json({ method: 'DELETE', path: `/pipeline-triggers/${seg(triggerId)}` });
  }

  /** Firing history, newest first: of one trigger, or of every trigger of a pipeline. */
  async firings(query: { triggerId: string; limit?: number } | { pipeline: string; limit?: number }): Promise<TriggerFiring[]> {
    const q: Record<string, string> = query.limit ? { limit: String(query.limit) } : {};
    const path = 'triggerId' in query ? `/pipeline-triggers/${seg(query.triggerId)}/firings` : `/pipelines/${seg(query.pipeline)}/trigger-firings`;
    return (await this.http.json<{ items: TriggerFiring[] }>({ method: 'GET', path, query: q })).items;
  }

  /** Fire a trigger of `pipeline` now; `fired: false` when the idempotency key was already used. */
  fire(pipeline: string, triggerId: string, params: FireTriggerParams = {}): Promise<FireOutcome> {
    return this.http.json({ method: 'POST', path: `/pipelines/${seg(pipeline)}/triggers/${seg(triggerId)}/fire`, json: params });
  }

  /** Publish a domain event; every enabled event trigger for its type fires (once per `eventId`). */
  async publishEvent(type: string, options: { payload?: unknown; eventId?: string; params?: Record<string, unknown> } = {}): Promise<FireOutcome[]> {
    return (await this.http.json<{ outcomes: FireOutcome[] }>({ method: 'POST', path: '/pipeline-events', json: { type, ...options } })).outcomes;
  }
}
