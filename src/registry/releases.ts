import { z } from 'zod';
import { AscentError, invalid, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { parseInput } from '../core/validate.js';
import { STAGES, VersionString, type ApprovalRequest, type ApprovalRule, type ModelVersion, type RegisteredModel, type Stage } from './model.js';
import { normalizeStage, stageTarget, type Actor, type RegistryService } from './service.js';
import type { RegistryTx } from './store.js';

/**
 * Moving a model toward production: aliases, MLflow stages, and the approval gates on both.
 * A gated move happens only through an approved request; every step is an audit event.
 */
export class ReleaseService {
  constructor(private readonly registry: RegistryService) {}

  // ---------------- aliases ----------------

  async setAlias(name: string, alias: string, version: string, actor: Actor): Promise<ModelVersion> {
    const a = this.registry.parseAlias(alias);
    const v = parseInput(VersionString, version, 'version');
    await this.registry.writeVersion(name, v, actor, async (tx, model) => {
      await this.refuseIfGated(tx, model, a, v, actor);
      await this.moveAlias(tx, model, a, v, actor);
    });
    return this.registry.getVersion(name, v);
  }

  async deleteAlias(name: string, alias: string, actor: Actor): Promise<void> {
    await this.registry.write(name, actor, async (tx, model) => {
      const current = await tx.getAlias(model.modelId, alias);
      if (current === null) throw notFound(`Registered model alias ${alias} not found.`);
      await this.refuseIfGated(tx, model, alias, null, actor);
      await tx.deleteAlias(model.modelId, alias);
      await this.registry.event(tx, model, actor, { type: 'alias.deleted', alias, fromVersion: current, toVersion: null });
    });
  }

  private async moveAlias(tx: RegistryTx, model: RegisteredModel, alias: string, version: string, actor: Actor, payload: Record<string, unknown> = {}): Promise<void> {
    const from = await tx.getAlias(model.modelId, alias);
    await tx.setAlias(model.modelId, alias, version);
    await this.registry.event(tx, model, actor, { type: 'alias.set', alias, version, fromVersion: from, toVersion: version, payload });
  }

  // ---------------- stages (deprecated in MLflow, still used by older clients) ----------------

  async transitionStage(name: string, version: string, stage: string, archiveExisting: boolean, actor: Actor): Promise<ModelVersion> {
    const target = parseInput(z.enum(STAGES), normalizeStage(stage), 'stage');
    await this.registry.writeVersion(name, version, actor, async (tx, model, v) => {
      await this.refuseIfGated(tx, model, stageTarget(target), v.version, actor);
      await this.applyStage(tx, model, v, target, archiveExisting, actor);
    });
    return this.registry.getVersion(name, version);
  }

  private async applyStage(tx: RegistryTx, model: RegisteredModel, v: ModelVersion, stage: Stage, archiveExisting: boolean, actor: Actor, payload: Record<string, unknown> = {}): Promise<void> {
    const now = this.registry.clock.now();
    if (archiveExisting && (stage === 'Staging' || stage === 'Production')) {
      for (const other of await tx.versionsInStage(model.modelId, stage)) {
        if (other === v.version) continue;
        await tx.updateVersion(model.modelId, other, { stage: 'Archived', lastUpdatedTime: now });
        await this.registry.event(tx, model, actor, { type: 'version.stage_transitioned', version: other, payload: { from: stage, to: 'Archived', archivedBy: v.version } });
      }
    }
    await tx.updateVersion(model.modelId, v.version, { stage, lastUpdatedTime: now });
    await this.registry.event(tx, model, actor, { type: 'version.stage_transitioned', version: v.version, payload: { from: v.currentStage, to: stage, ...payload } });
  }

  // ---------------- approval rules and requests ----------------

  async setApprovalRule(name: string, input: { target: string; requiredApprovals?: number; allowSelfApproval?: boolean }, actor: Actor): Promise<ApprovalRule> {
    const parsed = parseInput(
      z.object({ target: z.string().min(1).max(255), requiredApprovals: z.number().int().min(1).max(10).default(1), allowSelfApproval: z.boolean().default(false) }),
      input,
      'approval rule',
    );
    const target = parsed.target.startsWith('stage:') ? stageTarget(parseInput(z.enum(STAGES), normalizeStage(parsed.target.slice(6)), 'target')) : this.registry.parseAlias(parsed.target);
    const rule: ApprovalRule = { modelName: name, target, requiredApprovals: parsed.requiredApprovals, allowSelfApproval: parsed.allowSelfApproval, createdBy: actor.user, creationTime: this.registry.clock.now() };
    await this.registry.write(name, actor, async (tx, model) => {
      await tx.setApprovalRule(model.modelId, rule);
      await this.registry.event(tx, model, actor, { type: 'approval_rule.set', alias: target, payload: { requiredApprovals: rule.requiredApprovals, allowSelfApproval: rule.allowSelfApproval } });
    });
    return rule;
  }

  async deleteApprovalRule(name: string, target: string, actor: Actor): Promise<void> {
    await this.registry.write(name, actor, async (tx, model) => {
      if (!(await tx.getApprovalRule(model.modelId, target))) throw notFound(`No approval rule for '${target}' on model '${name}'`);
      await tx.deleteApprovalRule(model.modelId, target);
      await this.registry.event(tx, model, actor, { type: 'approval_rule.deleted', alias: target });
    });
  }

  listApprovalRules(name: string): Promise<ApprovalRule[]> {
    return this.registry.store.listApprovalRules(name);
  }

  listApprovalRequests(filter: { modelName?: string; status?: ApprovalRequest['status'] }): Promise<ApprovalRequest[]> {
    return this.registry.store.listApprovalRequests(filter);
  }

  /** Ask to move a gated alias (or stage) to a version; applied automatically once approved. */
  async requestApproval(name: string, input: { target: string; version: string }, actor: Actor): Promise<ApprovalRequest> {
    const version = parseInput(VersionString, input.version, 'version');
    const target = input.target.startsWith('stage:') ? stageTarget(parseInput(z.enum(STAGES), normalizeStage(input.target.slice(6)), 'target')) : this.registry.parseAlias(input.target);
    const request: ApprovalRequest = {
      requestId: newId('apr'),
      modelName: name,
      target,
      version,
      requestedBy: actor.user,
      reason: actor.reason ?? null,
      status: 'pending',
      approvals: [],
      decidedBy: null,
      decisionReason: null,
      creationTime: this.registry.clock.now(),
      decidedTime: null,
    };
    await this.registry.writeVersion(name, version, actor, async (tx, model) => {
      if (!(await tx.getApprovalRule(model.modelId, target))) throw invalid(`'${target}' on model '${name}' needs no approval; move it directly`, 'target');
      await tx.insertApprovalRequest(model.modelId, request);
      await this.registry.event(tx, model, actor, { type: 'approval.requested', alias: target, version, payload: { requestId: request.requestId } });
    });
    return request;
  }

  async approve(requestId: string, actor: Actor): Promise<ApprovalRequest> {
    return this.decide(requestId, actor, 'approve');
  }

  async reject(requestId: string, actor: Actor): Promise<ApprovalRequest> {
    return this.decide(requestId, actor, 'reject');
  }

  private async decide(requestId: string, actor: Actor, decision: 'approve' | 'reject'): Promise<ApprovalRequest> {
    const found = await this.registry.store.transaction((tx) => tx.getApprovalRequest(requestId));
    if (!found) throw notFound(`Approval request '${requestId}' not found`);
    await this.registry.writeVersion(found.modelName, found.version, actor, async (tx, model, v) => {
      const request = await tx.getApprovalRequest(requestId);
      if (!request || request.status !== 'pending') throw new AscentError('INVALID_STATE', `Approval request '${requestId}' is ${request?.status ?? 'gone'}, not pending`);
      const rule = await tx.getApprovalRule(model.modelId, request.target);
      const now = this.registry.clock.now();
      if (decision === 'reject') {
        await tx.updateApprovalRequest(requestId, { status: 'rejected', decidedBy: actor.user, decisionReason: actor.reason ?? null, decidedTime: now });
        await this.registry.event(tx, model, actor, { type: 'approval.rejected', alias: request.target, version: request.version, payload: { requestId } });
        return;
      }
      if (rule && !rule.allowSelfApproval && actor.user === request.requestedBy) {
        throw new AscentError('PERMISSION_DENIED', `'${actor.user}' requested this change and cannot approve it; another user must approve`);
      }
      if (request.approvals.some((a) => a.user === actor.user)) throw new AscentError('INVALID_STATE', `'${actor.user}' has already approved request '${requestId}'`);
      const approvals = [...request.approvals, { user: actor.user, time: now, comment: actor.reason ?? null }];
      const enough = approvals.length >= (rule?.requiredApprovals ?? 1);
      await tx.updateApprovalRequest(requestId, { status: enough ? 'applied' : 'pending', approvals, ...(enough ? { decidedBy: actor.user, decisionReason: actor.reason ?? null, decidedTime: now } : {}) });
      await this.registry.event(tx, model, actor, { type: 'approval.approved', alias: request.target, version: request.version, payload: { requestId, approvals: approvals.length, required: rule?.requiredApprovals ?? 1 } });
      if (!enough) return;
      // Applied in the approver's transaction, on behalf of the requester, with both recorded.
      const onBehalf: Actor = { user: request.requestedBy, reason: request.reason };
      const payload = { requestId, approvedBy: approvals.map((a) => a.user) };
      if (request.target.startsWith('stage:')) await this.applyStage(tx, model, v, request.target.slice(6) as Stage, true, onBehalf, payload);
      else await this.moveAlias(tx, model, request.target, request.version, onBehalf, payload);
    });
    const after = await this.registry.store.transaction((tx) => tx.getApprovalRequest(requestId));
    const { modelId: _modelId, ...request } = after!;
    return request;
  }

  private async refuseIfGated(tx: RegistryTx, model: RegisteredModel, target: string, version: string | null, actor: Actor): Promise<void> {
    const rule = await tx.getApprovalRule(model.modelId, target);
    if (!rule) return;
    if (version === null) {
      throw new AscentError(
        'PERMISSION_DENIED',
        `'${target}' of model '${model.name}' is approval-gated and cannot be deleted; an owner must first remove its approval rule (DELETE /api/v1/models/${encodeURIComponent(model.name)}/approval-rules/${encodeURIComponent(target)}).`,
      );
    }
    throw new AscentError(
      'PERMISSION_DENIED',
      `Moving '${target}' of model '${model.name}'${version ? ` to version ${version}` : ''} requires approval (${rule.requiredApprovals} approver${rule.requiredApprovals > 1 ? 's' : ''}` +
        `${rule.allowSelfApproval ? '' : ' other than the requester'}). Request it with POST /api/v1/models/${encodeURIComponent(model.name)}/approvals or \`ascent models request ${model.name} ${target} ${version ?? '<version>'} --reason '…'\`; attempted by ${actor.user}.`,
    );
  }
}
