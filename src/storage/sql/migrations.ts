import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { SqlDialect } from './sql-dialect.js';
import { migrateServing } from './migrations/0007-serving.js';
import { migratePipelineTriggers } from './migrations/0006-pipeline-triggers.js';
import { migratePipelines } from './migrations/0005-pipelines.js';
import { migrateRunDataJson } from './migrations/0009-run-data-json.js';
import { migrateMonitoring } from './migrations/0008-monitoring.js';
import { migrateMonitoringCheckpoints } from './migrations/0010-monitoring-checkpoints.js';
import { migrateMetricChunks } from './migrations/0011-metric-chunks.js';

/**
 * Schema migrations, one entry per change, applied in order at start-up. Each is written once
 * for both dialects; `SqlDialect` carries the differences.
 */
type DialectMigration = (db: Kysely<unknown>, dialect: SqlDialect) => Promise<void>;

const withoutRowid = (dialect: SqlDialect) => (dialect.name === 'sqlite' ? sql`without rowid` : sql``);

const migrations: Record<string, DialectMigration> = {
  '0001_tracking': async (db, dialect) => {
    await db.schema
      .createTable('projects')
      .addColumn('project_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('description', 'text')
      .addColumn('creation_time', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('experiments')
      .addColumn('experiment_id', dialect.serialType, (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('artifact_location', 'text', (c) => c.notNull())
      .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
      .addColumn('creation_time', 'bigint', (c) => c.notNull())
      .addColumn('last_update_time', 'bigint', (c) => c.notNull())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.project_id'))
      .execute();

    await db.schema
      .createTable('experiment_tags')
      .addColumn('experiment_id', 'bigint', (c) => c.notNull().references('experiments.experiment_id').onDelete('cascade'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('experiment_tags_pk', ['experiment_id', 'key'])
      .execute();

    await db.schema
      .createTable('runs')
      .addColumn('run_id', 'text', (c) => c.primaryKey())
      .addColumn('experiment_id', 'bigint', (c) => c.notNull().references('experiments.experiment_id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('start_time', 'bigint', (c) => c.notNull())
      .addColumn('end_time', 'bigint')
      .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
      .addColumn('deleted_time', 'bigint')
      .addColumn('artifact_uri', 'text', (c) => c.notNull())
      .addColumn('parent_run_id', 'text')
      .execute();
    await db.schema.createIndex('runs_experiment_start').on('runs').columns(['experiment_id', 'start_time']).execute();
    await db.schema.createIndex('runs_parent').on('runs').column('parent_run_id').execute();

    for (const table of ['params', 'tags'] as const) {
      await db.schema
        .createTable(table)
        .addColumn('run_id', 'text', (c) => c.notNull().references('runs.run_id').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${table}_pk`, ['run_id', 'key'])
        .modifyEnd(withoutRowid(dialect))
        .execute();
      await db.schema.createIndex(`${table}_key_value`).on(table).columns(['key', 'value']).execute();
    }

    // The primary key makes identical re-sent points (client retries) idempotent and serves
    // history reads as a covering index. The three metric tables carry no foreign key: a per-row
    // FK check doubled ingest cost, the service checks the run before every write, and run purges
    // delete from these tables explicitly.
    await db.schema
      .createTable('metrics')
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('step', 'bigint', (c) => c.notNull())
      .addColumn('timestamp', 'bigint', (c) => c.notNull())
      .addColumn('value', 'double precision', (c) => c.notNull())
      .addColumn('is_nan', 'integer', (c) => c.notNull())
      .addColumn('model_id', 'text')
      .addColumn('dataset_name', 'text')
      .addColumn('dataset_digest', 'text')
      .addPrimaryKeyConstraint('metrics_pk', ['run_id', 'key', 'step', 'timestamp', 'value', 'is_nan'])
      .modifyEnd(withoutRowid(dialect))
      .execute();

    await db.schema
      .createTable('latest_metrics')
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('step', 'bigint', (c) => c.notNull())
      .addColumn('timestamp', 'bigint', (c) => c.notNull())
      .addColumn('value', 'double precision', (c) => c.notNull())
      .addColumn('is_nan', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('latest_metrics_pk', ['run_id', 'key'])
      .modifyEnd(withoutRowid(dialect))
      .execute();
    await db.schema.createIndex('latest_metrics_key_value').on('latest_metrics').columns(['key', 'value']).execute();

    await db.schema
      .createTable('metric_buckets')
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('level', 'integer', (c) => c.notNull())
      .addColumn('bucket', 'bigint', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addColumn('min_value', 'double precision')
      .addColumn('max_value', 'double precision')
      .addColumn('last_step', 'bigint', (c) => c.notNull())
      .addColumn('last_timestamp', 'bigint', (c) => c.notNull())
      .addColumn('last_value', 'double precision')
      .addPrimaryKeyConstraint('metric_buckets_pk', ['run_id', 'key', 'level', 'bucket'])
      .modifyEnd(withoutRowid(dialect))
      .execute();

    await db.schema
      .createTable('datasets')
      .addColumn('dataset_id', 'text', (c) => c.primaryKey())
      .addColumn('experiment_id', 'bigint', (c) => c.notNull().references('experiments.experiment_id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('source_type', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('schema', 'text')
      .addColumn('profile', 'text')
      .addColumn('creation_time', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('datasets_identity', ['experiment_id', 'name', 'digest'])
      .execute();

    await db.schema
      .createTable('run_inputs')
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.run_id').onDelete('cascade'))
      .addColumn('dataset_id', 'text', (c) => c.notNull().references('datasets.dataset_id'))
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('context', 'text')
      .addPrimaryKeyConstraint('run_inputs_pk', ['run_id', 'dataset_id'])
      .execute();

    await db.schema
      .createTable('logged_models')
      .addColumn('model_id', 'text', (c) => c.primaryKey())
      .addColumn('experiment_id', 'bigint', (c) => c.notNull().references('experiments.experiment_id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('artifact_location', 'text', (c) => c.notNull())
      .addColumn('creation_time', 'bigint', (c) => c.notNull())
      .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
      .addColumn('source_run_id', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('status_message', 'text')
      .addColumn('model_type', 'text')
      .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('logged_models_experiment').on('logged_models').columns(['experiment_id', 'creation_time']).execute();

    for (const table of ['logged_model_params', 'logged_model_tags'] as const) {
      await db.schema
        .createTable(table)
        .addColumn('model_id', 'text', (c) => c.notNull().references('logged_models.model_id').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${table}_pk`, ['model_id', 'key'])
        .execute();
    }

    await db.schema
      .createTable('logged_model_metrics')
      .addColumn('model_id', 'text', (c) => c.notNull().references('logged_models.model_id').onDelete('cascade'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'double precision', (c) => c.notNull())
      .addColumn('is_nan', 'integer', (c) => c.notNull())
      .addColumn('step', 'bigint', (c) => c.notNull())
      .addColumn('timestamp', 'bigint', (c) => c.notNull())
      .addColumn('run_id', 'text')
      .addColumn('dataset_name', 'text')
      .addColumn('dataset_digest', 'text')
      .execute();
    await db.schema.createIndex('logged_model_metrics_model').on('logged_model_metrics').columns(['model_id', 'key']).execute();

    await db.schema
      .createTable('run_model_inputs')
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.run_id').onDelete('cascade'))
      .addColumn('model_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('run_model_inputs_pk', ['run_id', 'model_id'])
      .execute();

    await db.schema
      .createTable('run_outputs')
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.run_id').onDelete('cascade'))
      .addColumn('model_id', 'text', (c) => c.notNull())
      .addColumn('step', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('run_outputs_pk', ['run_id', 'model_id'])
      .execute();
  },
  '0002_registry': async (db, dialect) => {
    await db.schema
      .createTable('registered_models')
      .addColumn('model_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('creation_time', 'bigint', (c) => c.notNull())
      .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('registered_model_tags')
      .addColumn('model_id', 'text', (c) => c.notNull().references('registered_models.model_id').onDelete('cascade'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('registered_model_tags_pk', ['model_id', 'key'])
      .execute();
    await db.schema
      .createTable('model_versions')
      .addColumn('model_id', 'text', (c) => c.notNull().references('registered_models.model_id').onDelete('cascade'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text')
      .addColumn('logged_model_id', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('status_message', 'text')
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('current_stage', 'text', (c) => c.notNull())
      .addColumn('creation_time', 'bigint', (c) => c.notNull())
      .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
      .addColumn('run_link', 'text')
      .addColumn('signature', 'text')
      .addPrimaryKeyConstraint('model_versions_pk', ['model_id', 'version'])
      .execute();
    await db.schema.createIndex('model_versions_run').on('model_versions').column('run_id').execute();
    await db.schema
      .createTable('model_version_tags')
      .addColumn('model_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('model_version_tags_pk', ['model_id', 'version', 'key'])
      .addForeignKeyConstraint('model_version_tags_fk', ['model_id', 'version'], 'model_versions', ['model_id', 'version'], (c) => c.onDelete('cascade'))
      .execute();
    await db.schema
      .createTable('model_version_metrics')
      .addColumn('model_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'double precision', (c) => c.notNull())
      .addColumn('step', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('model_version_metrics_pk', ['model_id', 'version', 'key'])
      .addForeignKeyConstraint('model_version_metrics_fk', ['model_id', 'version'], 'model_versions', ['model_id', 'version'], (c) => c.onDelete('cascade'))
      .execute();
    await db.schema
      .createTable('model_aliases')
      .addColumn('model_id', 'text', (c) => c.notNull().references('registered_models.model_id').onDelete('cascade'))
      .addColumn('alias', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('model_aliases_pk', ['model_id', 'alias'])
      .execute();
    await db.schema
      .createTable('approval_rules')
      .addColumn('model_id', 'text', (c) => c.notNull().references('registered_models.model_id').onDelete('cascade'))
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('required_approvals', 'integer', (c) => c.notNull())
      .addColumn('allow_self_approval', 'integer', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('creation_time', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('approval_rules_pk', ['model_id', 'target'])
      .execute();
    await db.schema
      .createTable('approval_requests')
      .addColumn('request_id', 'text', (c) => c.primaryKey())
      .addColumn('model_id', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('requested_by', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('approvals', 'text', (c) => c.notNull())
      .addColumn('decided_by', 'text')
      .addColumn('decision_reason', 'text')
      .addColumn('creation_time', 'bigint', (c) => c.notNull())
      .addColumn('decided_time', 'bigint')
      .execute();
    await db.schema.createIndex('approval_requests_model').on('approval_requests').columns(['model_id', 'status']).execute();
    // No foreign keys: the audit history outlives deleted models and versions.
    await db.schema
      .createTable('registry_events')
      .addColumn('seq', dialect.serialType, (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('model_id', 'text', (c) => c.notNull())
      .addColumn('model_name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer')
      .addColumn('alias', 'text')
      .addColumn('from_version', 'integer')
      .addColumn('to_version', 'integer')
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('time', 'bigint', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('registry_events_model').on('registry_events').columns(['model_name', 'seq']).execute();
    await db.schema.createIndex('registry_events_alias').on('registry_events').columns(['model_name', 'alias', 'time']).execute();
    await db.schema
      .createTable('webhooks')
      .addColumn('webhook_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('model_name', 'text')
      .addColumn('allow_private', 'integer', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull())
      .addColumn('creation_time', 'bigint', (c) => c.notNull())
      .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.webhook_id').onDelete('cascade'))
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('model_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_time', 'bigint', (c) => c.notNull())
      .addColumn('lease_until', 'bigint')
      .addColumn('last_error', 'text')
      .addColumn('last_status_code', 'integer')
      .addColumn('delivered_time', 'bigint')
      .addPrimaryKeyConstraint('webhook_deliveries_pk', ['webhook_id', 'seq'])
      .execute();
    await db.schema.createIndex('webhook_deliveries_pending').on('webhook_deliveries').columns(['status', 'next_attempt_time']).execute();
  },
  '0003_webhook_dispatch': async (db, dialect) => {
    // Which dispatcher holds a delivery's lease: a result is written only by the lease holder, so a
    // dispatcher that stalled past its lease cannot overwrite the outcome of the one that took over.
    await db.schema.alterTable('webhook_deliveries').addColumn('lease_owner', 'text').execute();
    await db.schema.alterTable('webhooks').addColumn('created_by', 'text').execute();
    // Serves the "no earlier undelivered event of the same model" check of every claim.
    await db.schema.createIndex('webhook_deliveries_order').on('webhook_deliveries').columns(['webhook_id', 'model_id', 'seq']).execute();
    // One row per delivery attempt: the delivery log users read to see why a receiver is behind.
    await db.schema
      .createTable('webhook_delivery_attempts')
      .addColumn('attempt_id', dialect.serialType, (c) => c.primaryKey())
      .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.webhook_id').onDelete('cascade'))
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('time', 'bigint', (c) => c.notNull())
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addColumn('status_code', 'integer')
      .addColumn('error', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('webhook_delivery_attempts_delivery').on('webhook_delivery_attempts').columns(['webhook_id', 'seq']).execute();
  },
  '0004_registry_history_by_model': async (db) => {
    // History follows a model by id (across renames), not by the name it had.
    await db.schema.createIndex('registry_events_model_id').on('registry_events').columns(['model_id', 'seq']).execute();
  },
  '0007_serving': migrateServing,
  '0006_pipeline_triggers': migratePipelineTriggers,
  '0005_pipelines': migratePipelines,
  '0009_run_data_json': migrateRunDataJson,
  '0008_monitoring': migrateMonitoring,
  '0010_monitoring_checkpoints': migrateMonitoringCheckpoints,
  '0011_metric_chunks': migrateMetricChunks,
};

class StaticProvider implements MigrationProvider {
  constructor(private readonly dialect: SqlDialect) {}
  getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, up] of Object.entries(migrations)) {
      out[name] = { up: (db) => up(db, this.dialect) };
    }
    return Promise.resolve(out);
  }
}

/** Apply every pending migration; safe to call from several servers at once (Kysely locks). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run before (and regardless of) the typed schema
export async function migrateToLatest(db: Kysely<any>, dialect: SqlDialect): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new StaticProvider(dialect),
    migrationTableName: 'ascent_migrations',
    migrationLockTableName: 'ascent_migrations_lock',
    // Domains add migrations independently (0005…0009 landed in a different order than their
    // names); each one touches only its own tables, so a database that ran a later name still
    // takes an earlier one it has not seen, instead of refusing to start.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${String(error)}`, { cause: error });
  }
}
