import type { Generated } from 'kysely';
import type { ServingTables } from './schema-serving.js';
import type { PipelineTriggerTables } from './schema-pipeline-triggers.js';
import type { PipelineTables } from './schema-pipelines.js';
import type { MonitoringTables } from './schema-monitoring.js';

/**
 * Table shapes of Ascent's metadata database, shared by the SQLite and PostgreSQL dialects.
 * Times are epoch milliseconds (int64); JSON documents are stored as text.
 */
export interface ProjectsTable {
  project_id: string;
  name: string;
  description: string | null;
  creation_time: number;
}

export interface ExperimentsTable {
  experiment_id: Generated<number>;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
  project_id: string;
}

export interface ExperimentTagsTable {
  experiment_id: number;
  key: string;
  value: string;
}

export interface RunsTable {
  run_id: string;
  experiment_id: number;
  name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  lifecycle_stage: string;
  deleted_time: number | null;
  artifact_uri: string;
  parent_run_id: string | null;
  /** Latest params, tags and metrics as canonical JSON (see tracking/sql-run-data.ts); NULL until first written. */
  data_json: string | null;
}

export interface ParamsTable {
  run_id: string;
  key: string;
  value: string;
}

export interface TagsTable {
  run_id: string;
  key: string;
  value: string;
}

/** Every logged metric point; its primary key doubles as the covering index for history reads. */
export interface MetricsTable {
  run_id: string;
  key: string;
  step: number;
  timestamp: number;
  /** 0 when `is_nan` is 1: SQLite cannot store NaN. */
  value: number;
  is_nan: number;
  model_id: string | null;
  dataset_name: string | null;
  dataset_digest: string | null;
}

/** Points one request logged for one key, as one blob (tracking/metric-chunk-codec.ts). */
export interface MetricChunksTable {
  run_id: string;
  key: string;
  /** Hash of `points`: a retried identical write is a no-op. */
  digest: string;
  min_step: number;
  max_step: number;
  count: number;
  points: Buffer;
}

export interface LatestMetricsTable {
  run_id: string;
  key: string;
  step: number;
  timestamp: number;
  value: number;
  is_nan: number;
}

/**
 * Pre-aggregated metric buckets at several widths (levels), kept current at ingest, so a
 * million-point history is downsampled by reading O(buckets) rows.
 */
export interface MetricBucketsTable {
  run_id: string;
  key: string;
  level: number;
  bucket: number;
  count: number;
  min_value: number | null;
  max_value: number | null;
  last_step: number;
  last_timestamp: number;
  last_value: number | null;
}

export interface DatasetsTable {
  dataset_id: string;
  experiment_id: number;
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string | null;
  profile: string | null;
  creation_time: number;
}

export interface RunInputsTable {
  run_id: string;
  dataset_id: string;
  /** JSON array of {key, value}, e.g. mlflow.data.context = training. */
  tags: string;
  /** Value of the `mlflow.data.context` input tag (training, validation…), for filtering. */
  context: string | null;
}

export interface RunModelInputsTable {
  run_id: string;
  model_id: string;
}

export interface RunOutputsTable {
  run_id: string;
  model_id: string;
  step: number;
}

export interface LoggedModelsTable {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  creation_time: number;
  last_updated_time: number;
  source_run_id: string | null;
  status: string;
  status_message: string | null;
  model_type: string | null;
  lifecycle_stage: string;
}

export interface LoggedModelParamsTable {
  model_id: string;
  key: string;
  value: string;
}

export interface LoggedModelTagsTable {
  model_id: string;
  key: string;
  value: string;
}

export interface LoggedModelMetricsTable {
  model_id: string;
  key: string;
  value: number;
  is_nan: number;
  step: number;
  timestamp: number;
  run_id: string | null;
  dataset_name: string | null;
  dataset_digest: string | null;
}

export interface RegisteredModelsTable {
  model_id: string;
  name: string;
  description: string;
  owner: string;
  project_id: string;
  creation_time: number;
  last_updated_time: number;
}

export interface RegisteredModelTagsTable {
  model_id: string;
  key: string;
  value: string;
}

export interface ModelVersionsTable {
  model_id: string;
  version: number;
  source: string;
  run_id: string | null;
  logged_model_id: string | null;
  status: string;
  status_message: string | null;
  description: string;
  user_id: string;
  current_stage: string;
  creation_time: number;
  last_updated_time: number;
  run_link: string | null;
  signature: string | null;
}

export interface ModelVersionTagsTable {
  model_id: string;
  version: number;
  key: string;
  value: string;
}

export interface ModelVersionMetricsTable {
  model_id: string;
  version: number;
  key: string;
  value: number;
  step: number;
}

export interface ModelAliasesTable {
  model_id: string;
  alias: string;
  version: number;
}

export interface ApprovalRulesTable {
  model_id: string;
  target: string;
  required_approvals: number;
  allow_self_approval: number;
  created_by: string;
  creation_time: number;
}

export interface ApprovalRequestsTable {
  request_id: string;
  model_id: string;
  target: string;
  version: number;
  requested_by: string;
  reason: string | null;
  status: string;
  /** JSON array of {user, time, comment}. */
  approvals: string;
  decided_by: string | null;
  decision_reason: string | null;
  creation_time: number;
  decided_time: number | null;
}

/** Append-only: the registry's audit history and its event outbox. */
export interface RegistryEventsTable {
  seq: Generated<number>;
  type: string;
  model_id: string;
  model_name: string;
  version: number | null;
  alias: string | null;
  from_version: number | null;
  to_version: number | null;
  actor: string;
  reason: string | null;
  time: number;
  payload: string;
}

export interface WebhooksTable {
  webhook_id: string;
  name: string;
  url: string;
  secret: string;
  /** JSON array of event types, or ["*"]. */
  events: string;
  model_name: string | null;
  allow_private: number;
  active: number;
  creation_time: number;
  last_updated_time: number;
}

/** One row per (webhook, event), written with the event; the dispatcher drains them in seq order per model. */
export interface WebhookDeliveriesTable {
  webhook_id: string;
  seq: number;
  model_id: string;
  status: string;
  attempts: number;
  next_attempt_time: number;
  lease_until: number | null;
  last_error: string | null;
  last_status_code: number | null;
  delivered_time: number | null;
}

export interface Database extends ServingTables, PipelineTriggerTables, PipelineTables, MonitoringTables {
  projects: ProjectsTable;
  experiments: ExperimentsTable;
  experiment_tags: ExperimentTagsTable;
  runs: RunsTable;
  params: ParamsTable;
  tags: TagsTable;
  metrics: MetricsTable;
  metric_chunks: MetricChunksTable;
  latest_metrics: LatestMetricsTable;
  metric_buckets: MetricBucketsTable;
  datasets: DatasetsTable;
  run_inputs: RunInputsTable;
  run_model_inputs: RunModelInputsTable;
  run_outputs: RunOutputsTable;
  logged_models: LoggedModelsTable;
  logged_model_params: LoggedModelParamsTable;
  logged_model_tags: LoggedModelTagsTable;
  logged_model_metrics: LoggedModelMetricsTable;
  registered_models: RegisteredModelsTable;
  registered_model_tags: RegisteredModelTagsTable;
  model_versions: ModelVersionsTable;
  model_version_tags: ModelVersionTagsTable;
  model_version_metrics: ModelVersionMetricsTable;
  model_aliases: ModelAliasesTable;
  approval_rules: ApprovalRulesTable;
  approval_requests: ApprovalRequestsTable;
  registry_events: RegistryEventsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
