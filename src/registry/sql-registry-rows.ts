import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { ApprovalRequestsTable, Database, ModelVersionsTable, RegisteredModelsTable, RegistryEventsTable } from '../storage/sql/schema.js';
import type { ApprovalRequest, ApprovalStatus, ModelVersion, ModelVersionStatus, RegisteredModel, RegistryEvent, RegistryEventType, Stage } from './model.js';

/** Row → entity mapping shared by the registry store and its transactions. */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any FROM clause that selects registered_models rows
type AnySelect<R> = SelectQueryBuilder<any, any, R>;

export async function readModels(db: Kysely<Database>, query: AnySelect<RegisteredModelsTable>): Promise<RegisteredModel[]> {
  const rows = await query.execute();
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.model_id);
  const [tags, aliases] = await Promise.all([
    db.selectFrom('registered_model_tags').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
    db.selectFrom('model_aliases').selectAll().where('model_id', 'in', ids).orderBy('alias').execute(),
  ]);
  return rows.map((r) => ({
    modelId: r.model_id,
    name: r.name,
    description: r.description,
    owner: r.owner,
    projectId: r.project_id,
    creationTime: r.creation_time,
    lastUpdatedTime: r.last_updated_time,
    tags: tags.filter((t) => t.model_id === r.model_id).map((t) => ({ key: t.key, value: t.value })),
    aliases: aliases.filter((a) => a.model_id === r.model_id).map((a) => ({ alias: a.alias, version: String(a.version) })),
  }));
}

export async function readVersions(db: Kysely<Database>, query: AnySelect<ModelVersionsTable & { name: string }>): Promise<ModelVersion[]> {
  const rows = await query.execute();
  if (rows.length === 0) return [];
  const ids = [...new Set(rows.map((r) => r.model_id))];
  const [tags, aliases, metrics] = await Promise.all([
    db.selectFrom('model_version_tags').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
    db.selectFrom('model_aliases').selectAll().where('model_id', 'in', ids).orderBy('alias').execute(),
    db.selectFrom('model_version_metrics').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
  ]);
  const same = (r: { model_id: string; version: number }) => (x: { model_id: string; version: number }) => x.model_id === r.model_id && Number(x.version) === Number(r.version);
  return rows.map((r) => ({
    name: r.name,
    version: String(r.version),
    source: r.source,
    runId: r.run_id,
    loggedModelId: r.logged_model_id,
    status: r.status as ModelVersionStatus,
    statusMessage: r.status_message,
    description: r.description,
    userId: r.user_id,
    currentStage: r.current_stage as Stage,
    creationTime: r.creation_time,
    lastUpdatedTime: r.last_updated_time,
    runLink: r.run_link,
    signature: r.signature,
    tags: tags.filter(same(r)).map((t) => ({ key: t.key, value: t.value })),
    aliases: aliases.filter(same(r)).map((a) => a.alias),
    metrics: metrics.filter(same(r)).map((m) => ({ key: m.key, value: m.value, step: m.step })),
  }));
}

export function toEvent(row: Omit<RegistryEventsTable, 'seq'> & { seq: number }): RegistryEvent {
  const v = (x: number | null) => (x === null ? null : String(x));
  return {
    seq: Number(row.seq),
    type: row.type as RegistryEventType,
    modelId: row.model_id,
    modelName: row.model_name,
    version: v(row.version),
    alias: row.alias,
    fromVersion: v(row.from_version),
    toVersion: v(row.to_version),
    actor: row.actor,
    reason: row.reason,
    time: row.time,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
  };
}

export function toRequest(row: ApprovalRequestsTable & { name: string }): ApprovalRequest {
  return {
    requestId: row.request_id,
    modelName: row.name,
    target: row.target,
    version: String(row.version),
    requestedBy: row.requested_by,
    reason: row.reason,
    status: row.status as ApprovalStatus,
    approvals: JSON.parse(row.approvals) as ApprovalRequest['approvals'],
    decidedBy: row.decided_by,
    decisionReason: row.decision_reason,
    creationTime: row.creation_time,
    decidedTime: row.decided_time,
  };
}
