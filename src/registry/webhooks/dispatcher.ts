import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../../core/clock.js';
import { webhookBody, type AttemptOutcome } from './model.js';
import type { ClaimedDelivery, DeliveryNext, WebhookStore } from './store.js';
import type { SendResult, WebhookSender } from './webhook-sender.js';

export interface WebhookDispatcherOptions {
  store: WebhookStore;
  sender: WebhookSender;
  clock?: Clock;
  /** How often to look for due deliveries when nothing kicked us (default 250 ms). */
  pollIntervalMs?: number;
  /** Deliveries in flight at once, across webhooks and models (default 8). */
  concurrency?: number;
  /**
   * How long a claim is exclusive (default 60 s). Must outlast a request (the sender's timeout)
   * plus clock skew between servers: a lease that ends early lets a second dispatcher send it too.
   */
  leaseMs?: number;
  /** Attempts before a delivery is marked `failed` and later events of its model proceed (default 20). */
  maxAttempts?: number;
  /** Retry `n` waits `backoffBaseMs · 2^(n-1)`, capped at `backoffMaxMs` (defaults 1 s and 5 min). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Where unexpected failures (database unavailable) go; the loop keeps running. */
  onError?: (err: unknown) => void;
}

const inFlightKey = (d: ClaimedDelivery) => `${d.webhook.webhookId}:${d.seq}`;

interface InFlight {
  done: Promise<void>;
  abort: AbortController;
}

/**
 * Drains the webhook delivery queue: at-least-once, in order per (webhook, model). Any number of
 * dispatchers (one per server) may share one database; leases keep them off each other's rows.
 * See ARCHITECTURE.md in this folder.
 */
export class WebhookDispatcher {
  /** This dispatcher's lease owner id (host, pid and a random part, to tell servers apart in the database). */
  readonly owner = `${os.hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  private readonly store: WebhookStore;
  private readonly sender: WebhookSender;
  private readonly clock: Clock;
  private readonly pollIntervalMs: number;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly onError: (err: unknown) => void;

  private readonly inFlight = new Map<string, InFlight>();
  private loop: Promise<void> | undefined;
  private stopping = false;
  /** A kick that arrived while the loop was busy: the next idle wait returns at once. */
  private kicked = false;
  private wake: (() => void) | undefined;

  constructor(options: WebhookDispatcherOptions) {
    this.store = options.store;
    this.sender = options.sender;
    this.clock = options.clock ?? systemClock;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.concurrency = options.concurrency ?? 8;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.maxAttempts = options.maxAttempts ?? 20;
    this.backoffBaseMs = options.backoffBaseMs ?? 1_000;
    this.backoffMaxMs = options.backoffMaxMs ?? 5 * 60_000;
    this.onError = options.onError ?? (() => {});
  }

  get running(): boolean {
    return this.loop !== undefined && !this.stopping;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Look for due deliveries now rather than at the next poll (call after a registry write commits). */
  kick(): void {
    if (this.wake) this.wake();
    else this.kicked = true;
  }

  /**
   * Stop claiming, then let in-flight deliveries finish (each is bounded by the sender's timeout).
   * With `graceMs`, deliveries still running after it are aborted and their leases given back so
   * another dispatcher can send them at once; the receiver may already have them (at-least-once).
   */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (!this.loop) return;
    this.stopping = true;
    this.kick();
    await this.loop;
    const running = [...this.inFlight.values()];
    const all = Promise.all(running.map((f) => f.done));
    if (options.graceMs !== undefined && running.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'grace-over'>((resolve) => {
        timer = setTimeout(() => resolve('grace-over'), options.graceMs);
      });
      if ((await Promise.race([all, graceOver])) === 'grace-over') for (const f of running) f.abort.abort();
      clearTimeout(timer);
    }
    await all;
    this.loop = undefined;
  }

  /** Wait `n` of backoff after the n-th failed attempt. */
  backoffMs(n: number): number {
    return Math.min(this.backoffBaseMs * 2 ** (n - 1), this.backoffMaxMs);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const free = this.concurrency - this.inFlight.size;
      if (free > 0) {
        try {
          const claimed = await this.store.claimDue({ now: this.clock.now(), leaseMs: this.leaseMs, owner: this.owner, limit: free });
          // A delivery outliving its lease can come back to its own dispatcher: the claim just renewed
          // the lease; sending it a second time alongside the first would break the per-model order.
          for (const d of claimed) if (!this.inFlight.has(inFlightKey(d))) this.launch(d);
        } catch (err) {
          this.onError(err);
        }
      }
      // A finished delivery kicks the loop: it may have unblocked the next event of its model.
      await this.idle();
    }
  }

  private idle(): Promise<void> {
    if (this.kicked || this.stopping) {
      this.kicked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), this.pollIntervalMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private launch(d: ClaimedDelivery): void {
    const key = inFlightKey(d);
    const abort = new AbortController();
    const done = this.deliver(d, abort.signal)
      .catch((err: unknown) => this.onError(err))
      .finally(() => {
        this.inFlight.delete(key);
        this.kick();
      });
    this.inFlight.set(key, { done, abort });
  }

  private async deliver(d: ClaimedDelivery, signal: AbortSignal): Promise<void> {
    const n = d.attempts + 1;
    const time = this.clock.now();
    const result = await this.sender.send(d.webhook, webhookBody(d.webhook.webhookId, d.event), { signal });
    const attempt = (outcome: AttemptOutcome, error = result.error) => ({ attempt: n, time, durationMs: result.durationMs, statusCode: result.statusCode, error, outcome });
    if (result.aborted) {
      await this.store.releaseLease(d.webhook.webhookId, d.seq, this.owner, attempt('interrupted'));
      return;
    }
    const [next, outcome, error] = this.decide(n, result);
    await this.store.recordAttempt({ webhookId: d.webhook.webhookId, seq: d.seq, owner: this.owner, attempt: attempt(outcome, error), next });
  }

  private decide(n: number, result: SendResult): [DeliveryNext, AttemptOutcome, string | null] {
    if (result.ok) return [{ status: 'delivered' }, 'delivered', null];
    if (n >= this.maxAttempts) return [{ status: 'failed' }, 'failed', `${result.error ?? 'failed'} (giving up after ${n} attempts; later events of this model proceed)`];
    return [{ status: 'pending', nextAttemptTime: this.clock.now() + this.backoffMs(n) }, 'retrying', result.error];
  }
}
