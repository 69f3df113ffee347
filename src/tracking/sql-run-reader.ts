import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, RunsTable } from '../storage/sql/schema.js';
import type { SqlDialect } from '../storage/sql/sql-dialect.js';
import type { KeyValue, LifecycleStage, Run, RunInfo, RunStatus } from './model.js';
import { runDataColumn, runWithDataJson } from './sql-run-data.js';

/** A runs row as read for hydration: its columns plus the materialized data JSON as `data`. */
export type RunRow = Omit<RunsTable, 'data_json'> & { data: string };

export const RUN_COLUMNS = ['run_id', 'experiment_id', 'name', 'user_id', 'status', 'start_time', 'end_time', 'lifecycle_stage', 'deleted_time', 'artifact_uri', 'parent_run_id'] as const;

/** The select list that reads a RunRow from the runs table aliased `alias`. */
export function runRowColumns(dialect: SqlDialect, alias: string): RawBuilder<unknown> {
  return sql`${sql.join(RUN_COLUMNS.map((c) => sql.ref(`${alias}.${c}`)))}, ${runDataColumn(dialect, alias)} as data`;
}

/** Keep IN lists within every driver's parameter limit. */
const CHUNK = 5000;

/** Turn rows into Runs (in row order), reading dataset inputs and model inputs/outputs beside them. */
export async function hydrateRuns(db: Kysely<Database>, rows: readonly RunRow[]): Promise<Run[]> {
  const runs: Run[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) runs.push(...(await hydrateChunk(db, rows.slice(i, i + CHUNK))));
  return runs;
}

async function hydrateChunk(db: Kysely<Database>, rows: readonly RunRow[]): Promise<Run[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.run_id);
  const [inputs, modelInputs, outputs] = await Promise.all([
    db
      .selectFrom('run_inputs as ri')
      .innerJoin('datasets as d', 'd.dataset_id', 'ri.dataset_id')
      .select(['ri.run_id', 'ri.tags', 'd.name', 'd.digest', 'd.source_type', 'd.source', 'd.schema', 'd.profile'])
      .where('ri.run_id', 'in', ids)
      .execute(),
    db.selectFrom('run_model_inputs').selectAll().where('run_id', 'in', ids).execute(),
    db.selectFrom('run_outputs').selectAll().where('run_id', 'in', ids).execute(),
  ]);
  const di = groupBy(inputs, (x) => x.run_id);
  const mi = groupBy(modelInputs, (x) => x.run_id);
  const mo = groupBy(outputs, (x) => x.run_id);
  return rows.map((row) =>
    runWithDataJson(
      {
        info: toRunInfo(row),
        inputs: {
          datasetInputs: (di.get(row.run_id) ?? []).map((x) => ({
            dataset: { name: x.name, digest: x.digest, sourceType: x.source_type, source: x.source, schema: x.schema, profile: x.profile },
            tags: JSON.parse(x.tags) as KeyValue[],
          })),
          modelInputs: (mi.get(row.run_id) ?? []).map((x) => ({ modelId: x.model_id })),
        },
        outputs: { modelOutputs: (mo.get(row.run_id) ?? []).map((x) => ({ modelId: x.model_id, step: x.step })) },
      },
      row.data,
    ),
  );
}

export function toRunInfo(row: Omit<RunsTable, 'data_json'>): RunInfo {
  return {
    runId: row.run_id,
    experimentId: String(row.experiment_id),
    runName: row.name,
    userId: row.user_id,
    status: row.status as RunStatus,
    startTime: row.start_time,
    endTime: row.end_time,
    lifecycleStage: row.lifecycle_stage as LifecycleStage,
    artifactUri: row.artifact_uri,
    parentRunId: row.parent_run_id,
  };
}

export function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = out.get(key);
    if (list) list.push(item);
    else out.set(key, [item]);
  }
  return out;
}
