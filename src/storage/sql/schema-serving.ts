import type { Generated } from 'kysely';

/** Serving tables (migration 0007_serving): deployments, revisions, inference log, feedback. */
export interface ServingTables {
  deployments: DeploymentsTable;
  deployment_revisions: DeploymentRevisionsTable;
  inference_log: InferenceLogTable;
  inference_feedback: InferenceFeedbackTable;
}

export interface DeploymentsTable {
  name: string;
  revision: number;
  spec: string;
  created_time: number;
  updated_time: number;
}

export interface DeploymentRevisionsTable {
  name: string;
  revision: number;
  spec: string;
  time: number;
  actor: string;
  message: string | null;
}

export interface InferenceLogTable {
  log_id: Generated<number>;
  request_id: string;
  deployment: string;
  variant: string;
  model_name: string;
  model_version: string;
  time: number;
  latency_ms: number;
  shadow: number;
  inputs: string | null;
  outputs: string;
  error: string | null;
}

export interface InferenceFeedbackTable {
  feedback_id: Generated<number>;
  request_id: string;
  deployment: string;
  labels: string | null;
  reward: number | null;
  time: number;
}
