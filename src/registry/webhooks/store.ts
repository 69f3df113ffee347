import type { RegistryEvent } from '../model.js';
import type { DeliveryAttempt, Webhook, WebhookDelivery } from './model.js';

/** A webhook as stored: the entity plus its signing secret. */
export interface WebhookRecord extends Webhook {
  secret: string;
}

export type WebhookPatch = Partial<Pick<WebhookRecord, 'name' | 'url' | 'events' | 'modelName' | 'allowPrivate' | 'active' | 'secret'>> & { lastUpdatedTime: number };

/** A delivery this dispatcher holds the lease of, with what it needs to send it. */
export interface ClaimedDelivery {
  webhook: { webhookId: string; url: string; secret: string; allowPrivate: boolean };
  seq: number;
  /** Attempts made before this one (since the last redelivery request). */
  attempts: number;
  event: RegistryEvent;
}

export interface ClaimQuery {
  now: number;
  /** The lease runs until `now + leaseMs`; after that another dispatcher may take the delivery. */
  leaseMs: number;
  /** Identifies the claiming dispatcher; results are written only while it still holds the lease. */
  owner: string;
  limit: number;
}

/** What happens to a delivery after an attempt. */
export type DeliveryNext = { status: 'delivered' } | { status: 'pending'; nextAttemptTime: number } | { status: 'failed' };

export interface AttemptResult {
  webhookId: string;
  seq: number;
  owner: string;
  attempt: DeliveryAttempt;
  next: DeliveryNext;
}

/**
 * The persistence port of webhooks: subscriptions, and the delivery queue the registry fills in
 * the event's own transaction and dispatchers drain under leases.
 */
export interface WebhookStore {
  insertWebhook(webhook: WebhookRecord): Promise<void>;
  getWebhook(webhookId: string): Promise<WebhookRecord | null>;
  listWebhooks(): Promise<WebhookRecord[]>;
  updateWebhook(webhookId: string, patch: WebhookPatch): Promise<void>;
  /** Deletes the webhook with its deliveries and their log; false when there was none. */
  deleteWebhook(webhookId: string): Promise<boolean>;

  /**
   * Lease up to `limit` due deliveries of active webhooks. A delivery is due when it is pending,
   * its next attempt time has come, nobody holds a live lease on it, and no earlier (lower seq)
   * pending delivery exists for the same webhook and model: that is what orders delivery per model.
   * Two dispatchers never hold the same delivery: the lease is taken by a conditional UPDATE.
   */
  claimDue(query: ClaimQuery): Promise<ClaimedDelivery[]>;
  /**
   * Log an attempt and, when `owner` still holds the lease, apply `next` and release the lease.
   * Returns false when the lease had passed to another dispatcher (the attempt is still logged).
   */
  recordAttempt(result: AttemptResult): Promise<boolean>;
  /** Give the lease back without counting an attempt (the dispatcher is stopping); logs `attempt` when given. */
  releaseLease(webhookId: string, seq: number, owner: string, attempt?: DeliveryAttempt): Promise<void>;

  /** The latest deliveries of a webhook (highest seq first) with their events and attempt logs. */
  listDeliveries(webhookId: string, query: { limit: number }): Promise<WebhookDelivery[]>;
  getDelivery(webhookId: string, seq: number): Promise<WebhookDelivery | null>;
  /**
   * Queue a delivered or failed delivery again (fresh attempt count, due at `now`).
   * `pending` when it is already queued; `missing` when there is no such delivery.
   */
  requeueDelivery(webhookId: string, seq: number, now: number): Promise<'requeued' | 'pending' | 'missing'>;
}
