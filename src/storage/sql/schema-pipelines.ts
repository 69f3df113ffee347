/**
 * Tables of pipeline definitions (named, versioned by digest), runs, expanded step runs, their
 * log lines and the step cache. JSON documents are text; times are epoch milliseconds.
 */

/** One named pipeline; its definitions are the rows of `pipeline_versions`. */
export interface PipelinesTable {
  pipeline_id: string;
  name: string;
  description: string;
  latest_version: number;
  created_time: number;
  updated_time: number;
}

/** One definition of a pipeline; a re-registered identical definition reuses its version. */
export interface PipelineVersionsTable {
  pipeline_id: string;
  version: number;
  digest: string;
  spec: string;
  source: string;
  base_dir: string;
  created_time: number;
}

/** One execution of a pipeline version. */
export interface PipelineRunsTable {
  run_id: string;
  pipeline_id: string;
  version: number;
  status: string;
  params: string;
  trigger_kind: string;
  trigger_detail: string;
  tracking_run_id: string | null;
  experiment_id: string | null;
  concurrency: number;
  error: string | null;
  created_time: number;
  started_time: number | null;
  finished_time: number | null;
}

/** One expanded step (a foreach item is its own row) of a run. */
export interface PipelineStepRunsTable {
  step_run_id: string;
  run_id: string;
  step_name: string;
  base_step: string;
  item_index: number | null;
  status: string;
  attempts: number;
  tracking_run_id: string | null;
  cache_key: string | null;
  cache_parts: string | null;
  cache_status: string | null;
  cache_reason: string | null;
  cached_from: string | null;
  outputs: string;
  error: string | null;
  executed_by: string | null;
  started_time: number | null;
  finished_time: number | null;
}

/** Log lines of a step run, numbered per step run. */
export interface PipelineStepLogsTable {
  step_run_id: string;
  seq: number;
  attempt: number;
  stream: string;
  line: string;
  time: number;
}

/** The step cache: which step run's outputs a key resolves to, until it expires or is invalidated. */
export interface PipelineCacheEntriesTable {
  cache_key: string;
  pipeline_name: string;
  step_name: string;
  step_run_id: string;
  created_time: number;
  expires_time: number | null;
  invalidated_time: number | null;
}

/** The pipelines tables, merged into `Database`. */
export interface PipelineTables {
  pipelines: PipelinesTable;
  pipeline_versions: PipelineVersionsTable;
  pipeline_runs: PipelineRunsTable;
  pipeline_step_runs: PipelineStepRunsTable;
  pipeline_step_logs: PipelineStepLogsTable;
  pipeline_cache_entries: PipelineCacheEntriesTable;
}
