import type { Generated } from 'kysely';

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

export interface Database {
  projects: ProjectsTable;
  experiments: ExperimentsTable;
  experiment_tags: ExperimentTagsTable;
  runs: RunsTable;
  params: ParamsTable;
  tags: TagsTable;
  metrics: MetricsTable;
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
}
