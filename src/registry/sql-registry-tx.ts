import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../storage/sql/schema.js';
import type { KeyValue } from '../tracking/model.js';
import type { ApprovalRequest, ApprovalRule, ApprovalStatus, ModelVersion, ModelVersionStatus, RegisteredModel, RegistryEvent, Stage } from './model.js';
import type { NewRegistryEvent, RegistryTx } from './store.js';
import { readModels, readVersions, toEvent, toRequest } from './sql-registry-rows.js';

/** RegistryTx over one Kysely transaction. */
export class SqlRegistryTx implements RegistryTx {
  constructor(private readonly trx: Transaction<Database>) {}

  get sql(): Transaction<Database> {
    return this.trx;
  }

  private get db(): Kysely<Database> {
    return this.trx;
  }

  async lockModel(name: string): Promise<RegisteredModel | null> {
    // A no-op UPDATE takes PostgreSQL's row lock until commit; SQLite already serializes writers.
    await this.db.updateTable('registered_models').set((eb) => ({ last_updated_time: eb.ref('last_updated_time') })).where('name', '=', name).execute();
    return this.getModel(name);
  }

  async getModel(name: string): Promise<RegisteredModel | null> {
    const [m] = await readModels(this.db, this.db.selectFrom('registered_models').selectAll().where('name', '=', name));
    return m ?? null;
  }

  async insertModel(m: Omit<RegisteredModel, 'aliases'>): Promise<void> {
    await this.db
      .insertInto('registered_models')
      .values({ model_id: m.modelId, name: m.name, description: m.description, owner: m.owner, project_id: m.projectId, creation_time: m.creationTime, last_updated_time: m.lastUpdatedTime })
      .execute();
    if (m.tags.length > 0) await this.db.insertInto('registered_model_tags').values(m.tags.map((t) => ({ model_id: m.modelId, ...t }))).execute();
  }

  async updateModel(modelId: string, patch: { name?: string; description?: string; lastUpdatedTime: number }): Promise<void> {
    await this.db
      .updateTable('registered_models')
      .set({ last_updated_time: patch.lastUpdatedTime, ...(patch.name !== undefined ? { name: patch.name } : {}), ...(patch.description !== undefined ? { description: patch.description } : {}) })
      .where('model_id', '=', modelId)
      .execute();
  }

  async deleteModel(modelId: string): Promise<void> {
    for (const table of ['model_version_tags', 'model_version_metrics', 'model_aliases', 'approval_rules', 'registered_model_tags'] as const) {
      await this.db.deleteFrom(table).where('model_id', '=', modelId).execute();
    }
    await this.db.deleteFrom('model_versions').where('model_id', '=', modelId).execute();
    await this.db.deleteFrom('registered_models').where('model_id', '=', modelId).execute();
  }

  async setModelTag(modelId: string, tag: KeyValue): Promise<void> {
    await this.db
      .insertInto('registered_model_tags')
      .values({ model_id: modelId, ...tag })
      .onConflict((oc) => oc.columns(['model_id', 'key']).doUpdateSet({ value: tag.value }))
      .execute();
  }

  async deleteModelTag(modelId: string, key: string): Promise<void> {
    await this.db.deleteFrom('registered_model_tags').where('model_id', '=', modelId).where('key', '=', key).execute();
  }

  async nextVersion(modelId: string): Promise<number> {
    const row = await this.db.selectFrom('model_versions').select((eb) => eb.fn.max('version').as('v')).where('model_id', '=', modelId).executeTakeFirst();
    // Versions are never reused, even after a delete: the audit history names them.
    const fromEvents = await this.db.selectFrom('registry_events').select((eb) => eb.fn.max('version').as('v')).where('model_id', '=', modelId).executeTakeFirst();
    return Math.max(Number(row?.v ?? 0), Number(fromEvents?.v ?? 0)) + 1;
  }

  async insertVersion(modelId: string, v: Omit<ModelVersion, 'aliases' | 'name'>): Promise<void> {
    const version = Number(v.version);
    await this.db
      .insertInto('model_versions')
      .values({
        model_id: modelId,
        version,
        source: v.source,
        run_id: v.runId,
        logged_model_id: v.loggedModelId,
        status: v.status,
        status_message: v.statusMessage,
        description: v.description,
        user_id: v.userId,
        current_stage: v.currentStage,
        creation_time: v.creationTime,
        last_updated_time: v.lastUpdatedTime,
        run_link: v.runLink,
        signature: v.signature,
      })
      .execute();
    if (v.tags.length > 0) await this.db.insertInto('model_version_tags').values(v.tags.map((t) => ({ model_id: modelId, version, ...t }))).execute();
    if (v.metrics.length > 0) await this.db.insertInto('model_version_metrics').values(v.metrics.map((m) => ({ model_id: modelId, version, ...m }))).execute();
  }

  async getVersion(modelId: string, version: string): Promise<ModelVersion | null> {
    const [v] = await readVersions(this.db, this.db.selectFrom('model_versions as v').innerJoin('registered_models as m', 'm.model_id', 'v.model_id').selectAll('v').select('m.name').where('v.model_id', '=', modelId).where('v.version', '=', Number(version)));
    return v ?? null;
  }

  async updateVersion(modelId: string, version: string, patch: { description?: string; status?: ModelVersionStatus; statusMessage?: string | null; stage?: Stage; lastUpdatedTime: number }): Promise<void> {
    await this.db
      .updateTable('model_versions')
      .set({
        last_updated_time: patch.lastUpdatedTime,
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        ...(patch.statusMessage !== undefined ? { status_message: patch.statusMessage } : {}),
        ...(patch.stage !== undefined ? { current_stage: patch.stage } : {}),
      })
      .where('model_id', '=', modelId)
      .where('version', '=', Number(version))
      .execute();
  }

  async deleteVersion(modelId: string, version: string): Promise<void> {
    const v = Number(version);
    await this.db.deleteFrom('model_version_tags').where('model_id', '=', modelId).where('version', '=', v).execute();
    await this.db.deleteFrom('model_version_metrics').where('model_id', '=', modelId).where('version', '=', v).execute();
    await this.db.deleteFrom('model_versions').where('model_id', '=', modelId).where('version', '=', v).execute();
  }

  async setVersionTag(modelId: string, version: string, tag: KeyValue): Promise<void> {
    await this.db
      .insertInto('model_version_tags')
      .values({ model_id: modelId, version: Number(version), ...tag })
      .onConflict((oc) => oc.columns(['model_id', 'version', 'key']).doUpdateSet({ value: tag.value }))
      .execute();
  }

  async deleteVersionTag(modelId: string, version: string, key: string): Promise<void> {
    await this.db.deleteFrom('model_version_tags').where('model_id', '=', modelId).where('version', '=', Number(version)).where('key', '=', key).execute();
  }

  async versionsInStage(modelId: string, stage: Stage): Promise<string[]> {
    const rows = await this.db.selectFrom('model_versions').select('version').where('model_id', '=', modelId).where('current_stage', '=', stage).execute();
    return rows.map((r) => String(r.version));
  }

  async getAlias(modelId: string, alias: string): Promise<string | null> {
    const row = await this.db.selectFrom('model_aliases').select('version').where('model_id', '=', modelId).where('alias', '=', alias).executeTakeFirst();
    return row ? String(row.version) : null;
  }

  async setAlias(modelId: string, alias: string, version: string): Promise<void> {
    await this.db
      .insertInto('model_aliases')
      .values({ model_id: modelId, alias, version: Number(version) })
      .onConflict((oc) => oc.columns(['model_id', 'alias']).doUpdateSet({ version: Number(version) }))
      .execute();
  }

  async deleteAlias(modelId: string, alias: string): Promise<void> {
    await this.db.deleteFrom('model_aliases').where('model_id', '=', modelId).where('alias', '=', alias).execute();
  }

  async deleteAliasesOfVersion(modelId: string, version: string): Promise<string[]> {
    const rows = await this.db.selectFrom('model_aliases').select('alias').where('model_id', '=', modelId).where('version', '=', Number(version)).execute();
    await this.db.deleteFrom('model_aliases').where('model_id', '=', modelId).where('version', '=', Number(version)).execute();
    return rows.map((r) => r.alias);
  }

  async getApprovalRule(modelId: string, target: string): Promise<ApprovalRule | null> {
    const row = await this.db
      .selectFrom('approval_rules as r')
      .innerJoin('registered_models as m', 'm.model_id', 'r.model_id')
      .selectAll('r')
      .select('m.name')
      .where('r.model_id', '=', modelId)
      .where('r.target', '=', target)
      .executeTakeFirst();
    return row
      ? { modelName: row.name, target: row.target, requiredApprovals: row.required_approvals, allowSelfApproval: row.allow_self_approval === 1, createdBy: row.created_by, creationTime: row.creation_time }
      : null;
  }

  async setApprovalRule(modelId: string, rule: ApprovalRule): Promise<void> {
    const values = { required_approvals: rule.requiredApprovals, allow_self_approval: rule.allowSelfApproval ? 1 : 0, created_by: rule.createdBy, creation_time: rule.creationTime };
    await this.db
      .insertInto('approval_rules')
      .values({ model_id: modelId, target: rule.target, ...values })
      .onConflict((oc) => oc.columns(['model_id', 'target']).doUpdateSet(values))
      .execute();
  }

  async deleteApprovalRule(modelId: string, target: string): Promise<void> {
    await this.db.deleteFrom('approval_rules').where('model_id', '=', modelId).where('target', '=', target).execute();
  }

  async insertApprovalRequest(modelId: string, r: ApprovalRequest): Promise<void> {
    await this.db
      .insertInto('approval_requests')
      .values({
        request_id: r.requestId,
        model_id: modelId,
        target: r.target,
        version: Number(r.version),
        requested_by: r.requestedBy,
        reason: r.reason,
        status: r.status,
        approvals: JSON.stringify(r.approvals),
        decided_by: r.decidedBy,
        decision_reason: r.decisionReason,
        creation_time: r.creationTime,
        decided_time: r.decidedTime,
      })
      .execute();
  }

  async getApprovalRequest(requestId: string): Promise<(ApprovalRequest & { modelId: string }) | null> {
    const row = await this.db.selectFrom('approval_requests as a').innerJoin('registered_models as m', 'm.model_id', 'a.model_id').selectAll('a').select('m.name').where('a.request_id', '=', requestId).executeTakeFirst();
    return row ? { ...toRequest(row), modelId: row.model_id } : null;
  }

  async updateApprovalRequest(requestId: string, patch: { status: ApprovalStatus; approvals?: ApprovalRequest['approvals']; decidedBy?: string | null; decisionReason?: string | null; decidedTime?: number | null }): Promise<void> {
    await this.db
      .updateTable('approval_requests')
      .set({
        status: patch.status,
        ...(patch.approvals ? { approvals: JSON.stringify(patch.approvals) } : {}),
        ...(patch.decidedBy !== undefined ? { decided_by: patch.decidedBy } : {}),
        ...(patch.decisionReason !== undefined ? { decision_reason: patch.decisionReason } : {}),
        ...(patch.decidedTime !== undefined ? { decided_time: patch.decidedTime } : {}),
      })
      .where('request_id', '=', requestId)
      .execute();
  }

  async appendEvent(model: { modelId: string; name: string }, e: NewRegistryEvent, time: number): Promise<RegistryEvent> {
    const row = await this.db
      .insertInto('registry_events')
      .values({
        type: e.type,
        model_id: model.modelId,
        model_name: model.name,
        version: e.version != null ? Number(e.version) : null,
        alias: e.alias ?? null,
        from_version: e.fromVersion != null ? Number(e.fromVersion) : null,
        to_version: e.toVersion != null ? Number(e.toVersion) : null,
        actor: e.actor,
        reason: e.reason ?? null,
        time,
        payload: JSON.stringify(e.payload ?? {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    // Fan the event out to every matching webhook in the same transaction: the outbox cannot miss it.
    const hooks = await this.db.selectFrom('webhooks').select(['webhook_id', 'events', 'model_name']).where('active', '=', 1).execute();
    const matching = hooks.filter((h) => (h.model_name === null || h.model_name === model.name) && matchesEvent(JSON.parse(h.events) as string[], e.type));
    if (matching.length > 0) {
      await this.db
        .insertInto('webhook_deliveries')
        .values(matching.map((h) => ({ webhook_id: h.webhook_id, seq: Number(row.seq), model_id: model.modelId, status: 'pending', attempts: 0, next_attempt_time: time, lease_until: null, last_error: null, last_status_code: null, delivered_time: null })))
        .execute();
    }
    return toEvent(row);
  }
}

export function matchesEvent(patterns: string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}
