import type { Generated } from 'kysely';

/**
 * Tables of pipeline schedules and triggers (their firing history) and of the distributed step
 * queue's dispatch records and worker logs. pg-boss keeps its own jobs in the `pgboss` schema.
 */

/** One schedule or trigger of a pipeline; `config` is the kind's JSON document. */
export interface PipelineTriggersTable {
  trigger_id: string;
  pipeline_name: string;
  kind: string;
  description: string | null;
  config: string;
  params: string;
  enabled: number;
  created_time: number;
  updated_time: number;
  /** Schedules: the latest slot already considered (fired, or skipped by policy). */
  cursor_time: number | null;
  /** Data triggers: digest of the watched location when last checked. */
  state: string | null;
  /** Bumped by every state change; a change is won by the one conditional update that sees the old value. */
  state_version: number;
  /** Data triggers: when the watched location is next due for a check. */
  next_check_time: number;
}

/** One firing; the primary key (trigger, slot) is the claim that keeps servers from firing twice. */
export interface PipelineTriggerFiringsTable {
  trigger_id: string;
  slot_key: string;
  cause: string;
  detail: string;
  fired_time: number;
  status: string;
  run_id: string | null;
  error: string | null;
}

/** One step attempt sent to the worker queue; `delivery` fences results from superseded workers. */
export interface PipelineStepDispatchesTable {
  dispatch_id: string;
  pipeline_run_id: string;
  step_run_id: string;
  step_name: string;
  attempt: number;
  task: string;
  status: string;
  delivery: number;
  worker_id: string | null;
  heartbeat_time: number | null;
  created_time: number;
  started_time: number | null;
  finished_time: number | null;
  result: string | null;
}

/** Log lines a worker produced for a dispatch; the server tails them into the step's log. */
export interface PipelineStepWorkerLogsTable {
  log_id: Generated<number>;
  dispatch_id: string;
  delivery: number;
  stream: string;
  line: string;
  time: number;
}

/** The tables above, merged into `Database`. */
export interface PipelineTriggerTables {
  pipeline_triggers: PipelineTriggersTable;
  pipeline_trigger_firings: PipelineTriggerFiringsTable;
  pipeline_step_dispatches: PipelineStepDispatchesTable;
  pipeline_step_worker_logs: PipelineStepWorkerLogsTable;
}
