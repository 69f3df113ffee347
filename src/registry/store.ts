import type { Transaction } from 'kysely';
import type { Database } from '../storage/sql/schema.js';
import type { KeyValue } from '../tracking/model.js';
import type { FilterClause, OrderByClause } from '../tracking/search-filter.js';
import type { ApprovalRequest, ApprovalRule, ApprovalStatus, ModelVersion, ModelVersionStatus, RegisteredModel, RegistryEvent, RegistryEventType, Stage } from './model.js';

/** What an event write records; `seq` and `time` are assigned by the store. */
export interface NewRegistryEvent {
  type: RegistryEventType;
  version?: string | null;
  alias?: string | null;
  fromVersion?: string | null;
  toVersion?: string | null;
  actor: string;
  reason?: string | null;
  payload?: Record<string, unknown>;
}

/**
 * A unit of registry work: every mutation runs inside one, and every mutation records its event in
 * the same transaction, so the audit history and the outbox never disagree with the state.
 */
export interface RegistryTx {
  /** The SQL transaction underneath, so another domain's row commits with the event (monitoring's alert). */
  readonly sql: Transaction<Database>;
  /** Lock the model row for the rest of the transaction (serializes version numbers and alias moves). */
  lockModel(name: string): Promise<RegisteredModel | null>;
  getModel(name: string): Promise<RegisteredModel | null>;
  insertModel(model: Omit<RegisteredModel, 'aliases'>): Promise<void>;
  updateModel(modelId: string, patch: { name?: string; description?: string; lastUpdatedTime: number }): Promise<void>;
  deleteModel(modelId: string): Promise<void>;
  setModelTag(modelId: string, tag: KeyValue): Promise<void>;
  deleteModelTag(modelId: string, key: string): Promise<void>;

  nextVersion(modelId: string): Promise<number>;
  insertVersion(modelId: string, version: Omit<ModelVersion, 'aliases' | 'name'>): Promise<void>;
  getVersion(modelId: string, version: string): Promise<ModelVersion | null>;
  updateVersion(modelId: string, version: string, patch: { description?: string; status?: ModelVersionStatus; statusMessage?: string | null; stage?: Stage; lastUpdatedTime: number }): Promise<void>;
  deleteVersion(modelId: string, version: string): Promise<void>;
  setVersionTag(modelId: string, version: string, tag: KeyValue): Promise<void>;
  deleteVersionTag(modelId: string, version: string, key: string): Promise<void>;
  versionsInStage(modelId: string, stage: Stage): Promise<string[]>;

  getAlias(modelId: string, alias: string): Promise<string | null>;
  setAlias(modelId: string, alias: string, version: string): Promise<void>;
  deleteAlias(modelId: string, alias: string): Promise<void>;
  deleteAliasesOfVersion(modelId: string, version: string): Promise<string[]>;

  getApprovalRule(modelId: string, target: string): Promise<ApprovalRule | null>;
  setApprovalRule(modelId: string, rule: ApprovalRule): Promise<void>;
  deleteApprovalRule(modelId: string, target: string): Promise<void>;
  insertApprovalRequest(modelId: string, request: ApprovalRequest): Promise<void>;
  getApprovalRequest(requestId: string): Promise<(ApprovalRequest & { modelId: string }) | null>;
  updateApprovalRequest(requestId: string, patch: { status: ApprovalStatus; approvals?: ApprovalRequest['approvals']; decidedBy?: string | null; decisionReason?: string | null; decidedTime?: number | null }): Promise<void>;

  appendEvent(model: { modelId: string; name: string }, event: NewRegistryEvent, time: number): Promise<RegistryEvent>;
}

export interface SearchModelsQuery {
  filter: FilterClause[];
  orderBy: OrderByClause[];
  maxResults: number;
  offset: number;
}

export interface SearchVersionsQuery extends SearchModelsQuery {
  /** Only versions of this model (by name), when given. */
  modelName?: string;
}

export interface EventQuery {
  /** Events of one model across renames (preferred over `modelName`, which a re-created model reuses). */
  modelId?: string;
  /** Events recorded under this name (used for models that no longer exist). */
  modelName?: string;
  types?: RegistryEventType[];
  alias?: string;
  /** Events strictly after this sequence number. */
  afterSeq?: number;
  /** Events at or before this time. */
  until?: number;
  limit: number;
  descending?: boolean;
}

/** The registry's persistence port. */
export interface RegistryStore {
  transaction<T>(fn: (tx: RegistryTx) => Promise<T>): Promise<T>;
  getModel(name: string): Promise<RegisteredModel | null>;
  getModelById(modelId: string): Promise<RegisteredModel | null>;
  searchModels(query: SearchModelsQuery): Promise<RegisteredModel[]>;
  getVersion(name: string, version: string): Promise<ModelVersion | null>;
  searchVersions(query: SearchVersionsQuery): Promise<ModelVersion[]>;
  /** Versions with their `latest` per stage (MLflow's get-latest-versions). */
  latestVersions(name: string, stages: Stage[]): Promise<ModelVersion[]>;
  listApprovalRules(name: string): Promise<ApprovalRule[]>;
  listApprovalRequests(filter: { modelName?: string; status?: ApprovalStatus }): Promise<ApprovalRequest[]>;
  events(query: EventQuery): Promise<RegistryEvent[]>;
}
