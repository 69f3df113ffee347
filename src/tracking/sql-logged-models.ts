import { sql, type Kysely } from 'kysely';
import type { Database, LoggedModelsTable } from '../storage/sql/schema.js';
import type { SqlDatabase } from '../storage/sql/sql-database.js';
import type { SqlDialect } from '../storage/sql/sql-dialect.js';
import type { KeyValue, LifecycleStage, LoggedModel, LoggedModelStatus } from './model.js';
import type { NewLoggedModel, SearchLoggedModelsQuery } from './store.js';
import { LOGGED_MODEL_TARGET, filterParts, orderTerms } from './sql-search.js';

/** Persistence of MLflow 3 logged models, used by SqlTrackingStore. */
export class SqlLoggedModels {
  private readonly db: Kysely<Database>;
  private readonly dialect: SqlDialect;

  constructor(database: SqlDatabase) {
    this.db = database.db;
    this.dialect = database.dialect;
  }

  async create(input: NewLoggedModel): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('logged_models')
        .values({
          model_id: input.modelId,
          experiment_id: Number(input.experimentId),
          name: input.name,
          artifact_location: input.artifactLocation,
          creation_time: input.creationTime,
          last_updated_time: input.creationTime,
          source_run_id: input.sourceRunId,
          status: 'LOGGED_MODEL_PENDING',
          status_message: null,
          model_type: input.modelType,
          lifecycle_stage: 'active',
        })
        .execute();
      if (input.params.length > 0) await trx.insertInto('logged_model_params').values(input.params.map((p) => ({ model_id: input.modelId, ...p }))).onConflict((oc) => oc.doNothing()).execute();
      if (input.tags.length > 0) await trx.insertInto('logged_model_tags').values(input.tags.map((t) => ({ model_id: input.modelId, ...t }))).onConflict((oc) => oc.doNothing()).execute();
    });
  }

  async get(modelId: string): Promise<LoggedModel | null> {
    const [model] = await this.hydrate(await this.db.selectFrom('logged_models').selectAll().where('model_id', '=', modelId).execute());
    return model ?? null;
  }

  async update(modelId: string, patch: { status?: LoggedModelStatus; statusMessage?: string | null }, time: number): Promise<void> {
    await this.db
      .updateTable('logged_models')
      .set({ last_updated_time: time, ...(patch.status ? { status: patch.status } : {}), ...(patch.statusMessage !== undefined ? { status_message: patch.statusMessage } : {}) })
      .where('model_id', '=', modelId)
      .execute();
  }

  async delete(modelId: string, time: number): Promise<void> {
    await this.db.updateTable('logged_models').set({ lifecycle_stage: 'deleted', last_updated_time: time }).where('model_id', '=', modelId).execute();
  }

  async setTags(modelId: string, tags: KeyValue[], time: number): Promise<void> {
    if (tags.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('logged_model_tags')
        .values(tags.map((t) => ({ model_id: modelId, ...t })))
        .onConflict((oc) => oc.columns(['model_id', 'key']).doUpdateSet({ value: (eb) => eb.ref('excluded.value') }))
        .execute();
      await trx.updateTable('logged_models').set({ last_updated_time: time }).where('model_id', '=', modelId).execute();
    });
  }

  async deleteTag(modelId: string, key: string): Promise<void> {
    await this.db.deleteFrom('logged_model_tags').where('model_id', '=', modelId).where('key', '=', key).execute();
  }

  async logParams(modelId: string, params: KeyValue[]): Promise<void> {
    if (params.length === 0) return;
    await this.db
      .insertInto('logged_model_params')
      .values(params.map((p) => ({ model_id: modelId, ...p })))
      .onConflict((oc) => oc.columns(['model_id', 'key']).doUpdateSet({ value: (eb) => eb.ref('excluded.value') }))
      .execute();
  }

  async search(q: SearchLoggedModelsQuery): Promise<LoggedModel[]> {
    const filter = filterParts(this.dialect, LOGGED_MODEL_TARGET, q.filter);
    const conds = [sql`m.lifecycle_stage = 'active'`, ...filter.conds];
    if (q.experimentIds.length > 0) conds.push(sql`m.experiment_id in (${sql.join(q.experimentIds.map((id) => sql`${Number(id)}`))})`);
    const { joins, terms } = orderTerms(LOGGED_MODEL_TARGET, q.orderBy, [sql`m.creation_time desc`, sql`m.model_id asc`]);
    const result = await sql<{ model_id: string }>`select m.model_id from logged_models m ${sql.join([...filter.joins, ...joins], sql` `)} where ${sql.join(conds, sql` and `)} order by ${sql.join(terms)} limit ${q.maxResults} offset ${q.offset}`.execute(this.db);
    const ids = [...new Set(result.rows.map((r) => r.model_id))];
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('logged_models').selectAll().where('model_id', 'in', ids).execute();
    const order = new Map(ids.map((id, i) => [id, i]));
    rows.sort((a, b) => order.get(a.model_id)! - order.get(b.model_id)!);
    return this.hydrate(rows);
  }

  private async hydrate(rows: LoggedModelsTable[]): Promise<LoggedModel[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.model_id);
    const [params, tags, metrics] = await Promise.all([
      this.db.selectFrom('logged_model_params').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
      this.db.selectFrom('logged_model_tags').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
      this.db.selectFrom('logged_model_metrics').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
    ]);
    return rows.map((r) => ({
      modelId: r.model_id,
      experimentId: String(r.experiment_id),
      name: r.name,
      artifactLocation: r.artifact_location,
      creationTime: r.creation_time,
      lastUpdatedTime: r.last_updated_time,
      sourceRunId: r.source_run_id,
      status: r.status as LoggedModelStatus,
      statusMessage: r.status_message,
      modelType: r.model_type,
      lifecycleStage: r.lifecycle_stage as LifecycleStage,
      params: params.filter((p) => p.model_id === r.model_id).map((p) => ({ key: p.key, value: p.value })),
      tags: tags.filter((t) => t.model_id === r.model_id).map((t) => ({ key: t.key, value: t.value })),
      metrics: metrics
        .filter((m) => m.model_id === r.model_id)
        .map((m) => ({ key: m.key, value: m.is_nan ? Number.NaN : m.value, timestamp: m.timestamp, step: m.step, datasetName: m.dataset_name, datasetDigest: m.dataset_digest })),
    }));
  }
}
