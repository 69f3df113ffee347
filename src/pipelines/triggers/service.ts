import { systemClock, type Clock } from '../../core/clock.js';
import { invalid, notFound } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { parseInput } from '../../core/validate.js';
import {
  CreateTriggerInput,
  EventType,
  FireTriggerInput,
  PipelineName,
  TRIGGER_KINDS,
  UpdateTriggerInput,
  type DataConfig,
  type EventConfig,
  type FireOutcome,
  type FiringCause,
  type PipelineTrigger,
  type TriggerFiring,
  type TriggerKind,
  type UpstreamConfig,
} from './model.js';
import type { PipelineLauncher, PipelineRunFinished } from './pipeline-launcher.js';
import type { TriggerStore } from './store.js';

/** Largest event payload kept in a firing's history, in characters of JSON. */
const MAX_DETAIL_CHARS = 16_384;

export interface TriggerServiceOptions {
  store: TriggerStore;
  launcher: PipelineLauncher;
  clock?: Clock;
}

/** One firing to claim and launch. */
export interface FireRequest {
  trigger: PipelineTrigger;
  slotKey: string;
  cause: FiringCause;
  detail: Record<string, unknown>;
  params?: Record<string, unknown>;
}

/**
 * Rules of schedules and triggers: validation, the fire-once claim, starting the run and
 * recording the firing. The periodic part (cron slots, data checks) is `TriggerLoop`.
 */
export class TriggerService {
  readonly store: TriggerStore;
  private readonly launcher: PipelineLauncher;
  readonly clock: Clock;

  constructor(options: TriggerServiceOptions) {
    this.store = options.store;
    this.launcher = options.launcher;
    this.clock = options.clock ?? systemClock;
  }

  async create(input: unknown): Promise<PipelineTrigger> {
    const parsed = parseInput(CreateTriggerInput, input, 'trigger');
    if (!(await this.launcher.pipelineExists(parsed.pipeline))) throw notFound(`Pipeline '${parsed.pipeline}' does not exist`);
    if (parsed.kind === 'data' && !parsed.config.uri.startsWith('s3://') && !parsed.config.uri.startsWith('/') && !parsed.config.uri.startsWith('file:///')) {
      throw invalid('A watched local path must be absolute (or an s3:// prefix)', 'config.uri');
    }
    if (parsed.kind === 'upstream' && parsed.config.pipeline === parsed.pipeline) {
      throw invalid('A pipeline cannot trigger on its own runs', 'config.pipeline');
    }
    const now = this.clock.now();
    const trigger: PipelineTrigger = {
      triggerId: newId('trg'),
      pipeline: parsed.pipeline,
      kind: parsed.kind,
      description: parsed.description,
      config: parsed.config,
      params: parsed.params,
      enabled: parsed.enabled,
      createdTime: now,
      updatedTime: now,
      // Slots before creation are never "missed": the schedule did not exist yet.
      cursorTime: parsed.kind === 'schedule' ? now : null,
      state: null,
      stateVersion: 0,
      nextCheckTime: now,
    };
    await this.store.insertTrigger(trigger);
    return trigger;
  }

  async get(triggerId: string): Promise<PipelineTrigger> {
    const trigger = await this.store.getTrigger(triggerId);
    if (!trigger) throw notFound(`Trigger '${triggerId}' does not exist`);
    return trigger;
  }

  async list(query: { pipeline?: string; kind?: string } = {}): Promise<PipelineTrigger[]> {
    if (query.pipeline !== undefined) parseInput(PipelineName, query.pipeline, 'pipeline name');
    if (query.kind !== undefined && !(TRIGGER_KINDS as readonly string[]).includes(query.kind)) {
      throw invalid(`kind must be one of ${TRIGGER_KINDS.join(', ')}`, 'kind');
    }
    const filter: { pipeline?: string; kinds?: TriggerKind[] } = {};
    if (query.pipeline !== undefined) filter.pipeline = query.pipeline;
    if (query.kind !== undefined) filter.kinds = [query.kind as TriggerKind];
    return this.store.listTriggers(filter);
  }

  async update(triggerId: string, input: unknown): Promise<PipelineTrigger> {
    const patch = parseInput(UpdateTriggerInput, input, 'trigger update');
    const updated = await this.store.updateTrigger(triggerId, { ...patch, updatedTime: this.clock.now() });
    if (!updated) throw notFound(`Trigger '${triggerId}' does not exist`);
    return this.get(triggerId);
  }

  async delete(triggerId: string): Promise<void> {
    if (!(await this.store.deleteTrigger(triggerId))) throw notFound(`Trigger '${triggerId}' does not exist`);
  }

  async history(query: { triggerId?: string; pipeline?: string; limit?: number }): Promise<TriggerFiring[]> {
    const limit = query.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('limit must be an integer from 1 to 1000', 'limit');
    if (query.triggerId !== undefined) await this.get(query.triggerId);
    return this.store.listFirings({ ...query, limit });
  }

  /**
   * Fire a trigger by hand (the HTTP route): any kind may be fired this way. With an idempotency key
   * the call fires at most once however often it is retried, on any server.
   */
  async fire(triggerId: string, input: unknown = {}): Promise<FireOutcome> {
    const body = parseInput(FireTriggerInput, input, 'fire request');
    const trigger = await this.get(triggerId);
    if (!trigger.enabled) throw invalid(`Trigger '${triggerId}' is disabled`, 'triggerId');
    const slotKey = `http:${body.idempotencyKey ?? newId('fire')}`;
    return this.fireSlot({ trigger, slotKey, cause: 'http', detail: boundedDetail({ payload: body.payload ?? null, idempotencyKey: body.idempotencyKey ?? null }), params: body.params });
  }

  /**
   * Deliver a domain event (a monitoring alert, a webhook relay…) to every enabled event trigger
   * listening to `type`. With `eventId`, each trigger fires at most once for that event.
   */
  async fireEvent(type: string, payload: unknown = null, options: { eventId?: string; params?: Record<string, unknown> } = {}): Promise<FireOutcome[]> {
    parseInput(EventType, type, 'event type');
    const triggers = await this.store.listTriggers({ kinds: ['event'], enabledOnly: true });
    const outcomes: FireOutcome[] = [];
    for (const trigger of triggers) {
      const wanted = (trigger.config as EventConfig).eventType;
      if (wanted !== '*' && wanted !== type) continue;
      const slotKey = `event:${options.eventId ?? newId('evt')}`;
      outcomes.push(await this.fireSlot({ trigger, slotKey, cause: 'event', detail: boundedDetail({ eventType: type, eventId: options.eventId ?? null, payload }), params: options.params ?? {} }));
    }
    return outcomes;
  }

  /** Called when a pipeline run finishes: fires upstream triggers watching that pipeline. */
  async onRunFinished(event: PipelineRunFinished): Promise<FireOutcome[]> {
    const triggers = await this.store.listTriggers({ kinds: ['upstream'], enabledOnly: true });
    const outcomes: FireOutcome[] = [];
    for (const trigger of triggers) {
      const config = trigger.config as UpstreamConfig;
      if (config.pipeline !== event.pipeline || !config.statuses.includes(event.status)) continue;
      // Keyed by the upstream run: several servers hearing of the same run start one downstream run.
      outcomes.push(await this.fireSlot({ trigger, slotKey: `upstream:${event.runId}`, cause: 'upstream', detail: { upstreamPipeline: event.pipeline, upstreamRunId: event.runId, upstreamStatus: event.status } }));
    }
    return outcomes;
  }

  /** Check one data trigger now: fires when the watched location's digest changed since the last check. */
  async checkData(trigger: PipelineTrigger, digest: string): Promise<FireOutcome | null> {
    const config = trigger.config as DataConfig;
    if (trigger.state === digest) return null;
    // The first check only records a baseline: "new data" means new since the trigger was made.
    const won = await this.store.compareAndSetState(trigger.triggerId, trigger.stateVersion, digest);
    if (!won || trigger.state === null) return null;
    const change = trigger.stateVersion + 1;
    return this.fireSlot({ trigger, slotKey: `data:${change}`, cause: 'data', detail: { uri: config.uri, previousDigest: trigger.state, digest, change } });
  }

  /** Claim (trigger, slot) and, when this caller won it, start the run and record the outcome. */
  async fireSlot(request: FireRequest): Promise<FireOutcome> {
    const { trigger, slotKey, cause, detail } = request;
    const claimed = await this.store.claimFiring({ triggerId: trigger.triggerId, slotKey, cause, detail, firedTime: this.clock.now() });
    if (!claimed) return { fired: false, duplicate: true, slotKey };
    let outcome: { status: 'started' | 'failed'; runId: string | null; error: string | null };
    try {
      const { runId } = await this.launcher.startRun({ pipeline: trigger.pipeline, params: { ...trigger.params, ...request.params }, trigger: { triggerId: trigger.triggerId, cause, slotKey } });
      outcome = { status: 'started', runId, error: null };
    } catch (err) {
      // The slot stays claimed: a run that could not start is reported, not retried behind the user's back.
      outcome = { status: 'failed', runId: null, error: err instanceof Error ? err.message : String(err) };
    }
    await this.store.finishFiring(trigger.triggerId, slotKey, outcome);
    const firing = await this.store.getFiring(trigger.triggerId, slotKey);
    if (!firing) throw new Error(`Firing ${trigger.triggerId}/${slotKey} vanished (trigger deleted meanwhile?)`);
    return { fired: true, firing };
  }
}

function boundedDetail(detail: Record<string, unknown>): Record<string, unknown> {
  const text = JSON.stringify(detail);
  if (text.length <= MAX_DETAIL_CHARS) return detail;
  return { ...detail, payload: { truncated: true, chars: text.length, head: text.slice(0, 1024) } };
}
