import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { SqlDialect } from './sql-dialect.js';

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
    // history reads as a covering index.
    await db.schema
      .createTable('metrics')
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.run_id').onDelete('cascade'))
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
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.run_id').onDelete('cascade'))
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
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.run_id').onDelete('cascade'))
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
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${String(error)}`, { cause: error });
  }
}
