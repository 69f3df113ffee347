import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../../registry/service.js';
import { ATTEMPT_OUTCOMES, CreateWebhookInput, DELIVERY_STATUSES, UpdateWebhookInput } from '../../registry/webhooks/model.js';
import type { WebhookService } from '../../registry/webhooks/service.js';
import type { NativeRouter } from './native-router.js';
import { optionalInt } from './native-schemas.js';

const WebhookSchema = z.object({
  webhookId: z.string(),
  name: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  modelName: z.string().nullable(),
  allowPrivate: z.boolean(),
  active: z.boolean(),
  createdBy: z.string().nullable(),
  creationTime: z.number(),
  lastUpdatedTime: z.number(),
});
const EventSchema = z.object({
  seq: z.number(),
  type: z.string(),
  modelId: z.string(),
  modelName: z.string(),
  version: z.string().nullable(),
  alias: z.string().nullable(),
  fromVersion: z.string().nullable(),
  toVersion: z.string().nullable(),
  actor: z.string(),
  reason: z.string().nullable(),
  time: z.number(),
  payload: z.record(z.string(), z.unknown()),
});
const DeliverySchema = z.object({
  id: z.string(),
  webhookId: z.string(),
  seq: z.number(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number(),
  nextAttemptTime: z.number().nullable(),
  lastStatusCode: z.number().nullable(),
  lastError: z.string().nullable(),
  deliveredTime: z.number().nullable(),
  event: EventSchema,
  attemptLog: z.array(z.object({ attempt: z.number(), time: z.number(), durationMs: z.number(), statusCode: z.number().nullable(), error: z.string().nullable(), outcome: z.enum(ATTEMPT_OUTCOMES) })),
});
const PingSchema = z.object({ ok: z.boolean(), statusCode: z.number().nullable(), error: z.string().nullable(), durationMs: z.number() });

const WebhookParams = z.object({ webhookId: z.string().min(1).max(64) });

/** The acting user, from `x-ascent-user` (until authentication lands). */
function actorOf(request: FastifyRequest): Actor {
  const header = request.headers['x-ascent-user'];
  const user = (Array.isArray(header) ? header[0] : header)?.trim();
  return { user: user || 'anonymous' };
}

/** Registry webhooks: subscriptions, their delivery log, redelivery and test pings. */
export function addWebhookRoutes(router: NativeRouter, { webhooks }: { webhooks: WebhookService }): void {
  router.add({
    method: 'GET',
    url: '/webhooks',
    summary: 'List webhooks (secrets are never returned)',
    tag: 'webhooks',
    response: z.object({ items: z.array(WebhookSchema) }),
    handler: async () => ({ items: await webhooks.list() }),
  });
  router.add({
    method: 'POST',
    url: '/webhooks',
    summary: 'Create a webhook; the response carries its signing secret, this once',
    tag: 'webhooks',
    body: CreateWebhookInput,
    response: WebhookSchema.extend({ secret: z.string() }),
    handler: async ({ body, request }) => webhooks.create(body, actorOf(request)),
  });
  router.add({
    method: 'GET',
    url: '/webhooks/:webhookId',
    summary: 'Get a webhook',
    tag: 'webhooks',
    params: WebhookParams,
    response: WebhookSchema,
    handler: async ({ params }) => webhooks.get(params.webhookId),
  });
  router.add({
    method: 'PATCH',
    url: '/webhooks/:webhookId',
    summary: 'Update a webhook (activate/deactivate, events, url, model filter, rotate the secret)',
    tag: 'webhooks',
    params: WebhookParams,
    body: UpdateWebhookInput,
    response: WebhookSchema.extend({ secret: z.string().optional() }),
    handler: async ({ params, body, request }) => webhooks.update(params.webhookId, body, actorOf(request)),
  });
  router.add({
    method: 'DELETE',
    url: '/webhooks/:webhookId',
    summary: 'Delete a webhook with its queued deliveries and delivery log',
    tag: 'webhooks',
    params: WebhookParams,
    handler: async ({ params, request }) => webhooks.delete(params.webhookId, actorOf(request)),
  });
  router.add({
    method: 'GET',
    url: '/webhooks/:webhookId/deliveries',
    summary: 'Latest deliveries of a webhook with their events and attempt log',
    tag: 'webhooks',
    params: WebhookParams,
    query: z.object({ limit: optionalInt }),
    response: z.object({ items: z.array(DeliverySchema) }),
    handler: async ({ params, query }) => ({ items: await webhooks.deliveries(params.webhookId, { limit: query.limit ?? null }) }),
  });
  router.add({
    method: 'POST',
    url: '/webhooks/:webhookId/deliveries/:seq/redeliver',
    summary: 'Queue a delivered or failed event again',
    tag: 'webhooks',
    params: WebhookParams.extend({ seq: z.coerce.number().int().positive() }),
    response: DeliverySchema,
    handler: async ({ params }) => webhooks.redeliver(params.webhookId, params.seq),
  });
  router.add({
    method: 'POST',
    url: '/webhooks/:webhookId/test',
    summary: 'Send a signed ping now and report the receiver’s answer',
    tag: 'webhooks',
    params: WebhookParams,
    response: PingSchema,
    handler: async ({ params, request }) => webhooks.test(params.webhookId, actorOf(request)),
  });
}
