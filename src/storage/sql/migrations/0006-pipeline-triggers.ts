import type { Kysely } from 'kysely';
import type { SqlDialect } from '../sql-dialect.js';

/** Pipeline schedules, triggers and their firings; the distributed step queue's dispatch records. */
export async function migratePipelineTriggers(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('pipeline_triggers')
    .addColumn('trigger_id', 'text', (c) => c.primaryKey())
    .addColumn('pipeline_name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addColumn('updated_time', 'bigint', (c) => c.notNull())
    .addColumn('cursor_time', 'bigint')
    .addColumn('state', 'text')
    .addColumn('state_version', 'bigint', (c) => c.notNull())
    .addColumn('next_check_time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('pipeline_triggers_pipeline').on('pipeline_triggers').columns(['pipeline_name', 'kind']).execute();
  await db.schema.createIndex('pipeline_triggers_kind').on('pipeline_triggers').columns(['kind', 'enabled']).execute();
  await db.schema
    .createTable('pipeline_trigger_firings')
    .addColumn('trigger_id', 'text', (c) => c.notNull().references('pipeline_triggers.trigger_id').onDelete('cascade'))
    .addColumn('slot_key', 'text', (c) => c.notNull())
    .addColumn('cause', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('fired_time', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('pipeline_trigger_firings_pk', ['trigger_id', 'slot_key'])
    .execute();
  await db.schema.createIndex('pipeline_trigger_firings_time').on('pipeline_trigger_firings').columns(['trigger_id', 'fired_time']).execute();

  await db.schema
    .createTable('pipeline_step_dispatches')
    .addColumn('dispatch_id', 'text', (c) => c.primaryKey())
    .addColumn('pipeline_run_id', 'text', (c) => c.notNull())
    .addColumn('step_run_id', 'text', (c) => c.notNull())
    .addColumn('step_name', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('task', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('delivery', 'integer', (c) => c.notNull())
    .addColumn('worker_id', 'text')
    .addColumn('heartbeat_time', 'bigint')
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addColumn('started_time', 'bigint')
    .addColumn('finished_time', 'bigint')
    .addColumn('result', 'text')
    .execute();
  await db.schema.createIndex('pipeline_step_dispatches_run').on('pipeline_step_dispatches').columns(['pipeline_run_id']).execute();
  await db.schema
    .createTable('pipeline_step_worker_logs')
    .addColumn('log_id', dialect.serialType, (c) => c.primaryKey())
    .addColumn('dispatch_id', 'text', (c) => c.notNull().references('pipeline_step_dispatches.dispatch_id').onDelete('cascade'))
    .addColumn('delivery', 'integer', (c) => c.notNull())
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('line', 'text', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('pipeline_step_worker_logs_dispatch').on('pipeline_step_worker_logs').columns(['dispatch_id', 'log_id']).execute();
}
