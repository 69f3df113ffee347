import type { Selectable } from 'kysely';
import { newId } from '../core/ids.js';
import type { SqlDatabase } from '../storage/sql/sql-database.js';
import type { PipelineRunsTable, PipelineStepRunsTable } from '../storage/sql/schema-pipelines.js';
import type { Pipeline, PipelineRun, PipelineRunStatus, PipelineVersion, StepLogLine, StepRun } from './model.js';
import type { CacheEntry, NewPipelineVersion, PipelineStore, PreviousStepRun, RunPatch, RunQuery, StepRunPatch } from './store.js';

const toRun = (r: Selectable<PipelineRunsTable> & { name: string }): PipelineRun => ({
  runId: r.run_id,
  pipelineId: r.pipeline_id,
  pipelineName: r.name,
  version: Number(r.version),
  status: r.status as PipelineRunStatus,
  params: JSON.parse(r.params) as PipelineRun['params'],
  trigger: { kind: r.trigger_kind as PipelineRun['trigger']['kind'], detail: JSON.parse(r.trigger_detail) as Record<string, unknown> },
  trackingRunId: r.tracking_run_id,
  experimentId: r.experiment_id,
  concurrency: Number(r.concurrency),
  error: r.error,
  createdAt: Number(r.created_time),
  startedAt: r.started_time === null ? null : Number(r.started_time),
  finishedAt: r.finished_time === null ? null : Number(r.finished_time),
});

const toStep = (r: Selectable<PipelineStepRunsTable>): StepRun => ({
  stepRunId: r.step_run_id,
  runId: r.run_id,
  stepName: r.step_name,
  baseStep: r.base_step,
  itemIndex: r.item_index === null ? null : Number(r.item_index),
  status: r.status as StepRun['status'],
  attempts: Number(r.attempts),
  trackingRunId: r.tracking_run_id,
  cacheKey: r.cache_key,
  cacheParts: r.cache_parts === null ? null : (JSON.parse(r.cache_parts) as Record<string, string>),
  cacheStatus: r.cache_status as StepRun['cacheStatus'],
  cacheReason: r.cache_reason,
  cachedFrom: r.cached_from,
  outputs: JSON.parse(r.outputs) as StepRun['outputs'],
  error: r.error,
  executedBy: r.executed_by,
  startedAt: r.started_time === null ? null : Number(r.started_time),
  finishedAt: r.finished_time === null ? null : Number(r.finished_time),
});

function stepColumns(p: StepRunPatch): Partial<PipelineStepRunsTable> {
  const out: Partial<PipelineStepRunsTable> = {};
  if (p.status !== undefined) out.status = p.status;
  if (p.attempts !== undefined) out.attempts = p.attempts;
  if (p.trackingRunId !== undefined) out.tracking_run_id = p.trackingRunId;
  if (p.cacheKey !== undefined) out.cache_key = p.cacheKey;
  if (p.cacheParts !== undefined) out.cache_parts = p.cacheParts === null ? null : JSON.stringify(p.cacheParts);
  if (p.cacheStatus !== undefined) out.cache_status = p.cacheStatus;
  if (p.cacheReason !== undefined) out.cache_reason = p.cacheReason;
  if (p.cachedFrom !== undefined) out.cached_from = p.cachedFrom;
  if (p.outputs !== undefined) out.outputs = JSON.stringify(p.outputs);
  if (p.error !== undefined) out.error = p.error;
  if (p.executedBy !== undefined) out.executed_by = p.executedBy;
  if (p.startedAt !== undefined) out.started_time = p.startedAt;
  if (p.finishedAt !== undefined) out.finished_time = p.finishedAt;
  return out;
}

/** The pipelines store on SQLite or PostgreSQL (one Kysely implementation). */
export class SqlPipelineStore implements PipelineStore {
  constructor(private readonly database: SqlDatabase) {}
  private get db() {
    return this.database.db;
  }

  async savePipelineVersion(input: NewPipelineVersion, now: number): Promise<PipelineVersion> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          let pipeline = await trx.selectFrom('pipelines').selectAll().where('name', '=', input.name).executeTakeFirst();
          if (!pipeline) {
            pipeline = { pipeline_id: newId('pl'), name: input.name, description: input.description, latest_version: 0, created_time: now, updated_time: now };
            await trx.insertInto('pipelines').values(pipeline).execute();
          }
          const existing = await trx.selectFrom('pipeline_versions').select('version').where('pipeline_id', '=', pipeline.pipeline_id).where('digest', '=', input.digest).executeTakeFirst();
          let version = existing ? Number(existing.version) : Number(pipeline.latest_version) + 1;
          if (!existing) {
            // Conditional bump: two servers saving different definitions at once get distinct numbers.
            const bumped = await trx.updateTable('pipelines').set({ latest_version: version, updated_time: now, description: input.description }).where('pipeline_id', '=', pipeline.pipeline_id).where('latest_version', '=', version - 1).executeTakeFirst();
            if (Number(bumped.numUpdatedRows) !== 1) throw Object.assign(new Error('concurrent version'), { retry: true });
            await trx.insertInto('pipeline_versions').values({ pipeline_id: pipeline.pipeline_id, version, digest: input.digest, spec: JSON.stringify(input.spec), source: input.source, base_dir: input.baseDir, created_time: now }).execute();
          } else {
            version = Number(existing.version);
          }
          return { pipelineId: pipeline.pipeline_id, name: input.name, version, digest: input.digest, spec: input.spec, source: input.source, baseDir: input.baseDir, createdAt: now };
        });
      } catch (err) {
        const retry = (err as { retry?: boolean }).retry || this.database.dialect.isUniqueViolation(err);
        if (!retry || attempt >= 5) throw err;
      }
    }
  }

  async getPipeline(name: string): Promise<Pipeline | null> {
    const r = await this.db.selectFrom('pipelines').selectAll().where('name', '=', name).executeTakeFirst();
    return r ? { pipelineId: r.pipeline_id, name: r.name, description: r.description, latestVersion: Number(r.latest_version), createdAt: Number(r.created_time), updatedAt: Number(r.updated_time) } : null;
  }

  async listPipelines() {
    const rows = await this.db.selectFrom('pipelines').selectAll().orderBy('name').execute();
    const out = [];
    for (const r of rows) {
      const last = await this.db.selectFrom('pipeline_runs').select(['run_id', 'status', 'created_time']).where('pipeline_id', '=', r.pipeline_id).orderBy('created_time', 'desc').orderBy('run_id', 'desc').limit(1).executeTakeFirst();
      out.push({
        pipelineId: r.pipeline_id, name: r.name, description: r.description, latestVersion: Number(r.latest_version), createdAt: Number(r.created_time), updatedAt: Number(r.updated_time),
        lastRun: last ? { runId: last.run_id, status: last.status as PipelineRunStatus, createdAt: Number(last.created_time) } : null,
      });
    }
    return out;
  }

  async getVersion(name: string, version: number): Promise<PipelineVersion | null> {
    const r = await this.db.selectFrom('pipeline_versions as v').innerJoin('pipelines as p', 'p.pipeline_id', 'v.pipeline_id').selectAll('v').select('p.name').where('p.name', '=', name).where('v.version', '=', version).executeTakeFirst();
    return r ? { pipelineId: r.pipeline_id, name: r.name, version: Number(r.version), digest: r.digest, spec: JSON.parse(r.spec) as PipelineVersion['spec'], source: r.source, baseDir: r.base_dir, createdAt: Number(r.created_time) } : null;
  }

  async listVersions(name: string) {
    const rows = await this.db.selectFrom('pipeline_versions as v').innerJoin('pipelines as p', 'p.pipeline_id', 'v.pipeline_id').select(['v.pipeline_id', 'p.name', 'v.version', 'v.digest', 'v.base_dir', 'v.created_time']).where('p.name', '=', name).orderBy('v.version', 'desc').execute();
    return rows.map((r) => ({ pipelineId: r.pipeline_id, name: r.name, version: Number(r.version), digest: r.digest, baseDir: r.base_dir, createdAt: Number(r.created_time) }));
  }

  async insertRun(run: PipelineRun, steps: StepRun[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('pipeline_runs').values({
        run_id: run.runId, pipeline_id: run.pipelineId, version: run.version, status: run.status, params: JSON.stringify(run.params),
        trigger_kind: run.trigger.kind, trigger_detail: JSON.stringify(run.trigger.detail ?? {}), tracking_run_id: run.trackingRunId, experiment_id: run.experimentId,
        concurrency: run.concurrency, error: run.error, created_time: run.createdAt, started_time: run.startedAt, finished_time: run.finishedAt,
      }).execute();
      // Chunked so a 10,000-item fan-out stays under every driver's parameter limit.
      for (let i = 0; i < steps.length; i += 200) {
        await trx.insertInto('pipeline_step_runs').values(steps.slice(i, i + 200).map((s) => ({
          step_run_id: s.stepRunId, run_id: s.runId, step_name: s.stepName, base_step: s.baseStep, item_index: s.itemIndex, status: s.status, attempts: s.attempts,
          tracking_run_id: s.trackingRunId, cache_key: s.cacheKey, cache_parts: s.cacheParts ? JSON.stringify(s.cacheParts) : null, cache_status: s.cacheStatus,
          cache_reason: s.cacheReason, cached_from: s.cachedFrom, outputs: JSON.stringify(s.outputs), error: s.error, executed_by: s.executedBy, started_time: s.startedAt, finished_time: s.finishedAt,
        }))).execute();
      }
    });
  }

  async getRun(runId: string): Promise<PipelineRun | null> {
    const r = await this.db.selectFrom('pipeline_runs as r').innerJoin('pipelines as p', 'p.pipeline_id', 'r.pipeline_id').selectAll('r').select('p.name').where('r.run_id', '=', runId).executeTakeFirst();
    return r ? toRun(r) : null;
  }

  async updateRun(runId: string, patch: RunPatch, onlyIf?: PipelineRunStatus[]): Promise<boolean> {
    const set: Partial<PipelineRunsTable> = {};
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.trackingRunId !== undefined) set.tracking_run_id = patch.trackingRunId;
    if (patch.experimentId !== undefined) set.experiment_id = patch.experimentId;
    if (patch.error !== undefined) set.error = patch.error;
    if (patch.startedAt !== undefined) set.started_time = patch.startedAt;
    if (patch.finishedAt !== undefined) set.finished_time = patch.finishedAt;
    if (patch.concurrency !== undefined) set.concurrency = patch.concurrency;
    let q = this.db.updateTable('pipeline_runs').set(set).where('run_id', '=', runId);
    if (onlyIf) q = q.where('status', 'in', onlyIf);
    return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
  }

  async listRuns(query: RunQuery): Promise<PipelineRun[]> {
    let q = this.db.selectFrom('pipeline_runs as r').innerJoin('pipelines as p', 'p.pipeline_id', 'r.pipeline_id').selectAll('r').select('p.name');
    if (query.pipelineName) q = q.where('p.name', '=', query.pipelineName);
    if (query.status) q = q.where('r.status', '=', query.status);
    const rows = await q.orderBy('r.created_time', 'desc').orderBy('r.run_id', 'desc').limit(query.limit).offset(query.offset).execute();
    return rows.map(toRun);
  }

  async listStepRuns(runId: string): Promise<StepRun[]> {
    const rows = await this.db.selectFrom('pipeline_step_runs').selectAll().where('run_id', '=', runId).execute();
    return rows.map(toStep);
  }

  async getStepRun(stepRunId: string): Promise<StepRun | null> {
    const r = await this.db.selectFrom('pipeline_step_runs').selectAll().where('step_run_id', '=', stepRunId).executeTakeFirst();
    return r ? toStep(r) : null;
  }

  async updateStepRun(stepRunId: string, patch: StepRunPatch, expect?: { status?: StepRun['status'][]; attempts?: number }): Promise<boolean> {
    let q = this.db.updateTable('pipeline_step_runs').set(stepColumns(patch)).where('step_run_id', '=', stepRunId);
    if (expect?.status) q = q.where('status', 'in', expect.status);
    if (expect?.attempts !== undefined) q = q.where('attempts', '=', expect.attempts);
    return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
  }

  async appendLogs(stepRunId: string, lines: StepLogLine[]): Promise<void> {
    for (let i = 0; i < lines.length; i += 500) {
      await this.db.insertInto('pipeline_step_logs').values(lines.slice(i, i + 500).map((l) => ({ step_run_id: stepRunId, seq: l.seq, attempt: l.attempt, stream: l.stream, line: l.line, time: l.time }))).execute();
    }
  }

  async readLogs(stepRunId: string, afterSeq: number, limit: number): Promise<StepLogLine[]> {
    const rows = await this.db.selectFrom('pipeline_step_logs').selectAll().where('step_run_id', '=', stepRunId).where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
    return rows.map((r) => ({ seq: Number(r.seq), attempt: Number(r.attempt), stream: r.stream as StepLogLine['stream'], line: r.line, time: Number(r.time) }));
  }

  async lastLogSeq(stepRunId: string): Promise<number> {
    const r = await this.db.selectFrom('pipeline_step_logs').select((eb) => eb.fn.max('seq').as('m')).where('step_run_id', '=', stepRunId).executeTakeFirst();
    return r?.m === null || r?.m === undefined ? 0 : Number(r.m);
  }

  async getCacheEntry(cacheKey: string): Promise<CacheEntry | null> {
    const r = await this.db.selectFrom('pipeline_cache_entries').selectAll().where('cache_key', '=', cacheKey).executeTakeFirst();
    return r ? { cacheKey: r.cache_key, pipelineName: r.pipeline_name, stepName: r.step_name, stepRunId: r.step_run_id, createdAt: Number(r.created_time), expiresAt: r.expires_time === null ? null : Number(r.expires_time), invalidatedAt: r.invalidated_time === null ? null : Number(r.invalidated_time) } : null;
  }

  async putCacheEntry(e: CacheEntry): Promise<void> {
    const row = { cache_key: e.cacheKey, pipeline_name: e.pipelineName, step_name: e.stepName, step_run_id: e.stepRunId, created_time: e.createdAt, expires_time: e.expiresAt, invalidated_time: e.invalidatedAt };
    await this.db.insertInto('pipeline_cache_entries').values(row).onConflict((oc) => oc.column('cache_key').doUpdateSet({ step_run_id: row.step_run_id, created_time: row.created_time, expires_time: row.expires_time, invalidated_time: row.invalidated_time, pipeline_name: row.pipeline_name, step_name: row.step_name })).execute();
  }

  async invalidateCache(filter: { pipelineName: string; stepName?: string; cacheKey?: string }, now: number): Promise<number> {
    let q = this.db.updateTable('pipeline_cache_entries').set({ invalidated_time: now }).where('pipeline_name', '=', filter.pipelineName).where('invalidated_time', 'is', null);
    if (filter.stepName) q = q.where('step_name', '=', filter.stepName);
    if (filter.cacheKey) q = q.where('cache_key', '=', filter.cacheKey);
    return Number((await q.executeTakeFirst()).numUpdatedRows);
  }

  async previousStepRuns(pipelineName: string, baseStep: string, limit: number): Promise<PreviousStepRun[]> {
    const rows = await this.db.selectFrom('pipeline_step_runs as s').innerJoin('pipeline_runs as r', 'r.run_id', 's.run_id').innerJoin('pipelines as p', 'p.pipeline_id', 'r.pipeline_id')
      .select(['s.run_id', 's.step_run_id', 's.step_name', 's.cache_key', 's.cache_parts', 's.finished_time', 's.status'])
      .where('p.name', '=', pipelineName).where('s.base_step', '=', baseStep).where('s.cache_key', 'is not', null)
      .orderBy('r.created_time', 'desc').orderBy('s.step_run_id', 'desc').limit(limit).execute();
    return rows.map((r) => ({ runId: r.run_id, stepRunId: r.step_run_id, stepName: r.step_name, cacheKey: r.cache_key!, cacheParts: JSON.parse(r.cache_parts ?? '{}') as Record<string, string>, finishedAt: r.finished_time === null ? null : Number(r.finished_time), status: r.status }));
  }
}
