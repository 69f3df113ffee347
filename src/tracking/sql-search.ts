import { sql, type RawBuilder } from 'kysely';
import type { SqlDialect } from '../storage/sql/sql-dialect.js';
import type { FilterClause, OrderByClause } from './search-filter.js';
import type { ViewType } from './model.js';

/**
 * Translate parsed search clauses into SQL fragments over an aliased entity table. Values are
 * always bound parameters; only aliases and column names chosen here are spliced in.
 */
export interface SearchTarget {
  /** SQL alias of the entity table, e.g. `r`. */
  alias: string;
  /** Column holding the entity id (`run_id`, `experiment_id`, `model_id`). */
  idColumn: string;
  /** Extra key columns for entities with a composite key (model versions: model_id + version). */
  extraKeyColumns?: string[];
  /** attribute name → column of the entity table (or an already qualified `alias.column`). */
  attributes: Record<string, string>;
  /** Attributes whose column is NOT NULL: ordering by them needs no nulls-last term, so an index can serve it. */
  notNullAttributes?: readonly string[];
  /**
   * `unique`: at most one row per entity and key (the table's primary key), so a filter on it can
   * be an inner join (no duplicate rows) the planner may drive from, instead of a correlated EXISTS.
   * Param and tag tables are always keyed that way.
   */
  metricTable?: { table: string; valueColumn: string; nanColumn?: string; unique?: boolean };
  paramTable?: string;
  tagTable?: string;
}

export function lifecycleCondition(alias: string, viewType: ViewType): RawBuilder<unknown> {
  const col = sql.ref(`${alias}.lifecycle_stage`);
  if (viewType === 'ACTIVE_ONLY') return sql`${col} = 'active'`;
  if (viewType === 'DELETED_ONLY') return sql`${col} = 'deleted'`;
  return sql`1 = 1`;
}

function compare(dialect: SqlDialect, left: RawBuilder<unknown>, c: FilterClause): RawBuilder<unknown> {
  switch (c.comparator) {
    case 'LIKE':
      return sql`${left} like ${c.value}`;
    case 'ILIKE':
      return dialect.ilike(left, sql`${c.value}`);
    case 'IN':
      return sql`${left} in (${sql.join((c.value as string[]).map((v) => sql`${v}`))})`;
    case 'NOT IN':
      return sql`${left} not in (${sql.join((c.value as string[]).map((v) => sql`${v}`))})`;
    default:
      return sql`${left} ${sql.raw(c.comparator)} ${c.value}`;
  }
}

const column = (t: SearchTarget, name: string) => sql.ref(name.includes('.') ? name : `${t.alias}.${name}`);

/** `f.k = e.k` for every key column of the target (composite keys included). */
function keyJoin(t: SearchTarget, inner: string): RawBuilder<unknown> {
  return sql.join(
    [t.idColumn, ...(t.extraKeyColumns ?? [])].map((k) => sql`${sql.ref(`${inner}.${k}`)} = ${sql.ref(`${t.alias}.${k}`)}`),
    sql` and `,
  );
}

export function filterCondition(dialect: SqlDialect, t: SearchTarget, c: FilterClause): RawBuilder<unknown> {
  const id = sql.ref(`${t.alias}.${t.idColumn}`);
  // Datasets are a runs-only concept keyed by run_id.
  switch (c.type) {
    case 'attribute': {
      const mapped = t.attributes[c.key];
      if (!mapped) throw new Error(`unmapped attribute ${c.key}`);
      return compare(dialect, column(t, mapped), c);
    }
    case 'metric': {
      const m = t.metricTable!;
      return sql`exists (select 1 from ${sql.table(m.table)} f where ${keyJoin(t, 'f')} and f.key = ${c.key} and ${m.nanColumn ? sql`f.${sql.raw(m.nanColumn)} = 0` : sql`1 = 1`} and ${compare(dialect, sql.ref(`f.${m.valueColumn}`), c)})`;
    }
    case 'param':
    case 'tag': {
      const table = c.type === 'param' ? t.paramTable! : t.tagTable!;
      return sql`exists (select 1 from ${sql.table(table)} f where ${keyJoin(t, 'f')} and f.key = ${c.key} and ${compare(dialect, sql.ref('f.value'), c)})`;
    }
    case 'dataset': {
      const column = c.key === 'context' ? 'ri.context' : `d.${c.key}`;
      return sql`exists (select 1 from run_inputs ri join datasets d on d.dataset_id = ri.dataset_id where ri.run_id = ${id} and ${compare(dialect, sql.ref(column), c)})`;
    }
  }
}

/** Comparators whose matches a (key, value) index finds directly and which are usually selective. */
const EQUALITY = new Set(['=', 'IN']);

/**
 * The WHERE conditions and inner JOINs for a filter. An equality clause on a table holding one row
 * per entity and key becomes an inner join on that key: same rows as an EXISTS (an entity without
 * the key does not match either way), but the query planner may start from the clause's
 * (key, value) index — a selective `params.p = 'x'` then reads its few matches instead of probing
 * every entity of the experiment. Range and pattern clauses stay correlated EXISTS conditions:
 * offered as joins, SQLite (without statistics) prefers a range scan of the index even when it
 * matches most rows, which is slower than probing each entity.
 */
export function filterParts(dialect: SqlDialect, t: SearchTarget, clauses: readonly FilterClause[]): { joins: RawBuilder<unknown>[]; conds: RawBuilder<unknown>[] } {
  const joins: RawBuilder<unknown>[] = [];
  const conds: RawBuilder<unknown>[] = [];
  clauses.forEach((c, i) => {
    const table = c.type === 'metric' ? (t.metricTable?.unique ? t.metricTable.table : undefined) : c.type === 'param' ? t.paramTable : c.type === 'tag' ? t.tagTable : undefined;
    if (!table || !EQUALITY.has(c.comparator)) {
      conds.push(filterCondition(dialect, t, c));
      return;
    }
    const alias = `f${i}`;
    const on = [keyJoin(t, alias), sql`${sql.ref(`${alias}.key`)} = ${c.key}`];
    if (c.type === 'metric') {
      const m = t.metricTable!;
      if (m.nanColumn) on.push(sql`${sql.ref(`${alias}.${m.nanColumn}`)} = 0`);
      on.push(compare(dialect, sql.ref(`${alias}.${m.valueColumn}`), c));
    } else {
      on.push(compare(dialect, sql.ref(`${alias}.value`), c));
    }
    joins.push(sql`join ${sql.table(table)} ${sql.raw(alias)} on ${sql.join(on, sql` and `)}`);
  });
  return { joins, conds };
}

/** ORDER BY terms (with the LEFT JOINs they need); NULLs and NaNs always sort last, as in MLflow. */
export function orderTerms(t: SearchTarget, orderBy: OrderByClause[], defaults: RawBuilder<unknown>[]): { joins: RawBuilder<unknown>[]; terms: RawBuilder<unknown>[] } {
  const joins: RawBuilder<unknown>[] = [];
  const terms: RawBuilder<unknown>[] = [];
  orderBy.forEach((o, i) => {
    const dir = sql.raw(o.ascending ? 'asc' : 'desc');
    if (o.type === 'attribute') {
      const col = column(t, t.attributes[o.key]!);
      if (!t.notNullAttributes?.includes(o.key)) terms.push(sql`case when ${col} is null then 1 else 0 end`);
      terms.push(sql`${col} ${dir}`);
      return;
    }
    const alias = `o${i}`;
    if (o.type === 'metric') {
      const m = t.metricTable!;
      joins.push(sql`left join ${sql.table(m.table)} ${sql.raw(alias)} on ${keyJoin(t, alias)} and ${sql.ref(`${alias}.key`)} = ${o.key}`);
      const v = sql.ref(`${alias}.${m.valueColumn}`);
      const nan = m.nanColumn ? sql` or ${sql.ref(`${alias}.${m.nanColumn}`)} = 1` : sql``;
      terms.push(sql`case when ${v} is null${nan} then 1 else 0 end`, sql`${v} ${dir}`);
      return;
    }
    const table = o.type === 'param' ? t.paramTable! : t.tagTable!;
    joins.push(sql`left join ${sql.table(table)} ${sql.raw(alias)} on ${keyJoin(t, alias)} and ${sql.ref(`${alias}.key`)} = ${o.key}`);
    const v = sql.ref(`${alias}.value`);
    terms.push(sql`case when ${v} is null then 1 else 0 end`, sql`${v} ${dir}`);
  });
  terms.push(...defaults);
  return { joins, terms };
}

export const RUN_TARGET: SearchTarget = {
  alias: 'r',
  idColumn: 'run_id',
  attributes: {
    run_id: 'run_id',
    run_name: 'name',
    status: 'status',
    user_id: 'user_id',
    start_time: 'start_time',
    end_time: 'end_time',
    artifact_uri: 'artifact_uri',
    lifecycle_stage: 'lifecycle_stage',
  },
  notNullAttributes: ['run_id', 'run_name', 'status', 'user_id', 'start_time', 'artifact_uri', 'lifecycle_stage'],
  metricTable: { table: 'latest_metrics', valueColumn: 'value', nanColumn: 'is_nan', unique: true },
  paramTable: 'params',
  tagTable: 'tags',
};

export const EXPERIMENT_TARGET: SearchTarget = {
  alias: 'e',
  idColumn: 'experiment_id',
  attributes: { name: 'name', experiment_id: 'experiment_id', creation_time: 'creation_time', last_update_time: 'last_update_time' },
  tagTable: 'experiment_tags',
};

export const LOGGED_MODEL_TARGET: SearchTarget = {
  alias: 'm',
  idColumn: 'model_id',
  attributes: {
    name: 'name',
    model_id: 'model_id',
    model_type: 'model_type',
    status: 'status',
    source_run_id: 'source_run_id',
    creation_time: 'creation_time',
    last_updated_time: 'last_updated_time',
  },
  metricTable: { table: 'logged_model_metrics', valueColumn: 'value', nanColumn: 'is_nan' },
  paramTable: 'logged_model_params',
  tagTable: 'logged_model_tags',
};

export const REGISTERED_MODEL_TARGET: SearchTarget = {
  alias: 'm',
  idColumn: 'model_id',
  attributes: { name: 'name', creation_time: 'creation_time', last_updated_time: 'last_updated_time', owner: 'owner', project_id: 'project_id' },
  tagTable: 'registered_model_tags',
};

export const MODEL_VERSION_TARGET: SearchTarget = {
  alias: 'v',
  idColumn: 'model_id',
  extraKeyColumns: ['version'],
  attributes: {
    name: 'm.name',
    version: 'version',
    run_id: 'run_id',
    source: 'source',
    status: 'status',
    current_stage: 'current_stage',
    user_id: 'user_id',
    creation_time: 'creation_time',
    last_updated_time: 'last_updated_time',
    logged_model_id: 'logged_model_id',
  },
  metricTable: { table: 'model_version_metrics', valueColumn: 'value', unique: true },
  tagTable: 'model_version_tags',
};
