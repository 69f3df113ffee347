import { z } from 'zod';
import { notFound } from '../../core/errors.js';
import { CreateTriggerInput, EventType, FIRING_CAUSES, FIRING_STATUSES, FireTriggerInput, MISSED_POLICIES, PipelineName, TRIGGER_KINDS, TriggerId, UpdateTriggerInput } from '../../pipelines/triggers/model.js';
import type { TriggerService } from '../../pipelines/triggers/service.js';
import type { NativeRouter } from './native-router.js';
import { optionalInt } from './native-schemas.js';

const TriggerSchema = z.object({
  triggerId: z.string(),
  pipeline: z.string(),
  kind: z.enum(TRIGGER_KINDS),
  description: z.string().nullable(),
  config: z.record(z.string(), z.unknown()).describe(`schedule: {cron, timezone, missed: ${MISSED_POLICIES.join('|')}, graceSeconds, maxCatchUp}; data: {uri, pollSeconds}; upstream: {pipeline, statuses}; event: {eventType}`),
  params: z.record(z.string(), z.unknown()),
  enabled: z.boolean(),
  createdTime: z.number(),
  updatedTime: z.number(),
  cursorTime: z.number().nullable(),
  state: z.string().nullable(),
  stateVersion: z.number(),
  nextCheckTime: z.number(),
});
const FiringSchema = z.object({
  triggerId: z.string(),
  pipeline: z.string(),
  slotKey: z.string(),
  cause: z.enum(FIRING_CAUSES),
  detail: z.record(z.string(), z.unknown()),
  firedTime: z.number(),
  status: z.enum(FIRING_STATUSES),
  runId: z.string().nullable(),
  error: z.string().nullable(),
});
const FireOutcomeSchema = z.object({ fired: z.boolean(), duplicate: z.boolean().optional(), slotKey: z.string().optional(), firing: FiringSchema.optional() });

const TriggerParams = z.object({ triggerId: TriggerId });
const PipelineParams = z.object({ name: PipelineName });
const EventInput = z.strictObject({
  type: EventType,
  payload: z.unknown().optional(),
  /** Each trigger fires at most once per event id, however often the event is delivered. */
  eventId: z.string().min(1).max(200).optional(),
  params: z.record(z.string().min(1).max(200), z.unknown()).optional(),
});

/** Pipeline schedules and triggers: CRUD, firing history, manual (HTTP) firing and domain events. */
export function addPipelineTriggerRoutes(router: NativeRouter, { pipelineTriggers: triggers }: { pipelineTriggers: TriggerService }): void {
  router.add({
    method: 'GET',
    url: '/pipeline-triggers',
    summary: 'List schedules and triggers, optionally of one pipeline or kind',
    tag: 'pipelines',
    query: z.object({ pipeline: PipelineName.optional(), kind: z.enum(TRIGGER_KINDS).optional() }),
    response: z.object({ items: z.array(TriggerSchema) }),
    handler: async ({ query }) => ({ items: await triggers.list(query) }),
  });
  router.add({
    method: 'POST',
    url: '/pipeline-triggers',
    summary: 'Create a schedule (cron) or a data, upstream or event trigger',
    tag: 'pipelines',
    body: CreateTriggerInput,
    response: TriggerSchema,
    handler: async ({ body }) => triggers.create(body),
  });
  router.add({
    method: 'GET',
    url: '/pipeline-triggers/:triggerId',
    summary: 'Get a schedule or trigger',
    tag: 'pipelines',
    params: TriggerParams,
    response: TriggerSchema,
    handler: async ({ params }) => triggers.get(params.triggerId),
  });
  router.add({
    method: 'PATCH',
    url: '/pipeline-triggers/:triggerId',
    summary: 'Enable, disable, or change the params or description of a trigger',
    tag: 'pipelines',
    params: TriggerParams,
    body: UpdateTriggerInput,
    response: TriggerSchema,
    handler: async ({ params, body }) => triggers.update(params.triggerId, body),
  });
  router.add({
    method: 'DELETE',
    url: '/pipeline-triggers/:triggerId',
    summary: 'Delete a trigger and its firing history',
    tag: 'pipelines',
    params: TriggerParams,
    handler: async ({ params, reply }) => {
      await triggers.delete(params.triggerId);
      return reply.status(204).send();
    },
  });
  router.add({
    method: 'GET',
    url: '/pipeline-triggers/:triggerId/firings',
    summary: 'Firing history of a trigger, newest first: cause, slot and the run it started',
    tag: 'pipelines',
    params: TriggerParams,
    query: z.object({ limit: optionalInt }),
    response: z.object({ items: z.array(FiringSchema) }),
    handler: async ({ params, query }) => ({ items: await triggers.history({ triggerId: params.triggerId, ...(query.limit ? { limit: query.limit } : {}) }) }),
  });
  router.add({
    method: 'GET',
    url: '/pipelines/:name/trigger-firings',
    summary: 'Firing history of every trigger of a pipeline, newest first',
    tag: 'pipelines',
    params: PipelineParams,
    query: z.object({ limit: optionalInt }),
    response: z.object({ items: z.array(FiringSchema) }),
    handler: async ({ params, query }) => ({ items: await triggers.history({ pipeline: params.name, ...(query.limit ? { limit: query.limit } : {}) }) }),
  });
  router.add({
    method: 'POST',
    url: '/pipelines/:name/triggers/:triggerId/fire',
    summary: 'Fire a trigger now (any kind); with idempotencyKey a retried call starts no second run',
    tag: 'pipelines',
    params: PipelineParams.extend({ triggerId: TriggerId }),
    body: FireTriggerInput,
    response: FireOutcomeSchema,
    handler: async ({ params, body }) => {
      const trigger = await triggers.get(params.triggerId);
      if (trigger.pipeline !== params.name) throw notFound(`Pipeline '${params.name}' has no trigger '${params.triggerId}'`);
      return triggers.fire(params.triggerId, body);
    },
  });
  router.add({
    method: 'POST',
    url: '/pipeline-events',
    summary: 'Publish a domain event (e.g. monitor.drift): every enabled event trigger listening to its type fires',
    tag: 'pipelines',
    body: EventInput,
    response: z.object({ outcomes: z.array(FireOutcomeSchema) }),
    handler: async ({ body }) => ({ outcomes: await triggers.fireEvent(body.type, body.payload ?? null, { ...(body.eventId ? { eventId: body.eventId } : {}), ...(body.params ? { params: body.params } : {}) }) }),
  });
}
