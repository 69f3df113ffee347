import { sql, type Kysely } from 'kysely';
import { alreadyExists } from '../core/errors.js';
import type { Database } from '../storage/sql/schema.js';
import type { SqlDatabase } from '../storage/sql/sql-database.js';
import type { SqlDialect } from '../storage/sql/sql-dialect.js';
import { MODEL_VERSION_TARGET, REGISTERED_MODEL_TARGET, filterParts, orderTerms } from '../tracking/sql-search.js';
import type { ApprovalRequest, ApprovalRule, ApprovalStatus, ModelVersion, RegisteredModel, RegistryEvent, Stage } from './model.js';
import type { EventQuery, RegistryStore, RegistryTx, SearchModelsQuery, SearchVersionsQuery } from './store.js';
import { SqlRegistryTx } from './sql-registry-tx.js';
import { readModels, readVersions, toEvent, toRequest } from './sql-registry-rows.js';

/** RegistryStore on Kysely, for SQLite and PostgreSQL alike. */
export class SqlRegistryStore implements RegistryStore {
  private readonly db: Kysely<Database>;
  private readonly dialect: SqlDialect;

  constructor(database: SqlDatabase) {
    this.db = database.db;
    this.dialect = database.dialect;
  }

  async transaction<T>(fn: (tx: RegistryTx) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction().execute((trx) => fn(new SqlRegistryTx(trx)));
    } catch (err) {
      // Two writers raced to create the same name or version: the loser gets a domain error.
      if (this.dialect.isUniqueViolation(err)) throw alreadyExists('The registry entity already exists (a concurrent request created it first)');
      throw err;
    }
  }

  async getModel(name: string): Promise<RegisteredModel | null> {
    const [m] = await readModels(this.db, this.db.selectFrom('registered_models').selectAll().where('name', '=', name));
    return m ?? null;
  }

  async getModelById(modelId: string): Promise<RegisteredModel | null> {
    const [m] = await readModels(this.db, this.db.selectFrom('registered_models').selectAll().where('model_id', '=', modelId));
    return m ?? null;
  }

  async searchModels(q: SearchModelsQuery): Promise<RegisteredModel[]> {
    const filter = filterParts(this.dialect, REGISTERED_MODEL_TARGET, q.filter);
    const conds = [sql`1 = 1`, ...filter.conds];
    const { joins, terms } = orderTerms(REGISTERED_MODEL_TARGET, q.orderBy, [sql`m.name asc`]);
    const ids = (await sql<{ model_id: string }>`select m.model_id from registered_models m ${sql.join([...filter.joins, ...joins], sql` `)} where ${sql.join(conds, sql` and `)} order by ${sql.join(terms)} limit ${q.maxResults} offset ${q.offset}`.execute(this.db)).rows.map((r) => r.model_id);
    if (ids.length === 0) return [];
    const models = await readModels(this.db, this.db.selectFrom('registered_models').selectAll().where('model_id', 'in', ids));
    const order = new Map(ids.map((id, i) => [id, i]));
    return models.sort((a, b) => order.get(a.modelId)! - order.get(b.modelId)!);
  }

  async getVersion(name: string, version: string): Promise<ModelVersion | null> {
    if (!/^\d+$/.test(version)) return null;
    const [v] = await readVersions(this.db, this.versionsQuery().where('m.name', '=', name).where('v.version', '=', Number(version)));
    return v ?? null;
  }

  private versionsQuery() {
    return this.db.selectFrom('model_versions as v').innerJoin('registered_models as m', 'm.model_id', 'v.model_id').selectAll('v').select('m.name');
  }

  async searchVersions(q: SearchVersionsQuery): Promise<ModelVersion[]> {
    const filter = filterParts(this.dialect, MODEL_VERSION_TARGET, q.filter);
    const conds = [sql`1 = 1`, ...filter.conds];
    if (q.modelName !== undefined) conds.push(sql`m.name = ${q.modelName}`);
    const { joins, terms } = orderTerms(MODEL_VERSION_TARGET, q.orderBy, [sql`m.name asc`, sql`v.version desc`]);
    const keys = (
      await sql<{ model_id: string; version: number }>`select v.model_id, v.version from model_versions v join registered_models m on m.model_id = v.model_id ${sql.join([...filter.joins, ...joins], sql` `)} where ${sql.join(conds, sql` and `)} order by ${sql.join(terms)} limit ${q.maxResults} offset ${q.offset}`.execute(this.db)
    ).rows;
    if (keys.length === 0) return [];
    const rows = await readVersions(
      this.db,
      this.versionsQuery().where((eb) => eb.or(keys.map((k) => eb.and([eb('v.model_id', '=', k.model_id), eb('v.version', '=', Number(k.version))])))),
    );
    const order = new Map(keys.map((k, i) => [`${k.model_id}/${Number(k.version)}`, i]));
    const idOf = new Map((await this.db.selectFrom('registered_models').select(['model_id', 'name']).where('model_id', 'in', [...new Set(keys.map((k) => k.model_id))]).execute()).map((m) => [m.name, m.model_id]));
    return rows.sort((a, b) => order.get(`${idOf.get(a.name)}/${a.version}`)! - order.get(`${idOf.get(b.name)}/${b.version}`)!);
  }

  async latestVersions(name: string, stages: Stage[]): Promise<ModelVersion[]> {
    const all = await readVersions(this.db, this.versionsQuery().where('m.name', '=', name).orderBy('v.version', 'desc'));
    const wanted = stages.length > 0 ? stages : (['None', 'Staging', 'Production', 'Archived'] as Stage[]);
    const latest = new Map<Stage, ModelVersion>();
    for (const v of all) if (wanted.includes(v.currentStage) && !latest.has(v.currentStage)) latest.set(v.currentStage, v);
    return [...latest.values()].sort((a, b) => Number(a.version) - Number(b.version));
  }

  async listApprovalRules(name: string): Promise<ApprovalRule[]> {
    const rows = await this.db.selectFrom('approval_rules as r').innerJoin('registered_models as m', 'm.model_id', 'r.model_id').selectAll('r').select('m.name').where('m.name', '=', name).orderBy('r.target').execute();
    return rows.map((r) => ({ modelName: r.name, target: r.target, requiredApprovals: r.required_approvals, allowSelfApproval: r.allow_self_approval === 1, createdBy: r.created_by, creationTime: r.creation_time }));
  }

  async listApprovalRequests(filter: { modelName?: string; status?: ApprovalStatus }): Promise<ApprovalRequest[]> {
    let q = this.db.selectFrom('approval_requests as a').innerJoin('registered_models as m', 'm.model_id', 'a.model_id').selectAll('a').select('m.name');
    if (filter.modelName) q = q.where('m.name', '=', filter.modelName);
    if (filter.status) q = q.where('a.status', '=', filter.status);
    return (await q.orderBy('a.creation_time', 'desc').limit(1000).execute()).map(toRequest);
  }

  async events(q: EventQuery): Promise<RegistryEvent[]> {
    let query = this.db.selectFrom('registry_events').selectAll();
    if (q.modelId !== undefined) query = query.where('model_id', '=', q.modelId);
    else if (q.modelName !== undefined) query = query.where('model_name', '=', q.modelName);
    if (q.types && q.types.length > 0) query = query.where('type', 'in', q.types);
    if (q.alias !== undefined) query = query.where('alias', '=', q.alias);
    if (q.afterSeq !== undefined) query = query.where('seq', '>', q.afterSeq);
    if (q.until !== undefined) query = query.where('time', '<=', q.until);
    const rows = await query.orderBy('seq', q.descending ? 'desc' : 'asc').limit(q.limit).execute();
    return rows.map((r) => toEvent({ ...r, seq: Number(r.seq) }));
  }
}
