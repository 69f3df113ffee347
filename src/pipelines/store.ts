import type { Pipeline, PipelineRun, PipelineRunStatus, PipelineSpec, PipelineVersion, StepLogLine, StepRun } from './model.js';

/** A new definition to store; identical digests resolve to the existing version. */
export interface NewPipelineVersion {
  name: string;
  description: string;
  digest: string;
  spec: PipelineSpec;
  source: string;
  baseDir: string;
}

/** Filters of `listRuns`. */
export interface RunQuery {
  pipelineName?: string;
  status?: PipelineRunStatus;
  limit: number;
  offset: number;
}

/** A step run of an earlier run of the same pipeline step, for cache explanations. */
export interface PreviousStepRun {
  runId: string;
  stepRunId: string;
  stepName: string;
  cacheKey: string;
  cacheParts: Record<string, string>;
  finishedAt: number | null;
  status: string;
}

/** A stored cache entry. */
export interface CacheEntry {
  cacheKey: string;
  pipelineName: string;
  stepName: string;
  stepRunId: string;
  createdAt: number;
  expiresAt: number | null;
  invalidatedAt: number | null;
}

export type StepRunPatch = Partial<Omit<StepRun, 'stepRunId' | 'runId' | 'stepName' | 'baseStep' | 'itemIndex'>>;
export type RunPatch = Partial<Pick<PipelineRun, 'status' | 'trackingRunId' | 'experimentId' | 'error' | 'startedAt' | 'finishedAt' | 'concurrency'>>;

/** The persistence port of pipelines: definitions, runs, step runs, logs and the step cache. */
export interface PipelineStore {
  savePipelineVersion(input: NewPipelineVersion, now: number): Promise<PipelineVersion>;
  getPipeline(name: string): Promise<Pipeline | null>;
  listPipelines(): Promise<(Pipeline & { lastRun: { runId: string; status: PipelineRunStatus; createdAt: number } | null })[]>;
  getVersion(name: string, version: number): Promise<PipelineVersion | null>;
  listVersions(name: string): Promise<Omit<PipelineVersion, 'spec' | 'source'>[]>;

  insertRun(run: PipelineRun, steps: StepRun[]): Promise<void>;
  getRun(runId: string): Promise<PipelineRun | null>;
  /** Applies the patch only when the run is in one of `onlyIf` (when given); true when applied. */
  updateRun(runId: string, patch: RunPatch, onlyIf?: PipelineRunStatus[]): Promise<boolean>;
  listRuns(query: RunQuery): Promise<PipelineRun[]>;

  listStepRuns(runId: string): Promise<StepRun[]>;
  getStepRun(stepRunId: string): Promise<StepRun | null>;
  /**
   * Applies the patch only when the step is still at `expect` (status and/or attempt), so an
   * outcome of a superseded attempt is never recorded; true when applied.
   */
  updateStepRun(stepRunId: string, patch: StepRunPatch, expect?: { status?: StepRun['status'][]; attempts?: number }): Promise<boolean>;

  appendLogs(stepRunId: string, lines: StepLogLine[]): Promise<void>;
  readLogs(stepRunId: string, afterSeq: number, limit: number): Promise<StepLogLine[]>;
  lastLogSeq(stepRunId: string): Promise<number>;

  getCacheEntry(cacheKey: string): Promise<CacheEntry | null>;
  putCacheEntry(entry: CacheEntry): Promise<void>;
  /** Mark matching live entries invalidated; returns how many. */
  invalidateCache(filter: { pipelineName: string; stepName?: string; cacheKey?: string }, now: number): Promise<number>;
  /** Recent step runs of one step of a pipeline that recorded a cache key, newest first. */
  previousStepRuns(pipelineName: string, baseStep: string, limit: number): Promise<PreviousStepRun[]>;
}
