import type { FiringCause } from './model.js';

/** What a trigger asks for when it fires. */
export interface LaunchRequest {
  pipeline: string;
  params: Record<string, unknown>;
  trigger: { triggerId: string; cause: FiringCause; slotKey: string };
}

/**
 * A PipelineLauncher starts pipeline runs for triggers: the pipeline service implements it, so
 * this folder never depends on how runs are planned or executed.
 */
export interface PipelineLauncher {
  /** Create and start a run; resolves with its id once the run exists (not when it finishes). */
  startRun(request: LaunchRequest): Promise<{ runId: string }>;
  /** Whether a pipeline of that name is known; triggers for unknown pipelines are refused. */
  pipelineExists(name: string): Promise<boolean>;
}

/** The event a finished pipeline run publishes; upstream triggers listen to it. */
export interface PipelineRunFinished {
  runId: string;
  pipeline: string;
  status: 'succeeded' | 'failed' | 'cancelled';
}
