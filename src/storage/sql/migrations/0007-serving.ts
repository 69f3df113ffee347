import type { Kysely } from 'kysely';
import type { SqlDialect } from '../sql-dialect.js';

/**
 * Serving tables: deployments (current spec + revision), their revision history, the inference
 * log and feedback. Specs are JSON text so a revision is one immutable row.
 */
export async function migrateServing(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('deployments')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addColumn('updated_time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('deployment_revisions')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addPrimaryKeyConstraint('deployment_revisions_pk', ['name', 'revision'])
    .execute();
  await db.schema
    .createTable('inference_log')
    .addColumn('log_id', dialect.serialType, (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('deployment', 'text', (c) => c.notNull())
    .addColumn('variant', 'text', (c) => c.notNull())
    .addColumn('model_name', 'text', (c) => c.notNull())
    .addColumn('model_version', 'text', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('latency_ms', 'double precision', (c) => c.notNull())
    .addColumn('shadow', 'integer', (c) => c.notNull())
    .addColumn('inputs', 'text')
    .addColumn('outputs', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('inference_log_deployment_time').on('inference_log').columns(['deployment', 'time']).execute();
  await db.schema.createIndex('inference_log_request').on('inference_log').column('request_id').execute();
  await db.schema
    .createTable('inference_feedback')
    .addColumn('feedback_id', dialect.serialType, (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('deployment', 'text', (c) => c.notNull())
    .addColumn('labels', 'text')
    .addColumn('reward', 'double precision')
    .addColumn('time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('inference_feedback_request').on('inference_feedback').column('request_id').execute();
  await db.schema.createIndex('inference_feedback_deployment_time').on('inference_feedback').columns(['deployment', 'time']).execute();
}
