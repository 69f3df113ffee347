import type { Kysely } from 'kysely';

/**
 * Each run keeps its latest params, tags and metrics as one JSON text, rewritten in the same
 * transaction as every write to them, so a search page of a thousand runs reads one column per run
 * instead of tens of thousands of rows. NULL (runs written before this migration) means "build it
 * when read"; the tracking store does that in SQL.
 */
export async function migrateRunDataJson(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('runs').addColumn('data_json', 'text').execute();
}
