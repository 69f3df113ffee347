import type { Kysely } from 'kysely';
import type { SqlDialect } from '../sql-dialect.js';

/**
 * Metric points in chunks (0011_metric_chunks): the points one request logs for one key are kept as
 * one row whose blob holds their steps, timestamps and values, instead of one row per point. A
 * row per point made the B-tree insert most of log-batch's cost; a chunk costs about the same as
 * one point did. `digest` (a hash of the blob) makes a retried identical request a no-op. The
 * `metrics` table keeps points with a model or dataset reference, small writes and everything
 * written before this migration; readers merge both.
 */
export async function migrateMetricChunks(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('metric_chunks')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('min_step', 'bigint', (c) => c.notNull())
    .addColumn('max_step', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('points', dialect.name === 'sqlite' ? 'blob' : 'bytea', (c) => c.notNull())
    // One index serves both jobs: a chunk's identity (its content is named by the digest, and equal
    // content means equal steps) and range reads — chunks of one key whose step span meets [lo, hi],
    // found without touching the blobs (the table keeps its rowid, so blobs live outside the index).
    .addPrimaryKeyConstraint('metric_chunks_pk', ['run_id', 'key', 'max_step', 'min_step', 'digest'])
    .execute();
}
