import type { KeyValue } from '../tracking/model.js';

/**
 * Wire types of the native registry API (`/api/v1/models…`, `/api/v1/approvals…`). The SDK may not
 * import `registry/` (eslint.config.js), so they are declared here; `registry-types.test.ts` fails
 * to compile when they drift from `registry/model.ts`, `registry/lineage/model.ts` and the package
 * service.
 */

/** MLflow's deprecated stages, kept for older clients; aliases are the way forward. */
export type Stage = 'None' | 'Staging' | 'Production' | 'Archived';

export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';

/** A registered model: a name that versions are registered under, with its aliases. */
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

/** An immutable version of a registered model and where its package is. */
export interface ModelVersion {
  name: string;
  version: string;
  source: string;
  runId: string | null;
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
  /** Metrics copied from the source run at registration. */
  metrics: { key: string; value: number; step: number }[];
}

export type RegistryEventType =
  | 'model.created'
  | 'model.updated'
  | 'model.renamed'
  | 'model.deleted'
  | 'model.tag_set'
  | 'model.tag_deleted'
  | 'version.created'
  | 'version.updated'
  | 'version.ready'
  | 'version.deleted'
  | 'version.tag_set'
  | 'version.tag_deleted'
  | 'version.stage_transitioned'
  | 'alias.set'
  | 'alias.deleted'
  | 'approval.requested'
  | 'approval.approved'
  | 'approval.rejected'
  | 'approval_rule.set'
  | 'approval_rule.deleted';

/** One entry of a model's append-only audit history: who did what, when and why. */
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

/** What `models.aliasAt` answers: the version (null: none) and the event that put it there. */
export interface AliasAtTime {
  version: string | null;
  event: RegistryEvent | null;
}

/** An approval gate on an alias or on `stage:<Stage>`. */
export interface ApprovalRule {
  modelName: string;
  /** An alias name, or `stage:Production` style for stage transitions. */
  target: string;
  requiredApprovals: number;
  allowSelfApproval: boolean;
  createdBy: string;
  creationTime: number;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'applied' | 'cancelled';

/** A request to move a gated alias or stage to a version; applied once enough users approve. */
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

export type LineageNodeKind = 'model_version' | 'run' | 'dataset' | 'code' | 'logged_model' | 'parent_run' | 'deployment';

/** Read `from —relation→ to`: a version was `produced_by` a run, a run `consumed` a dataset, … */
export type LineageRelation = 'produced_by' | 'registered_from' | 'logged_by' | 'consumed' | 'executed' | 'child_of' | 'serves';

/** One entity of a lineage graph; `id` is stable across calls. */
export interface LineageNode {
  id: string;
  kind: LineageNodeKind;
  label: string;
  data: Record<string, unknown>;
}

export interface LineageEdge {
  from: string;
  to: string;
  relation: LineageRelation;
}

/** What produced a version (backward from `root`) and what serves it (`deployments`). */
export interface LineageGraph {
  root: string;
  nodes: LineageNode[];
  edges: LineageEdge[];
  deployments: LineageNode[];
  note: string;
}

/** A version's model package as the server reads it: manifest, flavors, runtime, files. */
export interface VersionPackage {
  name: string;
  version: string;
  source: string;
  /** Artifact-store path of the package root. */
  root: string;
  /** The parsed `MLmodel` file. */
  manifest: Record<string, unknown>;
  flavors: string[];
  runtime: 'onnx' | 'js' | 'python' | null;
  signature: { inputs: unknown[] | null; outputs: unknown[] | null; params: unknown[] | null } | null;
  requirements: string[];
  files: { path: string; size: number }[];
  /** Files the flavors name that the package does not hold. */
  problems: string[];
}
