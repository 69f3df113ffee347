import type { Deployment, DeploymentRevision, DeploymentSpec } from './model.js';

/** A write of a new revision: the store assigns the number and refuses a stale `expectedRevision`. */
export interface DeploymentWrite {
  name: string;
  spec: DeploymentSpec;
  actor: string;
  message: string | null;
  time: number;
  /** Refuse (INVALID_STATE) unless the current revision is this one; null means "must not exist". */
  expectedRevision: number | null;
}

/** Persistence port of deployments; every write records its revision in the same transaction. */
export interface DeploymentStore {
  /** Create (expectedRevision null) or update; returns the stored deployment. */
  write(w: DeploymentWrite): Promise<Deployment>;
  get(name: string): Promise<Deployment | null>;
  list(): Promise<Deployment[]>;
  /** Cheap change detection for replicas: name → revision of every deployment. */
  revisions(): Promise<Map<string, number>>;
  history(name: string, limit: number): Promise<DeploymentRevision[]>;
  getRevision(name: string, revision: number): Promise<DeploymentRevision | null>;
  /** Removes the deployment and its history; false when it did not exist. */
  delete(name: string): Promise<boolean>;
}
