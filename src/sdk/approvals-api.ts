import { reasonFields, type ChangeOptions } from './acting-user.js';
import type { HttpTransport } from './http-transport.js';
import { seg } from './key-values.js';
import type { ApprovalRequest, ApprovalRule, ApprovalStatus } from './registry-types.js';

/** Options of `approvals.setRule`. */
export interface ApprovalRuleOptions extends ChangeOptions {
  /** Distinct approvers needed, 1-10 (default 1). */
  requiredApprovals?: number;
  /** Whether the requester may approve their own request (default false). */
  allowSelfApproval?: boolean;
}

/** Body of `approvals.request`. */
export interface ApprovalRequestParams {
  /** The gated alias, or `stage:Production` style for a stage transition. */
  target: string;
  version: string | number;
  /** Why the move is wanted; shown to approvers and kept in the history. */
  reason?: string;
}

/** Filter of `approvals.list`. */
export interface ListApprovalsParams {
  /** Only requests on this model. */
  model?: string;
  status?: ApprovalStatus;
}

/**
 * ApprovalsApi groups the native API's approval routes (`client.approvals`): rules that gate an
 * alias or stage, requests to move one, and the decisions of other users. An approved request is
 * applied by the server on the requester's behalf.
 */
export class ApprovalsApi {
  constructor(private readonly http: HttpTransport) {}

  /** A model's approval rules. */
  async rules(name: string): Promise<ApprovalRule[]> {
    return (await this.http.json<{ items: ApprovalRule[] }>({ method: 'GET', path: `/models/${seg(name)}/approval-rules` })).items;
  }

  /** The rule gating one alias or `stage:<Stage>`; NOT_FOUND when it is not gated. */
  rule(name: string, target: string): Promise<ApprovalRule> {
    return this.http.json({ method: 'GET', path: rulePath(name, target) });
  }

  /** Gate an alias or `stage:<Stage>`: from now on it moves only through an approved request. */
  setRule(name: string, target: string, options: ApprovalRuleOptions = {}): Promise<ApprovalRule> {
    const why = reasonFields(options, true);
    const { requiredApprovals, allowSelfApproval } = options;
    return this.http.json({
      method: 'PUT',
      path: rulePath(name, target),
      headers: why.headers,
      json: { ...(requiredApprovals !== undefined ? { requiredApprovals } : {}), ...(allowSelfApproval !== undefined ? { allowSelfApproval } : {}), ...why.body },
    });
  }

  async deleteRule(name: string, target: string, options: ChangeOptions = {}): Promise<void> {
    await this.http.json({ method: 'DELETE', path: rulePath(name, target), headers: reasonFields(options, false).headers });
  }

  /** Ask to move a gated alias or stage to a version; INVALID_ARGUMENT when the target is not gated. */
  request(name: string, params: ApprovalRequestParams): Promise<ApprovalRequest> {
    const why = reasonFields(params, true);
    return this.http.json({
      method: 'POST',
      path: `/models/${seg(name)}/approvals`,
      headers: why.headers,
      json: { target: params.target, version: String(params.version), ...why.body },
    });
  }

  /** Approval requests, newest first, optionally of one model and in one status. */
  async list(params: ListApprovalsParams = {}): Promise<ApprovalRequest[]> {
    return (await this.http.json<{ items: ApprovalRequest[] }>({ method: 'GET', path: '/approvals', query: { model: params.model, status: params.status } })).items;
  }

  /**
   * Approve a request as the client's user. Once enough users agree its status is `applied` and the
   * alias or stage has moved. PERMISSION_DENIED when the requester approves their own request and
   * the rule does not allow it.
   */
  approve(requestId: string, options: { comment?: string } = {}): Promise<ApprovalRequest> {
    return this.decide(requestId, 'approve', options.comment);
  }

  reject(requestId: string, options: { comment?: string } = {}): Promise<ApprovalRequest> {
    return this.decide(requestId, 'reject', options.comment);
  }

  private decide(requestId: string, decision: 'approve' | 'reject', comment: string | undefined): Promise<ApprovalRequest> {
    return this.http.json({ method: 'POST', path: `/approvals/${seg(requestId)}/${decision}`, json: comment !== undefined ? { comment } : {} });
  }
}

const rulePath = (name: string, target: string): string => `/models/${seg(name)}/approval-rules/${seg(target)}`;
