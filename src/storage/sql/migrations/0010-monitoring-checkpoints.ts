import type { Kysely } from 'kysely';

/**
 * Monitoring durability (0010_monitoring_checkpoints): cursors of monitoring's background work (the
 * registry event seq the profile job has handled, the inference-log id the fold has checkpointed),
 * and the outcome of computing a version's reference profile at registration.
 */
export async function migrateMonitoringCheckpoints(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('monitor_cursors')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .addColumn('updated_time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('monitor_profile_status')
    .addColumn('model_name', 'text', (c) => c.notNull())
    .addColumn('model_version', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('profile_id', 'text')
    .addColumn('dataset', 'text')
    .addColumn('updated_time', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('monitor_profile_status_pk', ['model_name', 'model_version'])
    .execute();
}
