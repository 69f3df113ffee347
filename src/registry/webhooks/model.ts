import { z } from 'zod';
import { ModelName, REGISTRY_EVENT_TYPES, type RegistryEvent } from '../model.js';

/** Entities of registry webhooks: subscriptions, their deliveries, and what a receiver is sent. */

/** A subscription to registry events. The signing secret is never part of it (see `CreatedWebhook`). */
export interface Webhook {
  webhookId: string;
  name: string;
  url: string;
  /** Event types (`alias.set`), family patterns (`alias.*`) or `*`. */
  events: string[];
  /** Only events of this registered model, when set. */
  modelName: string | null;
  /** Deliver to loopback, link-local and private addresses too (off by default: SSRF guard). */
  allowPrivate: boolean;
  active: boolean;
  createdBy: string | null;
  creationTime: number;
  lastUpdatedTime: number;
}

/** What `create` (and a secret rotation) returns: the only time the secret leaves the server. */
export interface CreatedWebhook extends Webhook {
  secret: string;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * `retrying`: failed, rescheduled with backoff; `failed`: failed and out of attempts;
 * `interrupted`: the dispatcher stopped mid-request (not counted; the receiver may have it).
 */
export const ATTEMPT_OUTCOMES = ['delivered', 'retrying', 'failed', 'interrupted'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

export interface DeliveryAttempt {
  attempt: number;
  time: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  outcome: AttemptOutcome;
}

/** One event queued for one webhook, with its attempt log. */
export interface WebhookDelivery {
  /** `<webhook_id>:<seq>`, also sent to the receiver so it can drop duplicates. */
  id: string;
  webhookId: string;
  seq: number;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptTime: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredTime: number | null;
  event: RegistryEvent;
  attemptLog: DeliveryAttempt[];
}

/** The JSON body POSTed to a receiver (see docs/webhooks.md). */
export interface WebhookRequestBody {
  id: string;
  seq: number;
  type: string;
  time: number;
  model: { id: string; name: string } | null;
  version: string | null;
  alias: string | null;
  fromVersion: string | null;
  toVersion: string | null;
  actor: string;
  reason: string | null;
  payload: Record<string, unknown>;
}

export const PING_EVENT = 'ping';

export function deliveryId(webhookId: string, seq: number): string {
  return `${webhookId}:${seq}`;
}

export function webhookBody(webhookId: string, e: RegistryEvent): WebhookRequestBody {
  return {
    id: deliveryId(webhookId, e.seq),
    seq: e.seq,
    type: e.type,
    time: e.time,
    model: { id: e.modelId, name: e.modelName },
    version: e.version,
    alias: e.alias,
    fromVersion: e.fromVersion,
    toVersion: e.toVersion,
    actor: e.actor,
    reason: e.reason,
    payload: e.payload,
  };
}

// ---------- input schemas ----------

/** `model`, `version`, `alias`, `approval`, `approval_rule`: the families `<family>.*` may name. */
export const EVENT_FAMILIES: readonly string[] = [...new Set(REGISTRY_EVENT_TYPES.map((t) => t.slice(0, t.indexOf('.'))))];

export function isEventPattern(p: string): boolean {
  return p === '*' || (REGISTRY_EVENT_TYPES as readonly string[]).includes(p) || (p.endsWith('.*') && EVENT_FAMILIES.includes(p.slice(0, -2)));
}

export const EventPattern = z.string().refine(isEventPattern, {
  error: (issue) => `'${String(issue.input)}' is not an event type (${REGISTRY_EVENT_TYPES.join(', ')}), a family pattern (${EVENT_FAMILIES.map((f) => `${f}.*`).join(', ')}) or '*'`,
});

const EventPatterns = z
  .array(EventPattern)
  .min(1, 'must name at least one event type or pattern')
  .max(50)
  .transform((list) => [...new Set(list)]);

export const WebhookUrl = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(2000)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `must use http or https, not ${url.protocol.slice(0, -1)}` });
    // Credentials in the URL would be stored and logged in clear; receivers authenticate us by the signature.
    if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not contain a user name or password; verify the x-ascent-signature header instead' });
  });

const Secret = z.string().min(16, 'must be at least 16 characters').max(256);

export const CreateWebhookInput = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(200),
  url: WebhookUrl,
  events: EventPatterns,
  modelName: ModelName.nullish(),
  secret: Secret.nullish(),
  allowPrivate: z.boolean().default(false),
  active: z.boolean().default(true),
});
export type CreateWebhookInput = z.infer<typeof CreateWebhookInput>;

export const UpdateWebhookInput = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(200).optional(),
  url: WebhookUrl.optional(),
  events: EventPatterns.optional(),
  /** null removes the model filter. */
  modelName: ModelName.nullable().optional(),
  allowPrivate: z.boolean().optional(),
  active: z.boolean().optional(),
  /** Replace the signing secret with a new random one, returned in this response only. */
  rotateSecret: z.boolean().optional(),
});
export type UpdateWebhookInput = z.infer<typeof UpdateWebhookInput>;
