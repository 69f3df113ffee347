import type {
  DatasetInputInput,
  DownsampledHistory,
  Experiment,
  KeyValue,
  LifecycleStage,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  MetricInput,
  ParamInput,
  Project,
  Run,
  RunInfo,
  RunStatus,
  TagInput,
  ViewType,
} from './model.js';
import type { FilterClause, OrderByClause } from './search-filter.js';

export interface NewExperiment {
  name: string;
  /** When null, the store sets `${defaultArtifactRoot}/${experimentId}`. */
  artifactLocation: string | null;
  defaultArtifactRoot: string;
  projectId: string;
  tags: KeyValue[];
  creationTime: number;
}

export interface NewRun {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  artifactUri: string;
  parentRunId: string | null;
  tags: KeyValue[];
}

export interface SearchExperimentsQuery {
  viewType: ViewType;
  filter: FilterClause[];
  orderBy: OrderByClause[];
  maxResults: number;
  offset: number;
}

export interface SearchRunsQuery {
  experimentIds: string[];
  viewType: ViewType;
  filter: FilterClause[];
  orderBy: OrderByClause[];
  maxResults: number;
  offset: number;
}

export interface SearchLoggedModelsQuery {
  experimentIds: string[];
  filter: FilterClause[];
  orderBy: OrderByClause[];
  maxResults: number;
  offset: number;
}

export interface MetricHistoryQuery {
  runId: string;
  key: string;
  /** Inclusive step range. */
  startStep?: number;
  endStep?: number;
  limit: number;
  offset: number;
}

export interface DownsampleQuery {
  runId: string;
  key: string;
  startStep?: number;
  endStep?: number;
  maxPoints: number;
}

export interface LogBatchWrite {
  runId: string;
  metrics: MetricInput[];
  params: ParamInput[];
  tags: TagInput[];
}

export interface NewLoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactLocation: string;
  creationTime: number;
  sourceRunId: string | null;
  modelType: string | null;
  params: KeyValue[];
  tags: KeyValue[];
}

/**
 * The tracking domain's persistence port. Implementations translate database errors into
 * AscentErrors; every method that writes several rows does so in one transaction.
 */
export interface TrackingStore {
  // projects
  ensureProject(project: Project): Promise<void>;
  getProject(projectId: string): Promise<Project | null>;
  listProjects(): Promise<Project[]>;

  // experiments
  createExperiment(input: NewExperiment): Promise<string>;
  /** Inserts experiment 0 ("Default") if it does not exist yet. */
  ensureDefaultExperiment(input: Omit<NewExperiment, 'name' | 'tags'> & { name: string }): Promise<void>;
  getExperiment(experimentId: string): Promise<Experiment | null>;
  getExperimentByName(name: string): Promise<Experiment | null>;
  searchExperiments(query: SearchExperimentsQuery): Promise<Experiment[]>;
  renameExperiment(experimentId: string, newName: string, time: number): Promise<void>;
  setExperimentLifecycle(experimentId: string, stage: LifecycleStage, time: number): Promise<void>;
  setExperimentTag(experimentId: string, tag: KeyValue, projectId?: string): Promise<void>;
  deleteExperimentTag(experimentId: string, key: string): Promise<void>;

  // runs
  createRun(input: NewRun): Promise<void>;
  getRunInfo(runId: string): Promise<RunInfo | null>;
  getRun(runId: string): Promise<Run | null>;
  getRuns(runIds: string[]): Promise<Run[]>;
  updateRun(runId: string, patch: { status?: RunStatus; endTime?: number | null; runName?: string }): Promise<void>;
  setRunLifecycle(runIds: string[], stage: LifecycleStage, deletedTime: number | null): Promise<void>;
  searchRuns(query: SearchRunsQuery): Promise<Run[]>;
  /** Runs whose `parent_run_id` is one of these. */
  childRunIds(parentRunIds: string[]): Promise<string[]>;
  /** Permanently remove runs deleted before `olderThan` (garbage collection). */
  purgeDeletedRuns(olderThan: number): Promise<string[]>;

  // params, tags, metrics
  /**
   * Atomically append metrics, insert params (re-logging the same value is a no-op; a different
   * value fails with INVALID_ARGUMENT and writes nothing) and upsert tags.
   */
  logBatch(write: LogBatchWrite): Promise<void>;
  deleteTag(runId: string, key: string): Promise<void>;
  getMetricHistory(query: MetricHistoryQuery): Promise<Metric[]>;
  countMetricHistory(runId: string, key: string): Promise<number>;
  getMetricHistoryDownsampled(query: DownsampleQuery): Promise<DownsampledHistory>;
  listMetricKeys(runId: string): Promise<string[]>;

  // inputs and outputs
  logInputs(runId: string, experimentId: string, datasets: DatasetInputInput[], modelIds: string[], time: number): Promise<void>;
  logOutputs(runId: string, models: { modelId: string; step: number }[]): Promise<void>;

  // logged models (MLflow 3)
  createLoggedModel(input: NewLoggedModel): Promise<void>;
  getLoggedModel(modelId: string): Promise<LoggedModel | null>;
  updateLoggedModel(modelId: string, patch: { status?: LoggedModelStatus; statusMessage?: string | null }, time: number): Promise<void>;
  deleteLoggedModel(modelId: string, time: number): Promise<void>;
  setLoggedModelTags(modelId: string, tags: KeyValue[], time: number): Promise<void>;
  deleteLoggedModelTag(modelId: string, key: string): Promise<void>;
  logLoggedModelParams(modelId: string, params: KeyValue[]): Promise<void>;
  searchLoggedModels(query: SearchLoggedModelsQuery): Promise<LoggedModel[]>;

  close(): Promise<void>;
}
