import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../storage/sql/schema.js';
import type { PipelineTriggerFiringsTable, PipelineTriggersTable } from '../../storage/sql/schema-pipeline-triggers.js';
import type { SqlDatabase } from '../../storage/sql/sql-database.js';
import type { FiringCause, FiringStatus, PipelineTrigger, TriggerConfig, TriggerFiring, TriggerKind } from './model.js';
import type { FiringClaim, NewTrigger, TriggerFilter, TriggerPatch, TriggerStore } from './store.js';

function toTrigger(row: Selectable<PipelineTriggersTable>): PipelineTrigger {
  return {
    triggerId: row.trigger_id,
    pipeline: row.pipeline_name,
    kind: row.kind as TriggerKind,
    description: row.description,
    config: JSON.parse(row.config) as TriggerConfig,
    params: JSON.parse(row.params) as Record<string, unknown>,
    enabled: Number(row.enabled) === 1,
    createdTime: Number(row.created_time),
    updatedTime: Number(row.updated_time),
    cursorTime: row.cursor_time === null ? null : Number(row.cursor_time),
    state: row.state,
    stateVersion: Number(row.state_version),
    nextCheckTime: Number(row.next_check_time),
  };
}

function toFiring(row: Selectable<PipelineTriggerFiringsTable> & { pipeline_name: string }): TriggerFiring {
  return {
    triggerId: row.trigger_id,
    pipeline: row.pipeline_name,
    slotKey: row.slot_key,
    cause: row.cause as FiringCause,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
    firedTime: Number(row.fired_time),
    status: row.status as FiringStatus,
    runId: row.run_id,
    error: row.error,
  };
}

/** TriggerStore on Kysely, for SQLite and PostgreSQL alike. */
export class SqlTriggerStore implements TriggerStore {
  private readonly db: Kysely<Database>;
  private readonly database: SqlDatabase;

  constructor(database: SqlDatabase) {
    this.database = database;
    this.db = database.db;
  }

  async insertTrigger(t: NewTrigger): Promise<void> {
    await this.db
      .insertInto('pipeline_triggers')
      .values({
        trigger_id: t.triggerId,
        pipeline_name: t.pipeline,
        kind: t.kind,
        description: t.description,
        config: JSON.stringify(t.config),
        params: JSON.stringify(t.params),
        enabled: t.enabled ? 1 : 0,
        created_time: t.createdTime,
        updated_time: t.updatedTime,
        cursor_time: t.cursorTime,
        state: t.state,
        state_version: t.stateVersion,
        next_check_time: t.nextCheckTime,
      })
      .execute();
  }

  async getTrigger(triggerId: string): Promise<PipelineTrigger | null> {
    const row = await this.db.selectFrom('pipeline_triggers').selectAll().where('trigger_id', '=', triggerId).executeTakeFirst();
    return row ? toTrigger(row) : null;
  }

  async listTriggers(filter: TriggerFilter): Promise<PipelineTrigger[]> {
    let q = this.db.selectFrom('pipeline_triggers').selectAll();
    if (filter.pipeline !== undefined) q = q.where('pipeline_name', '=', filter.pipeline);
    if (filter.kinds !== undefined) {
      if (filter.kinds.length === 0) return [];
      q = q.where('kind', 'in', filter.kinds);
    }
    if (filter.enabledOnly) q = q.where('enabled', '=', 1);
    const rows = await q.orderBy('pipeline_name').orderBy('created_time').orderBy('trigger_id').execute();
    return rows.map(toTrigger);
  }

  async updateTrigger(triggerId: string, patch: TriggerPatch): Promise<boolean> {
    const values: Partial<PipelineTriggersTable> = { updated_time: patch.updatedTime };
    if (patch.enabled !== undefined) values.enabled = patch.enabled ? 1 : 0;
    if (patch.params !== undefined) values.params = JSON.stringify(patch.params);
    if (patch.description !== undefined) values.description = patch.description;
    const result = await this.db.updateTable('pipeline_triggers').set(values).where('trigger_id', '=', triggerId).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deleteTrigger(triggerId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // Explicit, so SQLite files opened without foreign keys lose the history too.
      await trx.deleteFrom('pipeline_trigger_firings').where('trigger_id', '=', triggerId).execute();
      const result = await trx.deleteFrom('pipeline_triggers').where('trigger_id', '=', triggerId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async advanceCursor(triggerId: string, slotTime: number): Promise<void> {
    await this.db
      .updateTable('pipeline_triggers')
      .set({ cursor_time: slotTime })
      .where('trigger_id', '=', triggerId)
      .where((eb) => eb.or([eb('cursor_time', 'is', null), eb('cursor_time', '<', slotTime)]))
      .execute();
  }

  async claimCheck(triggerId: string, expected: number, next: number): Promise<boolean> {
    const result = await this.db
      .updateTable('pipeline_triggers')
      .set({ next_check_time: next })
      .where('trigger_id', '=', triggerId)
      .where('next_check_time', '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async compareAndSetState(triggerId: string, expectedVersion: number, state: string): Promise<boolean> {
    const result = await this.db
      .updateTable('pipeline_triggers')
      .set({ state, state_version: expectedVersion + 1 })
      .where('trigger_id', '=', triggerId)
      .where('state_version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async claimFiring(claim: FiringClaim): Promise<boolean> {
    try {
      const result = await this.db
        .insertInto('pipeline_trigger_firings')
        .values({
          trigger_id: claim.triggerId,
          slot_key: claim.slotKey,
          cause: claim.cause,
          detail: JSON.stringify(claim.detail),
          fired_time: claim.firedTime,
          status: 'started',
          run_id: null,
          error: null,
        })
        // The primary key (trigger, slot) is the claim: of several servers inserting the same slot,
        // exactly one row lands, on SQLite and PostgreSQL alike.
        .onConflict((oc) => oc.columns(['trigger_id', 'slot_key']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    } catch (err) {
      if (this.database.dialect.isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async finishFiring(triggerId: string, slotKey: string, outcome: { status: FiringStatus; runId: string | null; error: string | null }): Promise<void> {
    await this.db
      .updateTable('pipeline_trigger_firings')
      .set({ status: outcome.status, run_id: outcome.runId, error: outcome.error })
      .where('trigger_id', '=', triggerId)
      .where('slot_key', '=', slotKey)
      .execute();
  }

  async getFiring(triggerId: string, slotKey: string): Promise<TriggerFiring | null> {
    const row = await this.firings().where('f.trigger_id', '=', triggerId).where('f.slot_key', '=', slotKey).executeTakeFirst();
    return row ? toFiring(row) : null;
  }

  async listFirings(query: { triggerId?: string; pipeline?: string; limit: number }): Promise<TriggerFiring[]> {
    let q = this.firings();
    if (query.triggerId !== undefined) q = q.where('f.trigger_id', '=', query.triggerId);
    if (query.pipeline !== undefined) q = q.where('t.pipeline_name', '=', query.pipeline);
    const rows = await q.orderBy('f.fired_time', 'desc').orderBy('f.slot_key', 'desc').limit(query.limit).execute();
    return rows.map(toFiring);
  }

  private firings() {
    return this.db
      .selectFrom('pipeline_trigger_firings as f')
      .innerJoin('pipeline_triggers as t', 't.trigger_id', 'f.trigger_id')
      .selectAll('f')
      .select('t.pipeline_name');
  }
}
