import type { Kysely } from 'kysely';

/** Pipelines: definitions by name and digest, runs, step runs, step logs and the step cache. */
export async function migratePipelines(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('pipelines')
    .addColumn('pipeline_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('latest_version', 'integer', (c) => c.notNull())
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addColumn('updated_time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('pipeline_versions')
    .addColumn('pipeline_id', 'text', (c) => c.notNull().references('pipelines.pipeline_id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('base_dir', 'text', (c) => c.notNull())
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pipeline_versions_pk', ['pipeline_id', 'version'])
    .addUniqueConstraint('pipeline_versions_digest', ['pipeline_id', 'digest'])
    .execute();
  await db.schema
    .createTable('pipeline_runs')
    .addColumn('run_id', 'text', (c) => c.primaryKey())
    .addColumn('pipeline_id', 'text', (c) => c.notNull().references('pipelines.pipeline_id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('trigger_kind', 'text', (c) => c.notNull())
    .addColumn('trigger_detail', 'text', (c) => c.notNull())
    .addColumn('tracking_run_id', 'text')
    .addColumn('experiment_id', 'text')
    .addColumn('concurrency', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addColumn('started_time', 'bigint')
    .addColumn('finished_time', 'bigint')
    .execute();
  await db.schema.createIndex('pipeline_runs_by_pipeline').on('pipeline_runs').columns(['pipeline_id', 'created_time']).execute();
  await db.schema.createIndex('pipeline_runs_by_status').on('pipeline_runs').columns(['status']).execute();
  await db.schema
    .createTable('pipeline_step_runs')
    .addColumn('step_run_id', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull().references('pipeline_runs.run_id').onDelete('cascade'))
    .addColumn('step_name', 'text', (c) => c.notNull())
    .addColumn('base_step', 'text', (c) => c.notNull())
    .addColumn('item_index', 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('tracking_run_id', 'text')
    .addColumn('cache_key', 'text')
    .addColumn('cache_parts', 'text')
    .addColumn('cache_status', 'text')
    .addColumn('cache_reason', 'text')
    .addColumn('cached_from', 'text')
    .addColumn('outputs', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('executed_by', 'text')
    .addColumn('started_time', 'bigint')
    .addColumn('finished_time', 'bigint')
    .addUniqueConstraint('pipeline_step_runs_name', ['run_id', 'step_name'])
    .execute();
  await db.schema.createIndex('pipeline_step_runs_by_step').on('pipeline_step_runs').columns(['base_step', 'finished_time']).execute();
  await db.schema
    .createTable('pipeline_step_logs')
    .addColumn('step_run_id', 'text', (c) => c.notNull().references('pipeline_step_runs.step_run_id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('line', 'text', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pipeline_step_logs_pk', ['step_run_id', 'seq'])
    .execute();
  await db.schema
    .createTable('pipeline_cache_entries')
    .addColumn('cache_key', 'text', (c) => c.primaryKey())
    .addColumn('pipeline_name', 'text', (c) => c.notNull())
    .addColumn('step_name', 'text', (c) => c.notNull())
    .addColumn('step_run_id', 'text', (c) => c.notNull())
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addColumn('expires_time', 'bigint')
    .addColumn('invalidated_time', 'bigint')
    .execute();
  await db.schema.createIndex('pipeline_cache_entries_by_step').on('pipeline_cache_entries').columns(['pipeline_name', 'step_name']).execute();
}
