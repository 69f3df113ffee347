import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../storage/sql/schema.js';
import type { SqlDatabase } from '../storage/sql/sql-database.js';
import type { MonitorAlert, MonitorWindow, ProfileStatus, StoredMonitor, StoredProfile } from './model.js';
import type { FoldCheckpoint, MonitoringStore, SharedTransaction, WindowQuery } from './store.js';

/** MonitoringStore on SQLite or PostgreSQL (migrations 0008_monitoring, 0010_monitoring_checkpoints); documents are JSON text. */
export class SqlMonitoringStore implements MonitoringStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db() {
    return this.database.db;
  }

  async putProfile(p: StoredProfile): Promise<void> {
    await this.db
      .insertInto('monitor_profiles')
      .values({ profile_id: p.profileId, model_name: p.modelName, model_version: p.modelVersion, source: p.source, created_time: p.createdTime, rows: p.profile.rows, profile: JSON.stringify(p.profile) })
      .execute();
  }

  async latestProfile(modelName: string, modelVersion: string): Promise<StoredProfile | null> {
    const row = await this.db
      .selectFrom('monitor_profiles')
      .selectAll()
      .where('model_name', '=', modelName)
      .where('model_version', '=', modelVersion)
      .orderBy('created_time', 'desc')
      .orderBy('profile_id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toProfile(row) : null;
  }

  async getProfile(profileId: string): Promise<StoredProfile | null> {
    const row = await this.db.selectFrom('monitor_profiles').selectAll().where('profile_id', '=', profileId).executeTakeFirst();
    return row ? toProfile(row) : null;
  }

  async listProfiles(modelName: string): Promise<Omit<StoredProfile, 'profile'>[]> {
    const rows = await this.db
      .selectFrom('monitor_profiles')
      .select(['profile_id', 'model_name', 'model_version', 'source', 'created_time'])
      .where('model_name', '=', modelName)
      .orderBy('created_time', 'desc')
      .execute();
    return rows.map((r) => ({ profileId: r.profile_id, modelName: r.model_name, modelVersion: r.model_version, source: r.source as StoredProfile['source'], createdTime: Number(r.created_time) }));
  }

  async putMonitor(m: StoredMonitor): Promise<void> {
    const values = { deployment: m.deployment, config: JSON.stringify(m.config), rule_state: JSON.stringify(m.ruleState), updated_time: m.updatedTime };
    await this.db
      .insertInto('monitors')
      .values(values)
      .onConflict((oc) => oc.column('deployment').doUpdateSet({ config: values.config, rule_state: values.rule_state, updated_time: values.updated_time }))
      .execute();
  }

  async getMonitor(deployment: string): Promise<StoredMonitor | null> {
    const row = await this.db.selectFrom('monitors').selectAll().where('deployment', '=', deployment).executeTakeFirst();
    return row ? toMonitor(row) : null;
  }

  async listMonitors(): Promise<StoredMonitor[]> {
    const rows = await this.db.selectFrom('monitors').selectAll().orderBy('deployment').execute();
    return rows.map(toMonitor);
  }

  async deleteMonitor(deployment: string): Promise<boolean> {
    const r = await this.db.deleteFrom('monitors').where('deployment', '=', deployment).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async claimProfileStatus(p: ProfileStatus): Promise<boolean> {
    const r = await this.db
      .insertInto('monitor_profile_status')
      .values(statusRow(p))
      .onConflict((oc) => oc.columns(['model_name', 'model_version']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async putProfileStatus(p: ProfileStatus): Promise<void> {
    const row = statusRow(p);
    await this.db
      .insertInto('monitor_profile_status')
      .values(row)
      .onConflict((oc) => oc.columns(['model_name', 'model_version']).doUpdateSet({ status: row.status, reason: row.reason, profile_id: row.profile_id, dataset: row.dataset, updated_time: row.updated_time }))
      .execute();
  }

  async getProfileStatus(modelName: string, modelVersion: string): Promise<ProfileStatus | null> {
    const r = await this.db.selectFrom('monitor_profile_status').selectAll().where('model_name', '=', modelName).where('model_version', '=', modelVersion).executeTakeFirst();
    if (!r) return null;
    return {
      modelName: r.model_name, modelVersion: r.model_version, status: r.status as ProfileStatus['status'], reason: r.reason, profileId: r.profile_id,
      dataset: r.dataset === null ? null : (JSON.parse(r.dataset) as ProfileStatus['dataset']), updatedTime: Number(r.updated_time),
    };
  }

  async getCursor(name: string): Promise<number | null> {
    const r = await this.db.selectFrom('monitor_cursors').select('value').where('name', '=', name).executeTakeFirst();
    return r ? Number(r.value) : null;
  }

  advanceCursor(name: string, value: number, time: number): Promise<void> {
    return advance(this.db, name, value, time);
  }

  putWindow(w: MonitorWindow): Promise<void> {
    return writeWindow(this.db, w);
  }

  async openWindows(): Promise<MonitorWindow[]> {
    const rows = await this.db.selectFrom('monitor_windows').selectAll().where('closed', '=', 0).orderBy('start_time').orderBy('deployment').orderBy('variant').execute();
    return rows.map(toWindow);
  }

  async checkpoint(c: FoldCheckpoint): Promise<void> {
    if (c.windows.length === 0 && !c.cursor) return;
    await this.db.transaction().execute(async (trx) => {
      for (const w of c.windows) await writeWindow(trx, w);
      if (c.cursor) await advance(trx, c.cursor.name, c.cursor.value, c.time);
    });
  }

  async getWindow(deployment: string, variant: string, start: number): Promise<MonitorWindow | null> {
    const row = await this.db.selectFrom('monitor_windows').selectAll().where('deployment', '=', deployment).where('variant', '=', variant).where('start_time', '=', start).executeTakeFirst();
    return row ? toWindow(row) : null;
  }

  async windows(q: WindowQuery): Promise<MonitorWindow[]> {
    let query = this.db.selectFrom('monitor_windows').selectAll().where('deployment', '=', q.deployment);
    if (q.variant !== undefined) query = query.where('variant', '=', q.variant);
    if (q.from !== undefined) query = query.where('start_time', '>=', q.from);
    if (q.to !== undefined) query = query.where('start_time', '<', q.to);
    const rows = await query.orderBy('start_time', 'desc').orderBy('variant').limit(q.limit).execute();
    return rows.map(toWindow);
  }

  async addAlert(a: Omit<MonitorAlert, 'alertId'>, tx?: SharedTransaction): Promise<MonitorAlert> {
    const row = await (tx ?? this.db)
      .insertInto('monitor_alerts')
      .values({ deployment: a.deployment, variant: a.variant, rule: a.rule, metric: a.metric, value: a.value, threshold: a.threshold, op: a.op, window_start: a.windowStart, window_end: a.windowEnd, time: a.time, message: a.message })
      .returning('alert_id')
      .executeTakeFirstOrThrow();
    return { ...a, alertId: Number(row.alert_id) };
  }

  async alerts(q: { deployment?: string; from?: number; limit: number }): Promise<MonitorAlert[]> {
    let query = this.db.selectFrom('monitor_alerts').selectAll();
    if (q.deployment !== undefined) query = query.where('deployment', '=', q.deployment);
    if (q.from !== undefined) query = query.where('time', '>=', q.from);
    const rows = await query.orderBy('alert_id', 'desc').limit(q.limit).execute();
    return rows.map((r) => ({
      alertId: Number(r.alert_id), deployment: r.deployment, variant: r.variant, rule: r.rule, metric: r.metric, value: Number(r.value), threshold: Number(r.threshold), op: r.op,
      windowStart: Number(r.window_start), windowEnd: Number(r.window_end), time: Number(r.time), message: r.message,
    }));
  }
}

async function writeWindow(db: Kysely<Database>, w: MonitorWindow): Promise<void> {
  const doc = JSON.stringify({ sketch: w.sketch, drift: w.drift, predictionDrift: w.predictionDrift, quality: w.quality, performance: w.performance, metrics: w.metrics });
  const values = {
    deployment: w.deployment, variant: w.variant, start_time: w.start, end_time: w.end, model_name: w.modelName, model_version: w.modelVersion,
    profile_id: w.profileId, closed: w.closed ? 1 : 0, drift_share: w.drift?.driftShare ?? null, document: doc,
  };
  await db
    .insertInto('monitor_windows')
    .values(values)
    .onConflict((oc) => oc.columns(['deployment', 'variant', 'start_time']).doUpdateSet({ end_time: values.end_time, model_name: values.model_name, model_version: values.model_version, profile_id: values.profile_id, closed: values.closed, drift_share: values.drift_share, document: values.document }))
    .execute();
}

/** Cursors only move forward: a late writer with an older value leaves the newer one. */
async function advance(db: Kysely<Database>, name: string, value: number, time: number): Promise<void> {
  await db
    .insertInto('monitor_cursors')
    .values({ name, value, updated_time: time })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value, updated_time: time }).where('monitor_cursors.value', '<', value))
    .execute();
}

function statusRow(p: ProfileStatus) {
  return { model_name: p.modelName, model_version: p.modelVersion, status: p.status, reason: p.reason, profile_id: p.profileId, dataset: p.dataset === null ? null : JSON.stringify(p.dataset), updated_time: p.updatedTime };
}

type Row<T extends 'monitor_profiles' | 'monitors' | 'monitor_windows'> = Selectable<Database[T]>;

function toProfile(r: Row<'monitor_profiles'>): StoredProfile {
  return { profileId: r.profile_id, modelName: r.model_name, modelVersion: r.model_version, source: r.source as StoredProfile['source'], createdTime: Number(r.created_time), profile: JSON.parse(r.profile) };
}

function toMonitor(r: Row<'monitors'>): StoredMonitor {
  return { deployment: r.deployment, config: JSON.parse(r.config), ruleState: JSON.parse(r.rule_state), updatedTime: Number(r.updated_time) };
}

function toWindow(r: Row<'monitor_windows'>): MonitorWindow {
  const doc = JSON.parse(r.document) as Pick<MonitorWindow, 'sketch' | 'drift' | 'predictionDrift' | 'quality' | 'performance' | 'metrics'>;
  return {
    deployment: r.deployment, variant: r.variant, start: Number(r.start_time), end: Number(r.end_time), modelName: r.model_name, modelVersion: r.model_version,
    profileId: r.profile_id, closed: Number(r.closed) === 1, ...doc,
  };
}
