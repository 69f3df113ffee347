import type { Generated, Kysely } from 'kysely';
import type { Database, WebhookDeliveriesTable, WebhooksTable } from '../../storage/sql/schema.js';
import type { SqlDatabase } from '../../storage/sql/sql-database.js';
import { toEvent } from '../sql-registry-rows.js';
import { deliveryId, type AttemptOutcome, type DeliveryAttempt, type DeliveryStatus, type WebhookDelivery } from './model.js';
import type { AttemptResult, ClaimQuery, ClaimedDelivery, WebhookPatch, WebhookRecord, WebhookStore } from './store.js';

/**
 * Columns and the table added by migration 0003_webhook_dispatch. They are declared here, not in
 * storage/sql/schema.ts, because this folder is their only user.
 */
interface WebhookDeliveryAttemptsTable {
  attempt_id: Generated<number>;
  webhook_id: string;
  seq: number;
  attempt: number;
  time: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  outcome: string;
}
type WebhookTables = {
  webhooks: WebhooksTable & { created_by: string | null };
  webhook_deliveries: WebhookDeliveriesTable & { lease_owner: string | null };
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
};
type WebhookDb = Kysely<Database & WebhookTables>;

type WebhookRow = WebhookTables['webhooks'];

function toWebhook(row: WebhookRow): WebhookRecord {
  return {
    webhookId: row.webhook_id,
    name: row.name,
    url: row.url,
    secret: row.secret,
    events: JSON.parse(row.events) as string[],
    modelName: row.model_name,
    allowPrivate: row.allow_private === 1,
    active: row.active === 1,
    createdBy: row.created_by,
    creationTime: row.creation_time,
    lastUpdatedTime: row.last_updated_time,
  };
}

/** WebhookStore on Kysely, for SQLite and PostgreSQL alike. */
export class SqlWebhookStore implements WebhookStore {
  private readonly db: WebhookDb;

  constructor(database: SqlDatabase) {
    this.db = database.db.withTables<WebhookTables>();
  }

  async insertWebhook(w: WebhookRecord): Promise<void> {
    await this.db
      .insertInto('webhooks')
      .values({
        webhook_id: w.webhookId,
        name: w.name,
        url: w.url,
        secret: w.secret,
        events: JSON.stringify(w.events),
        model_name: w.modelName,
        allow_private: w.allowPrivate ? 1 : 0,
        active: w.active ? 1 : 0,
        created_by: w.createdBy,
        creation_time: w.creationTime,
        last_updated_time: w.lastUpdatedTime,
      })
      .execute();
  }

  async getWebhook(webhookId: string): Promise<WebhookRecord | null> {
    const row = await this.db.selectFrom('webhooks').selectAll().where('webhook_id', '=', webhookId).executeTakeFirst();
    return row ? toWebhook(row) : null;
  }

  async listWebhooks(): Promise<WebhookRecord[]> {
    const rows = await this.db.selectFrom('webhooks').selectAll().orderBy('creation_time').orderBy('webhook_id').execute();
    return rows.map(toWebhook);
  }

  async updateWebhook(webhookId: string, p: WebhookPatch): Promise<void> {
    await this.db
      .updateTable('webhooks')
      .set({
        last_updated_time: p.lastUpdatedTime,
        ...(p.name !== undefined ? { name: p.name } : {}),
        ...(p.url !== undefined ? { url: p.url } : {}),
        ...(p.events !== undefined ? { events: JSON.stringify(p.events) } : {}),
        ...(p.modelName !== undefined ? { model_name: p.modelName } : {}),
        ...(p.allowPrivate !== undefined ? { allow_private: p.allowPrivate ? 1 : 0 } : {}),
        ...(p.active !== undefined ? { active: p.active ? 1 : 0 } : {}),
        ...(p.secret !== undefined ? { secret: p.secret } : {}),
      })
      .where('webhook_id', '=', webhookId)
      .execute();
  }

  async deleteWebhook(webhookId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // Explicit, not only ON DELETE CASCADE: the cascade depends on SQLite's foreign_keys pragma.
      await trx.deleteFrom('webhook_delivery_attempts').where('webhook_id', '=', webhookId).execute();
      await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', webhookId).execute();
      const res = await trx.deleteFrom('webhooks').where('webhook_id', '=', webhookId).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  // ---------------- the delivery queue ----------------

  async claimDue(q: ClaimQuery): Promise<ClaimedDelivery[]> {
    if (q.limit <= 0) return [];
    const candidates = await this.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhooks as w', 'w.webhook_id', 'd.webhook_id')
      .innerJoin('registry_events as e', 'e.seq', 'd.seq')
      .selectAll('e')
      .select(['d.webhook_id', 'd.attempts', 'w.url', 'w.secret', 'w.allow_private'])
      .where('d.status', '=', 'pending')
      .where('w.active', '=', 1)
      .where('d.next_attempt_time', '<=', q.now)
      .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<', q.now)]))
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('webhook_deliveries as p').select('p.seq').whereRef('p.webhook_id', '=', 'd.webhook_id').whereRef('p.model_id', '=', 'd.model_id').where('p.status', '=', 'pending').whereRef('p.seq', '<', 'd.seq'))),
      )
      .orderBy('d.seq')
      .limit(q.limit)
      .execute();
    const claimed: ClaimedDelivery[] = [];
    for (const c of candidates) {
      const seq = Number(c.seq);
      // The same conditions again, atomically with taking the lease: between the SELECT and here
      // another dispatcher may have claimed it, delivered it, or an earlier event may be queued again.
      const res = await this.db
        .updateTable('webhook_deliveries')
        .set({ lease_until: q.now + q.leaseMs, lease_owner: q.owner })
        .where('webhook_id', '=', c.webhook_id)
        .where('seq', '=', seq)
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', q.now)]))
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('webhook_deliveries as p').select('p.seq').where('p.webhook_id', '=', c.webhook_id).where('p.model_id', '=', c.model_id).where('p.status', '=', 'pending').where('p.seq', '<', seq))),
        )
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) continue;
      claimed.push({
        webhook: { webhookId: c.webhook_id, url: c.url, secret: c.secret, allowPrivate: c.allow_private === 1 },
        seq,
        attempts: c.attempts,
        event: toEvent({ ...c, seq }),
      });
    }
    return claimed;
  }

  async recordAttempt(r: AttemptResult): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const next =
        r.next.status === 'delivered'
          ? { status: 'delivered', delivered_time: r.attempt.time }
          : r.next.status === 'pending'
            ? { status: 'pending', next_attempt_time: r.next.nextAttemptTime }
            : { status: 'failed' };
      const res = await trx
        .updateTable('webhook_deliveries')
        .set({ ...next, attempts: r.attempt.attempt, last_status_code: r.attempt.statusCode, last_error: r.attempt.error, lease_until: null, lease_owner: null })
        .where('webhook_id', '=', r.webhookId)
        .where('seq', '=', r.seq)
        .where('lease_owner', '=', r.owner)
        .executeTakeFirst();
      const owned = Number(res.numUpdatedRows) === 1;
      await this.logAttempt(trx, r.webhookId, r.seq, r.attempt, owned);
      return owned;
    });
  }

  async releaseLease(webhookId: string, seq: number, owner: string, attempt?: DeliveryAttempt): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('webhook_deliveries').set({ lease_until: null, lease_owner: null }).where('webhook_id', '=', webhookId).where('seq', '=', seq).where('lease_owner', '=', owner).executeTakeFirst();
      if (attempt) await this.logAttempt(trx, webhookId, seq, attempt, Number(res.numUpdatedRows) === 1);
    });
  }

  /** Log an attempt; when the lease was lost, only if the delivery still exists (its webhook may be gone). */
  private async logAttempt(trx: WebhookDb, webhookId: string, seq: number, a: DeliveryAttempt, known: boolean): Promise<void> {
    if (!known && !(await trx.selectFrom('webhook_deliveries').select('seq').where('webhook_id', '=', webhookId).where('seq', '=', seq).executeTakeFirst())) return;
    await trx
      .insertInto('webhook_delivery_attempts')
      .values({ webhook_id: webhookId, seq, attempt: a.attempt, time: a.time, duration_ms: a.durationMs, status_code: a.statusCode, error: a.error, outcome: a.outcome })
      .execute();
  }

  async listDeliveries(webhookId: string, q: { limit: number }): Promise<WebhookDelivery[]> {
    return this.readDeliveries(webhookId, { limit: q.limit });
  }

  async getDelivery(webhookId: string, seq: number): Promise<WebhookDelivery | null> {
    const [d] = await this.readDeliveries(webhookId, { seq, limit: 1 });
    return d ?? null;
  }

  private async readDeliveries(webhookId: string, q: { seq?: number; limit: number }): Promise<WebhookDelivery[]> {
    let query = this.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('registry_events as e', 'e.seq', 'd.seq')
      .selectAll('e')
      .select(['d.webhook_id', 'd.status', 'd.attempts', 'd.next_attempt_time', 'd.last_status_code', 'd.last_error', 'd.delivered_time'])
      .where('d.webhook_id', '=', webhookId);
    if (q.seq !== undefined) query = query.where('d.seq', '=', q.seq);
    const rows = await query.orderBy('d.seq', 'desc').limit(q.limit).execute();
    if (rows.length === 0) return [];
    const seqs = rows.map((r) => Number(r.seq));
    const attempts = await this.db
      .selectFrom('webhook_delivery_attempts')
      .selectAll()
      .where('webhook_id', '=', webhookId)
      .where('seq', 'in', seqs)
      .orderBy('attempt_id')
      .execute();
    return rows.map((r) => {
      const seq = Number(r.seq);
      const status = r.status as DeliveryStatus;
      return {
        id: deliveryId(webhookId, seq),
        webhookId,
        seq,
        status,
        attempts: r.attempts,
        nextAttemptTime: status === 'pending' ? r.next_attempt_time : null,
        lastStatusCode: r.last_status_code,
        lastError: r.last_error,
        deliveredTime: r.delivered_time,
        event: toEvent({ ...r, seq }),
        attemptLog: attempts
          .filter((a) => Number(a.seq) === seq)
          .map((a) => ({ attempt: a.attempt, time: a.time, durationMs: a.duration_ms, statusCode: a.status_code, error: a.error, outcome: a.outcome as AttemptOutcome })),
      };
    });
  }

  async requeueDelivery(webhookId: string, seq: number, now: number): Promise<'requeued' | 'pending' | 'missing'> {
    const res = await this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_time: now, lease_until: null, lease_owner: null, delivered_time: null })
      .where('webhook_id', '=', webhookId)
      .where('seq', '=', seq)
      .where('status', '<>', 'pending')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) return 'requeued';
    const row = await this.db.selectFrom('webhook_deliveries').select('status').where('webhook_id', '=', webhookId).where('seq', '=', seq).executeTakeFirst();
    return row ? 'pending' : 'missing';
  }
}
