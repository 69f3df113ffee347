import { z } from 'zod';
import type { KeyValue } from '../tracking/model.js';

/** Entities of the model registry: models, immutable versions, aliases, approvals, audit events. */

export const MODEL_VERSION_STATUSES = ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY'] as const;
export type ModelVersionStatus = (typeof MODEL_VERSION_STATUSES)[number];

/** MLflow's deprecated stages, kept for older clients; aliases are the way forward. */
export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type Stage = (typeof STAGES)[number];

export interface RegisteredModel {
  modelId: string;
  name: string;
  description: string;
  owner: string;
  projectId: string;
  creationTime: number;
  lastUpdatedTime: number;
  tags: KeyValue[];
  aliases: { alias: string; version: string }[];
}

export interface ModelVersion {
  name: string;
  version: string;
  source: string;
  runId: string | null;
  /** MLflow 3 logged model behind the version, when registered from one. */
  loggedModelId: string | null;
  status: ModelVersionStatus;
  statusMessage: string | null;
  description: string;
  userId: string;
  currentStage: Stage;
  creationTime: number;
  lastUpdatedTime: number;
  runLink: string | null;
  /** JSON of the MLmodel signature ({inputs, outputs, params}), when the package has one. */
  signature: string | null;
  tags: KeyValue[];
  aliases: string[];
  /** Metrics copied from the source run at registration, so the version keeps them if the run goes. */
  metrics: { key: string; value: number; step: number }[];
}

export const REGISTRY_EVENT_TYPES = [
  'model.created',
  'model.updated',
  'model.renamed',
  'model.deleted',
  'model.tag_set',
  'model.tag_deleted',
  'version.created',
  'version.updated',
  'version.ready',
  'version.deleted',
  'version.tag_set',
  'version.tag_deleted',
  'version.stage_transitioned',
  'alias.set',
  'alias.deleted',
  'approval.requested',
  'approval.approved',
  'approval.rejected',
  'approval_rule.set',
  'approval_rule.deleted',
  'monitor.alert',
] as const;
export type RegistryEventType = (typeof REGISTRY_EVENT_TYPES)[number];

/**
 * One append-only registry event: the audit history and the outbox that webhooks and automation
 * consume. `seq` orders events globally; per model it is also the commit order.
 */
export interface RegistryEvent {
  seq: number;
  type: RegistryEventType;
  modelId: string;
  modelName: string;
  version: string | null;
  alias: string | null;
  fromVersion: string | null;
  toVersion: string | null;
  actor: string;
  reason: string | null;
  time: number;
  payload: Record<string, unknown>;
}

export interface ApprovalRule {
  modelName: string;
  /** An alias name, or `stage:Production` style for stage transitions. */
  target: string;
  requiredApprovals: number;
  allowSelfApproval: boolean;
  createdBy: string;
  creationTime: number;
}

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'applied', 'cancelled'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export interface ApprovalRequest {
  requestId: string;
  modelName: string;
  target: string;
  version: string;
  requestedBy: string;
  reason: string | null;
  status: ApprovalStatus;
  approvals: { user: string; time: number; comment: string | null }[];
  decidedBy: string | null;
  decisionReason: string | null;
  creationTime: number;
  decidedTime: number | null;
}

// ---------- input schemas ----------

export const ModelName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(256)
  .regex(/^[^/\\:@%?#\0]+$/, 'may not contain / \\ : @ % ? # or NUL');
export const AliasName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z_][\w-]*$/, 'must start with a letter or underscore and contain only letters, digits, _ and -')
  .refine((a) => !/^v\d+$/i.test(a) && a.toLowerCase() !== 'latest', "'latest' and 'v<number>' are reserved");
export const VersionString = z.union([z.string().regex(/^\d+$/, 'must be a positive integer'), z.number().int().positive()]).transform(String);

export const CreateModelInput = z.object({
  name: ModelName,
  description: z.string().max(65535).nullish(),
  tags: z.array(z.object({ key: z.string().min(1).max(250), value: z.string().max(5000) })).default([]),
  owner: z.string().max(256).nullish(),
  projectId: z.string().max(200).nullish(),
});
export type CreateModelInput = z.infer<typeof CreateModelInput>;

export const CreateVersionInput = z.object({
  name: ModelName,
  source: z.string().min(1, 'must not be empty').max(2000),
  runId: z.string().max(64).nullish(),
  loggedModelId: z.string().max(64).nullish(),
  description: z.string().max(65535).nullish(),
  tags: z.array(z.object({ key: z.string().min(1).max(250), value: z.string().max(5000) })).default([]),
  userId: z.string().max(256).nullish(),
  runLink: z.string().max(2000).nullish(),
});
export type CreateVersionInput = z.infer<typeof CreateVersionInput>;
