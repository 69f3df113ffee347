import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { invalid, invalidState, notFound } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { parseInput } from '../../core/validate.js';
import type { Actor } from '../service.js';
import { literalHostRefusal } from './address-policy.js';
import { CreateWebhookInput, PING_EVENT, UpdateWebhookInput, type CreatedWebhook, type Webhook, type WebhookDelivery } from './model.js';
import type { WebhookRecord, WebhookStore } from './store.js';
import type { SendResult, WebhookSender } from './webhook-sender.js';

export interface WebhookServiceOptions {
  store: WebhookStore;
  sender: WebhookSender;
  /** Told when a redelivery is queued, so it goes out promptly (the dispatcher's `kick`). */
  onQueued?: () => void;
  clock?: Clock;
}

/** What `test` reports: the receiver's answer to a signed `ping`. */
export type PingResult = Omit<SendResult, 'aborted'>;

const WebhookId = z.string().min(1).max(64);
const Seq = z.coerce.number().int().positive();

const publicView = ({ secret: _secret, ...webhook }: WebhookRecord): Webhook => webhook;
const newSecret = () => randomBytes(32).toString('hex');

/** Rules of webhook subscriptions: validation, the create-time SSRF check, secrets, redelivery and pings. */
export class WebhookService {
  private readonly store: WebhookStore;
  private readonly sender: WebhookSender;
  private readonly onQueued: () => void;
  private readonly clock: Clock;

  constructor(options: WebhookServiceOptions) {
    this.store = options.store;
    this.sender = options.sender;
    this.onQueued = options.onQueued ?? (() => {});
    this.clock = options.clock ?? systemClock;
  }

  /** Create a webhook; the response is the only one that carries its secret. */
  async create(raw: unknown, actor: Actor): Promise<CreatedWebhook> {
    const input = parseInput(CreateWebhookInput, raw, 'webhook');
    checkAddress(input.url, input.allowPrivate);
    const now = this.clock.now();
    const record: WebhookRecord = {
      webhookId: newId('wh'),
      name: input.name,
      url: input.url,
      secret: input.secret ?? newSecret(),
      events: input.events,
      modelName: input.modelName ?? null,
      allowPrivate: input.allowPrivate,
      active: input.active,
      createdBy: actor.user,
      creationTime: now,
      lastUpdatedTime: now,
    };
    await this.store.insertWebhook(record);
    return { ...publicView(record), secret: record.secret };
  }

  async list(): Promise<Webhook[]> {
    return (await this.store.listWebhooks()).map(publicView);
  }

  async get(webhookId: string): Promise<Webhook> {
    return publicView(await this.record(webhookId));
  }

  /** Change a webhook; `secret` is in the result only when `rotateSecret` asked for a new one. */
  async update(webhookId: string, raw: unknown, _actor: Actor): Promise<Webhook & { secret?: string }> {
    const input = parseInput(UpdateWebhookInput, raw, 'webhook');
    const current = await this.record(webhookId);
    const url = input.url ?? current.url;
    const allowPrivate = input.allowPrivate ?? current.allowPrivate;
    if (input.url !== undefined || input.allowPrivate !== undefined) checkAddress(url, allowPrivate);
    const secret = input.rotateSecret ? newSecret() : undefined;
    await this.store.updateWebhook(current.webhookId, {
      lastUpdatedTime: this.clock.now(),
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.url !== undefined ? { url: input.url } : {}),
      ...(input.events !== undefined ? { events: input.events } : {}),
      ...(input.modelName !== undefined ? { modelName: input.modelName } : {}),
      ...(input.allowPrivate !== undefined ? { allowPrivate: input.allowPrivate } : {}),
      ...(input.active !== undefined ? { active: input.active } : {}),
      ...(secret !== undefined ? { secret } : {}),
    });
    const updated = await this.get(current.webhookId);
    return secret !== undefined ? { ...updated, secret } : updated;
  }

  async delete(webhookId: string, _actor: Actor): Promise<void> {
    if (!(await this.store.deleteWebhook(parseInput(WebhookId, webhookId, 'webhookId')))) throw notFound(`Webhook ${webhookId} not found`);
  }

  /** The latest deliveries (highest seq first), each with its event and attempt log. */
  async deliveries(webhookId: string, options: { limit?: number | null } = {}): Promise<WebhookDelivery[]> {
    const limit = parseInput(z.number().int().min(1).max(1000), options.limit ?? 50, 'limit');
    const webhook = await this.record(webhookId);
    return this.store.listDeliveries(webhook.webhookId, { limit });
  }

  /**
   * Queue a delivered or failed event again. It goes through the same queue: in order with the
   * model's other events (later pending ones wait for it) and with fresh retries.
   */
  async redeliver(webhookId: string, seq: number | string): Promise<WebhookDelivery> {
    const n = parseInput(Seq, seq, 'seq');
    const webhook = await this.record(webhookId);
    const outcome = await this.store.requeueDelivery(webhook.webhookId, n, this.clock.now());
    if (outcome === 'missing') throw notFound(`Webhook ${webhookId} has no delivery for event ${n}`);
    if (outcome === 'pending') throw invalidState(`Event ${n} is already queued for webhook ${webhookId}`);
    this.onQueued();
    return (await this.store.getDelivery(webhook.webhookId, n))!;
  }

  /** Send a signed `ping` now, outside the queue (even to an inactive webhook), and report the answer. */
  async test(webhookId: string, actor: Actor): Promise<PingResult> {
    const webhook = await this.record(webhookId);
    const time = this.clock.now();
    const { aborted: _aborted, ...result } = await this.sender.send(webhook, {
      id: `${webhook.webhookId}:ping-${randomBytes(6).toString('hex')}`,
      seq: 0,
      type: PING_EVENT,
      time,
      model: null,
      version: null,
      alias: null,
      fromVersion: null,
      toVersion: null,
      actor: actor.user,
      reason: actor.reason ?? null,
      payload: { webhookId: webhook.webhookId, name: webhook.name, events: webhook.events },
    });
    return result;
  }

  private async record(webhookId: string): Promise<WebhookRecord> {
    const webhook = await this.store.getWebhook(parseInput(WebhookId, webhookId, 'webhookId'));
    if (!webhook) throw notFound(`Webhook ${webhookId} not found`);
    return webhook;
  }
}

/** Refuse a literal private/loopback/link-local host up front; names are checked after DNS at each delivery. */
function checkAddress(url: string, allowPrivate: boolean): void {
  if (allowPrivate) return;
  const refusal = literalHostRefusal(new URL(url));
  if (refusal) throw invalid(`Invalid webhook field 'url': ${refusal}; set allowPrivate: true to deliver to private networks`, 'url');
}
