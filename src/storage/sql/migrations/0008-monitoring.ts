import type { Kysely } from 'kysely';
import type { SqlDialect } from '../sql-dialect.js';

/** Monitoring tables: reference profiles per model version, monitors per deployment, windows, alert history. */
export async function migrateMonitoring(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('monitor_profiles')
    .addColumn('profile_id', 'text', (c) => c.primaryKey())
    .addColumn('model_name', 'text', (c) => c.notNull())
    .addColumn('model_version', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addColumn('rows', 'bigint', (c) => c.notNull())
    .addColumn('profile', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('monitor_profiles_version').on('monitor_profiles').columns(['model_name', 'model_version', 'created_time']).execute();
  await db.schema
    .createTable('monitors')
    .addColumn('deployment', 'text', (c) => c.primaryKey())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('rule_state', 'text', (c) => c.notNull())
    .addColumn('updated_time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('monitor_windows')
    .addColumn('deployment', 'text', (c) => c.notNull())
    .addColumn('variant', 'text', (c) => c.notNull())
    .addColumn('start_time', 'bigint', (c) => c.notNull())
    .addColumn('end_time', 'bigint', (c) => c.notNull())
    .addColumn('model_name', 'text', (c) => c.notNull())
    .addColumn('model_version', 'text', (c) => c.notNull())
    .addColumn('profile_id', 'text')
    .addColumn('closed', 'integer', (c) => c.notNull())
    .addColumn('drift_share', 'double precision')
    .addColumn('document', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('monitor_windows_pk', ['deployment', 'variant', 'start_time'])
    .execute();
  await db.schema
    .createTable('monitor_alerts')
    .addColumn('alert_id', dialect.serialType, (c) => c.primaryKey())
    .addColumn('deployment', 'text', (c) => c.notNull())
    .addColumn('variant', 'text', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addColumn('threshold', 'double precision', (c) => c.notNull())
    .addColumn('op', 'text', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('window_end', 'bigint', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('monitor_alerts_deployment').on('monitor_alerts').columns(['deployment', 'time']).execute();
}
