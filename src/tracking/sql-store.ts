import { sql, type Kysely, type RawBuilder } from 'kysely';
import { alreadyExists, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Database, RunsTable } from '../storage/sql/schema.js';
import type { SqlDatabase } from '../storage/sql/sql-database.js';
import type { SqlDialect } from '../storage/sql/sql-dialect.js';
import type { DatasetInputInput, DownsampledHistory, Experiment, KeyValue, LifecycleStage, LoggedModel, LoggedModelStatus, Metric, Project, Run, RunInfo, RunStatus } from './model.js';
import type {
  DownsampleQuery,
  LogBatchWrite,
  MetricHistoryQuery,
  NewExperiment,
  NewLoggedModel,
  NewRun,
  SearchExperimentsQuery,
  SearchLoggedModelsQuery,
  SearchRunsQuery,
  TrackingStore,
} from './store.js';
import { EXPERIMENT_TARGET, RUN_TARGET, filterParts, lifecycleCondition, orderTerms } from './sql-search.js';
import { writeBatch } from './sql-metric-writer.js';
import { countHistory, readDownsampled, readHistory } from './sql-metric-reader.js';
import { SqlLoggedModels } from './sql-logged-models.js';
import { RUN_COLUMNS, groupBy, hydrateRuns, runRowColumns, toRunInfo, type RunRow } from './sql-run-reader.js';
import { lockRun, refreshRunData } from './sql-run-data.js';

const CONTEXT_TAG = 'mlflow.data.context';

/** TrackingStore on Kysely: one implementation for SQLite and PostgreSQL. */
export class SqlTrackingStore implements TrackingStore {
  private readonly db: Kysely<Database>;
  private readonly dialect: SqlDialect;
  private readonly models: SqlLoggedModels;

  constructor(private readonly database: SqlDatabase) {
    this.db = database.db;
    this.dialect = database.dialect;
    this.models = new SqlLoggedModels(database);
  }

  async close(): Promise<void> {
    await this.database.close();
  }

  // ---------------- projects ----------------

  async ensureProject(p: Project): Promise<void> {
    await this.db
      .insertInto('projects')
      .values({ project_id: p.projectId, name: p.name, description: p.description, creation_time: p.creationTime })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async getProject(projectId: string): Promise<Project | null> {
    const row = await this.db.selectFrom('projects').selectAll().where('project_id', '=', projectId).executeTakeFirst();
    return row ? { projectId: row.project_id, name: row.name, description: row.description, creationTime: row.creation_time } : null;
  }

  async listProjects(): Promise<Project[]> {
    const rows = await this.db.selectFrom('projects').selectAll().orderBy('creation_time').execute();
    return rows.map((row) => ({ projectId: row.project_id, name: row.name, description: row.description, creationTime: row.creation_time }));
  }

  // ---------------- experiments ----------------

  async createExperiment(input: NewExperiment): Promise<string> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('experiments')
          .values({
            name: input.name,
            artifact_location: input.artifactLocation ?? '',
            lifecycle_stage: 'active',
            creation_time: input.creationTime,
            last_update_time: input.creationTime,
            project_id: input.projectId,
          })
          .returning('experiment_id')
          .executeTakeFirstOrThrow();
        const id = String(row.experiment_id);
        if (!input.artifactLocation) {
          await trx.updateTable('experiments').set({ artifact_location: `${input.defaultArtifactRoot}/${id}` }).where('experiment_id', '=', row.experiment_id).execute();
        }
        if (input.tags.length > 0) {
          await trx.insertInto('experiment_tags').values(dedupe(input.tags).map((t) => ({ experiment_id: row.experiment_id, key: t.key, value: t.value }))).execute();
        }
        return id;
      });
    } catch (err) {
      if (this.dialect.isUniqueViolation(err)) throw alreadyExists(`Experiment(name=${input.name}) already exists.`);
      throw err;
    }
  }

  async ensureDefaultExperiment(input: Omit<NewExperiment, 'tags'>): Promise<void> {
    await this.db
      .insertInto('experiments')
      .values({
        experiment_id: 0,
        name: input.name,
        artifact_location: `${input.defaultArtifactRoot}/0`,
        lifecycle_stage: 'active',
        creation_time: input.creationTime,
        last_update_time: input.creationTime,
        project_id: input.projectId,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  private async experimentsWhere(where: RawBuilder<unknown>): Promise<Experiment[]> {
    const rows = await this.db.selectFrom('experiments as e').selectAll().where(where as RawBuilder<boolean>).execute();
    return this.hydrateExperiments(rows);
  }

  private async hydrateExperiments(rows: Database['experiments'][] | { experiment_id: number; name: string; artifact_location: string; lifecycle_stage: string; creation_time: number; last_update_time: number; project_id: string }[]): Promise<Experiment[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => Number(r.experiment_id));
    const tags = await this.db.selectFrom('experiment_tags').selectAll().where('experiment_id', 'in', ids).execute();
    const byId = groupBy(tags, (t) => Number(t.experiment_id));
    return rows.map((r) => ({
      experimentId: String(r.experiment_id),
      name: r.name,
      artifactLocation: r.artifact_location,
      lifecycleStage: r.lifecycle_stage as LifecycleStage,
      creationTime: r.creation_time,
      lastUpdateTime: r.last_update_time,
      projectId: r.project_id,
      tags: (byId.get(Number(r.experiment_id)) ?? []).map((t) => ({ key: t.key, value: t.value })),
    }));
  }

  async getExperiment(experimentId: string): Promise<Experiment | null> {
    const [e] = await this.experimentsWhere(sql`e.experiment_id = ${Number(experimentId)}`);
    return e ?? null;
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    const [e] = await this.experimentsWhere(sql`e.name = ${name}`);
    return e ?? null;
  }

  async searchExperiments(q: SearchExperimentsQuery): Promise<Experiment[]> {
    const filter = filterParts(this.dialect, EXPERIMENT_TARGET, q.filter);
    const conds = [lifecycleCondition('e', q.viewType), ...filter.conds];
    const { joins, terms } = orderTerms(EXPERIMENT_TARGET, q.orderBy, [sql`e.last_update_time desc`, sql`e.experiment_id asc`]);
    const result = await sql<{ experiment_id: number }>`select e.experiment_id from experiments e ${sql.join([...filter.joins, ...joins], sql` `)} where ${sql.join(conds, sql` and `)} order by ${sql.join(terms)} limit ${q.maxResults} offset ${q.offset}`.execute(this.db);
    const ids = result.rows.map((r) => Number(r.experiment_id));
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('experiments').selectAll().where('experiment_id', 'in', ids).execute();
    const order = new Map(ids.map((id, i) => [id, i]));
    rows.sort((a, b) => order.get(Number(a.experiment_id))! - order.get(Number(b.experiment_id))!);
    return this.hydrateExperiments(rows);
  }

  async renameExperiment(experimentId: string, newName: string, time: number): Promise<void> {
    try {
      await this.db.updateTable('experiments').set({ name: newName, last_update_time: time }).where('experiment_id', '=', Number(experimentId)).execute();
    } catch (err) {
      if (this.dialect.isUniqueViolation(err)) throw alreadyExists(`Experiment(name=${newName}) already exists.`);
      throw err;
    }
  }

  async setExperimentLifecycle(experimentId: string, stage: LifecycleStage, time: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const id = Number(experimentId);
      await trx.updateTable('experiments').set({ lifecycle_stage: stage, last_update_time: time }).where('experiment_id', '=', id).execute();
      // MLflow deletes and restores an experiment's runs with it.
      await trx
        .updateTable('runs')
        .set({ lifecycle_stage: stage, deleted_time: stage === 'deleted' ? time : null })
        .where('experiment_id', '=', id)
        .where('lifecycle_stage', '=', stage === 'deleted' ? 'active' : 'deleted')
        .execute();
    });
  }

  async setExperimentTag(experimentId: string, tag: KeyValue, projectId?: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('experiment_tags')
        .values({ experiment_id: Number(experimentId), key: tag.key, value: tag.value })
        .onConflict((oc) => oc.columns(['experiment_id', 'key']).doUpdateSet({ value: tag.value }))
        .execute();
      if (projectId) await trx.updateTable('experiments').set({ project_id: projectId }).where('experiment_id', '=', Number(experimentId)).execute();
    });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.db.deleteFrom('experiment_tags').where('experiment_id', '=', Number(experimentId)).where('key', '=', key).execute();
  }

  // ---------------- runs ----------------

  async createRun(input: NewRun): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('runs')
        .values({
          run_id: input.runId,
          experiment_id: Number(input.experimentId),
          name: input.runName,
          user_id: input.userId,
          status: input.status,
          start_time: input.startTime,
          end_time: null,
          lifecycle_stage: 'active',
          deleted_time: null,
          artifact_uri: input.artifactUri,
          parent_run_id: input.parentRunId,
        })
        .execute();
      if (input.tags.length > 0) {
        await trx.insertInto('tags').values(dedupe(input.tags).map((t) => ({ run_id: input.runId, key: t.key, value: t.value }))).execute();
      }
      await refreshRunData(trx, this.dialect, input.runId);
    });
  }

  async getRunInfo(runId: string): Promise<RunInfo | null> {
    const row = await this.db.selectFrom('runs').select(RUN_COLUMNS).where('run_id', '=', runId).executeTakeFirst();
    return row ? toRunInfo(row) : null;
  }

  async getRun(runId: string): Promise<Run | null> {
    const [run] = await this.getRuns([runId]);
    return run ?? null;
  }

  async getRuns(runIds: string[]): Promise<Run[]> {
    if (runIds.length === 0) return [];
    const rows: RunRow[] = [];
    // Chunk the IN lists so large pages stay within every driver's parameter limit.
    for (let i = 0; i < runIds.length; i += 5000) {
      const ids = runIds.slice(i, i + 5000);
      const found = await sql<RunRow>`select ${runRowColumns(this.dialect, 'r')} from runs r where r.run_id in (${sql.join(ids)})`.execute(this.db);
      const byId = new Map(found.rows.map((r) => [r.run_id, r]));
      for (const id of ids) {
        const row = byId.get(id);
        if (row) rows.push(row);
      }
    }
    return hydrateRuns(this.db, rows);
  }

  async updateRun(runId: string, patch: { status?: RunStatus; endTime?: number | null; runName?: string }): Promise<void> {
    const set: Partial<RunsTable> = {};
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.endTime !== undefined) set.end_time = patch.endTime;
    if (patch.runName !== undefined) set.name = patch.runName;
    if (Object.keys(set).length === 0) return;
    const result = await this.db.updateTable('runs').set(set).where('run_id', '=', runId).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound(`Run with id=${runId} not found`);
  }

  async setRunLifecycle(runIds: string[], stage: LifecycleStage, deletedTime: number | null): Promise<void> {
    if (runIds.length === 0) return;
    await this.db.updateTable('runs').set({ lifecycle_stage: stage, deleted_time: deletedTime }).where('run_id', 'in', runIds).execute();
  }

  async searchRuns(q: SearchRunsQuery): Promise<Run[]> {
    if (q.experimentIds.length === 0) return [];
    const conds = [
      sql`r.experiment_id in (${sql.join(q.experimentIds.map((id) => sql`${Number(id)}`))})`,
      lifecycleCondition('r', q.viewType),
    ];
    const filter = filterParts(this.dialect, RUN_TARGET, q.filter);
    conds.push(...filter.conds);
    const order = orderTerms(RUN_TARGET, q.orderBy, [sql`r.start_time desc`, sql`r.run_id asc`]);
    const joins = [...filter.joins, ...order.joins];
    const terms = order.terms;
    // Sort and page narrow rows (ids only); then read just the page's runs with their materialized data.
    const result = await sql<{ run_id: string }>`select r.run_id from runs r ${sql.join(joins, sql` `)} where ${sql.join(conds, sql` and `)} order by ${sql.join(terms)} limit ${q.maxResults} offset ${q.offset}`.execute(this.db);
    return this.getRuns(result.rows.map((r) => r.run_id));
  }

  async childRunIds(parentRunIds: string[]): Promise<string[]> {
    if (parentRunIds.length === 0) return [];
    const rows = await this.db.selectFrom('runs').select('run_id').where('parent_run_id', 'in', parentRunIds).execute();
    return rows.map((r) => r.run_id);
  }

  async purgeDeletedRuns(olderThan: number): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx.selectFrom('runs').select('run_id').where('lifecycle_stage', '=', 'deleted').where('deleted_time', '<', olderThan).execute();
      const ids = rows.map((r) => r.run_id);
      for (const table of ['metrics', 'metric_chunks', 'latest_metrics', 'metric_buckets', 'params', 'tags', 'run_inputs', 'run_model_inputs', 'run_outputs'] as const) {
        if (ids.length > 0) await trx.deleteFrom(table).where('run_id', 'in', ids).execute();
      }
      if (ids.length > 0) await trx.deleteFrom('runs').where('run_id', 'in', ids).execute();
      return ids;
    });
  }

  // ---------------- params, tags, metrics ----------------

  async logBatch(write: LogBatchWrite): Promise<void> {
    await writeBatch(this.database, write);
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await lockRun(trx, this.dialect, runId);
      await trx.deleteFrom('tags').where('run_id', '=', runId).where('key', '=', key).execute();
      await refreshRunData(trx, this.dialect, runId);
    });
  }

  getMetricHistory(query: MetricHistoryQuery): Promise<Metric[]> {
    return readHistory(this.db, query);
  }

  async countMetricHistory(runId: string, key: string): Promise<number> {
    return countHistory(this.db, runId, key);
  }

  getMetricHistoryDownsampled(query: DownsampleQuery): Promise<DownsampledHistory> {
    return readDownsampled(this.db, query);
  }

  async listMetricKeys(runId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('latest_metrics').select('key').where('run_id', '=', runId).orderBy('key').execute();
    return rows.map((r) => r.key);
  }

  // ---------------- inputs and outputs ----------------

  async logInputs(runId: string, experimentId: string, datasets: DatasetInputInput[], modelIds: string[], time: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const input of datasets) {
        const d = input.dataset;
        await trx
          .insertInto('datasets')
          .values({ dataset_id: newId('ds'), experiment_id: Number(experimentId), name: d.name, digest: d.digest, source_type: d.sourceType, source: d.source, schema: d.schema ?? null, profile: d.profile ?? null, creation_time: time })
          .onConflict((oc) => oc.columns(['experiment_id', 'name', 'digest']).doNothing())
          .execute();
        const row = await trx.selectFrom('datasets').select('dataset_id').where('experiment_id', '=', Number(experimentId)).where('name', '=', d.name).where('digest', '=', d.digest).executeTakeFirstOrThrow();
        const context = input.tags.find((t) => t.key === CONTEXT_TAG)?.value ?? null;
        await trx
          .insertInto('run_inputs')
          .values({ run_id: runId, dataset_id: row.dataset_id, tags: JSON.stringify(input.tags), context })
          .onConflict((oc) => oc.columns(['run_id', 'dataset_id']).doUpdateSet({ tags: JSON.stringify(input.tags), context }))
          .execute();
      }
      if (modelIds.length > 0) {
        await trx.insertInto('run_model_inputs').values(modelIds.map((model_id) => ({ run_id: runId, model_id }))).onConflict((oc) => oc.doNothing()).execute();
      }
    });
  }

  async logOutputs(runId: string, models: { modelId: string; step: number }[]): Promise<void> {
    if (models.length === 0) return;
    await this.db
      .insertInto('run_outputs')
      .values(models.map((m) => ({ run_id: runId, model_id: m.modelId, step: m.step })))
      .onConflict((oc) => oc.columns(['run_id', 'model_id']).doUpdateSet({ step: (eb) => eb.ref('excluded.step') }))
      .execute();
  }

  // ---------------- logged models ----------------

  createLoggedModel(input: NewLoggedModel): Promise<void> {
    return this.models.create(input);
  }
  getLoggedModel(modelId: string): Promise<LoggedModel | null> {
    return this.models.get(modelId);
  }
  updateLoggedModel(modelId: string, patch: { status?: LoggedModelStatus; statusMessage?: string | null }, time: number): Promise<void> {
    return this.models.update(modelId, patch, time);
  }
  deleteLoggedModel(modelId: string, time: number): Promise<void> {
    return this.models.delete(modelId, time);
  }
  setLoggedModelTags(modelId: string, tags: KeyValue[], time: number): Promise<void> {
    return this.models.setTags(modelId, dedupe(tags), time);
  }
  deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    return this.models.deleteTag(modelId, key);
  }
  logLoggedModelParams(modelId: string, params: KeyValue[]): Promise<void> {
    return this.models.logParams(modelId, dedupe(params));
  }
  searchLoggedModels(query: SearchLoggedModelsQuery): Promise<LoggedModel[]> {
    return this.models.search(query);
  }
}

function dedupe(tags: KeyValue[]): KeyValue[] {
  return [...new Map(tags.map((t) => [t.key, t])).values()];
}
