import { alreadyExists, invalid, invalidState, notFound } from '../core/errors.js';
import { newRunId } from '../core/ids.js';
import { systemClock, type Clock } from '../core/clock.js';
import { parseInput } from '../core/validate.js';
import {
  CreateExperimentInput,
  CreateRunInput,
  DEFAULT_EXPERIMENT_ID,
  DEFAULT_PROJECT_ID,
  DatasetInputSchema,
  LIMITS,
  PARENT_RUN_TAG,
  PROJECT_TAG,
  RUN_NAME_TAG,
  TagInput,
  UpdateRunInput,
  USER_TAG,
  type DatasetInputInput,
  type DownsampledHistory,
  type Experiment,
  type Metric,
  type Page,
  type Project,
  type Run,
  type RunInfo,
  type ViewType,
} from './model.js';
import { decodePageToken, encodePageToken, parseFilter, parseOrderBy } from './search-filter.js';
import type { TrackingStore } from './store.js';
import { randomRunName } from './run-names.js';
import { parseLogBatch } from './log-batch-input.js';
import { z } from 'zod';

export interface TrackingServiceOptions {
  store: TrackingStore;
  /**
   * Root under which experiments get their artifact location when none is given. With the
   * artifact proxy on (the default) this is `mlflow-artifacts:`, so clients upload through Ascent.
   */
  defaultArtifactRoot?: string;
  clock?: Clock;
}

export interface SearchParams {
  filter?: string | null;
  orderBy?: string[] | null;
  maxResults?: number | null;
  pageToken?: string | null;
  viewType?: ViewType | null;
}

const ViewTypeSchema = z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']);

/** Rules of the tracking domain: validation, run lifecycle, MLflow semantics. One instance per server. */
export class TrackingService {
  readonly store: TrackingStore;
  private readonly root: string;
  private readonly clock: Clock;

  constructor(options: TrackingServiceOptions) {
    this.store = options.store;
    this.root = (options.defaultArtifactRoot ?? 'mlflow-artifacts:').replace(/\/+$/, '');
    this.clock = options.clock ?? systemClock;
  }

  /** Create the default project and experiment 0 if this is a fresh database. */
  async init(): Promise<void> {
    const now = this.clock.now();
    await this.store.ensureProject({ projectId: DEFAULT_PROJECT_ID, name: 'Default', description: 'Experiments not tagged with a project', creationTime: now });
    await this.store.ensureDefaultExperiment({
      name: 'Default',
      artifactLocation: null,
      defaultArtifactRoot: this.root,
      projectId: DEFAULT_PROJECT_ID,
      creationTime: now,
    });
  }

  // ---------------- projects ----------------

  async listProjects(): Promise<Project[]> {
    return this.store.listProjects();
  }

  async getProject(projectId: string): Promise<Project> {
    const project = await this.store.getProject(projectId);
    if (!project) throw notFound(`Project '${projectId}' does not exist`);
    return project;
  }

  async createProject(input: { name: string; description?: string | null }): Promise<Project> {
    const parsed = parseInput(z.object({ name: z.string().trim().min(1).max(200).regex(/^[\w\-. ]+$/, 'may contain letters, digits, spaces, _ - .'), description: z.string().max(5000).nullish() }), input, 'project');
    const projectId = parsed.name.toLowerCase().replace(/[^\w-]+/g, '-');
    if (await this.store.getProject(projectId)) throw alreadyExists(`Project '${projectId}' already exists`);
    const project = { projectId, name: parsed.name, description: parsed.description ?? null, creationTime: this.clock.now() };
    await this.store.ensureProject(project);
    return project;
  }

  // ---------------- experiments ----------------

  async createExperiment(raw: unknown): Promise<string> {
    const input = parseInput(CreateExperimentInput, raw, 'experiment');
    if (await this.store.getExperimentByName(input.name)) {
      throw alreadyExists(`Experiment(name=${input.name}) already exists.`);
    }
    const projectTag = input.tags.find((t) => t.key === PROJECT_TAG)?.value;
    const projectId = await this.resolveProject(input.projectId ?? projectTag ?? DEFAULT_PROJECT_ID);
    if (input.artifactLocation) validateArtifactLocation(input.artifactLocation);
    return this.store.createExperiment({
      name: input.name,
      artifactLocation: input.artifactLocation ?? null,
      defaultArtifactRoot: this.root,
      projectId,
      tags: input.tags,
      creationTime: this.clock.now(),
    });
  }

  private async resolveProject(projectId: string): Promise<string> {
    const existing = await this.store.getProject(projectId);
    if (existing) return existing.projectId;
    // Tagging an experiment with a new project name creates the project: tags are how the mlflow
    // client files experiments, and it cannot call a native endpoint first.
    const project = { projectId, name: projectId, description: null, creationTime: this.clock.now() };
    await this.store.ensureProject(project);
    return projectId;
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const experiment = /^\d+$/.test(experimentId) ? await this.store.getExperiment(experimentId) : null;
    if (!experiment) throw notFound(`No Experiment with id=${experimentId} exists`);
    return experiment;
  }

  async getExperimentByName(name: string): Promise<Experiment> {
    const experiment = await this.store.getExperimentByName(name);
    if (!experiment) throw notFound(`Could not find experiment with name '${name}'`);
    return experiment;
  }

  async searchExperiments(params: SearchParams): Promise<Page<Experiment>> {
    const maxResults = this.maxResults(params.maxResults, LIMITS.defaultSearchExperiments, LIMITS.maxSearchExperiments);
    const offset = decodePageToken(params.pageToken);
    const items = await this.store.searchExperiments({
      viewType: parseInput(ViewTypeSchema, params.viewType ?? 'ACTIVE_ONLY', 'view_type'),
      filter: parseFilter(params.filter, 'experiments'),
      orderBy: parseOrderBy(params.orderBy, 'experiments'),
      maxResults: maxResults + 1,
      offset,
    });
    return this.page(items, maxResults, offset);
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    const name = parseInput(z.string().trim().min(1, 'must not be empty').max(LIMITS.maxEntityNameLength), newName, 'new_name');
    const experiment = await this.getExperiment(experimentId);
    if (experiment.lifecycleStage !== 'active') throw invalidState(`Cannot rename a non-active experiment ${experimentId}`);
    const clash = await this.store.getExperimentByName(name);
    if (clash && clash.experimentId !== experimentId) throw alreadyExists(`Experiment(name=${name}) already exists.`);
    await this.store.renameExperiment(experimentId, name, this.clock.now());
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.getExperiment(experimentId);
    if (experimentId === DEFAULT_EXPERIMENT_ID) throw invalid('Cannot delete the default experiment 0', 'experiment_id');
    await this.store.setExperimentLifecycle(experimentId, 'deleted', this.clock.now());
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    const experiment = await this.getExperiment(experimentId);
    if (experiment.lifecycleStage !== 'deleted') throw invalidState(`Experiment ${experimentId} is not deleted`);
    await this.store.setExperimentLifecycle(experimentId, 'active', this.clock.now());
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    const tag = parseInput(TagInput.extend({ value: z.string().max(LIMITS.maxExperimentTagValueLength) }), { key, value }, 'tag');
    const experiment = await this.getExperiment(experimentId);
    if (experiment.lifecycleStage !== 'active') throw invalidState(`The experiment ${experimentId} must be in the 'active' state`);
    const projectId = tag.key === PROJECT_TAG ? await this.resolveProject(tag.value) : undefined;
    await this.store.setExperimentTag(experimentId, tag, projectId);
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.getExperiment(experimentId);
    await this.store.deleteExperimentTag(experimentId, key);
  }

  // ---------------- runs ----------------

  async createRun(raw: unknown): Promise<Run> {
    const input = parseInput(CreateRunInput, raw, 'run');
    const experiment = await this.getExperiment(input.experimentId ?? DEFAULT_EXPERIMENT_ID);
    if (experiment.lifecycleStage !== 'active') {
      throw invalidState(`The experiment ${experiment.experimentId} must be in the 'active' state`);
    }
    const tags = new Map(input.tags.map((t) => [t.key, t.value]));
    const runName = input.runName || tags.get(RUN_NAME_TAG) || randomRunName();
    if (input.runName && tags.has(RUN_NAME_TAG) && tags.get(RUN_NAME_TAG) !== input.runName) {
      throw invalid(`Both 'run_name' (${input.runName}) and tag '${RUN_NAME_TAG}' (${tags.get(RUN_NAME_TAG)}) were set and differ`, 'run_name');
    }
    tags.set(RUN_NAME_TAG, runName);
    const userId = input.userId || tags.get(USER_TAG) || 'unknown';
    const parentRunId = tags.get(PARENT_RUN_TAG) ?? null;
    if (parentRunId) {
      const parent = await this.store.getRunInfo(parentRunId);
      if (!parent) throw notFound(`Parent run '${parentRunId}' not found`);
    }
    const runId = newRunId();
    await this.store.createRun({
      runId,
      experimentId: experiment.experimentId,
      runName,
      userId,
      status: 'RUNNING',
      startTime: input.startTime ?? this.clock.now(),
      artifactUri: `${experiment.artifactLocation.replace(/\/+$/, '')}/${runId}/artifacts`,
      parentRunId,
      tags: [...tags].map(([key, value]) => ({ key, value })),
    });
    return this.getRun(runId);
  }

  async getRun(runId: string): Promise<Run> {
    const run = await this.store.getRun(this.checkRunId(runId));
    if (!run) throw notFound(`Run with id=${runId} not found`);
    return run;
  }

  async getRunInfo(runId: string): Promise<RunInfo> {
    const info = await this.store.getRunInfo(this.checkRunId(runId));
    if (!info) throw notFound(`Run with id=${runId} not found`);
    return info;
  }

  private checkRunId(runId: unknown): string {
    if (typeof runId !== 'string' || runId.length === 0) throw invalid("Missing value for required parameter 'run_id'", 'run_id');
    if (runId.length > 64) throw invalid(`Invalid run id '${runId.slice(0, 64)}…'`, 'run_id');
    return runId;
  }

  private async activeRun(runId: string): Promise<RunInfo> {
    const info = await this.getRunInfo(runId);
    if (info.lifecycleStage !== 'active') {
      throw invalidState(`The run ${runId} must be in the 'active' state. Current state is ${info.lifecycleStage}.`);
    }
    return info;
  }

  async updateRun(runId: string, raw: unknown): Promise<RunInfo> {
    const patch = parseInput(UpdateRunInput, raw, 'run update');
    await this.activeRun(runId);
    await this.store.updateRun(runId, {
      ...(patch.status ? { status: patch.status } : {}),
      ...(patch.endTime !== undefined && patch.endTime !== null ? { endTime: patch.endTime } : {}),
      ...(patch.runName ? { runName: patch.runName } : {}),
    });
    if (patch.runName) await this.store.logBatch({ runId, metrics: [], params: [], tags: [{ key: RUN_NAME_TAG, value: patch.runName }] });
    return this.getRunInfo(runId);
  }

  async deleteRun(runId: string): Promise<void> {
    await this.getRunInfo(runId);
    await this.store.setRunLifecycle([runId], 'deleted', this.clock.now());
  }

  async restoreRun(runId: string): Promise<void> {
    await this.getRunInfo(runId);
    await this.store.setRunLifecycle([runId], 'active', null);
  }

  async searchRuns(params: SearchParams & { experimentIds: string[] }): Promise<Page<Run>> {
    const maxResults = this.maxResults(params.maxResults, LIMITS.defaultSearchRuns, LIMITS.maxSearchRuns);
    const offset = decodePageToken(params.pageToken);
    for (const id of params.experimentIds) {
      if (!/^\d+$/.test(id)) throw invalid(`Invalid experiment id '${id}'`, 'experiment_ids');
    }
    const items = await this.store.searchRuns({
      experimentIds: params.experimentIds,
      viewType: parseInput(ViewTypeSchema, params.viewType ?? 'ACTIVE_ONLY', 'run_view_type'),
      filter: parseFilter(params.filter, 'runs'),
      orderBy: parseOrderBy(params.orderBy, 'runs'),
      maxResults: maxResults + 1,
      offset,
    });
    return this.page(items, maxResults, offset);
  }

  // ---------------- params, tags, metrics ----------------

  /** Validate once, then write metrics, params and tags in one transaction. */
  async logBatch(runId: string, raw: unknown): Promise<void> {
    const batch = parseLogBatch(raw);
    const total = batch.metrics.length + batch.params.length + batch.tags.length;
    if (total > LIMITS.maxBatchItems) {
      throw invalid(`A batch logging request can contain at most ${LIMITS.maxBatchItems} metrics, params and tags in total; got ${total}`, 'metrics');
    }
    const seen = new Map<string, string>();
    for (const p of batch.params) {
      const prior = seen.get(p.key);
      if (prior !== undefined && prior !== p.value) {
        throw invalid(`Duplicate parameter key '${p.key}' with different values in one batch`, 'params');
      }
      seen.set(p.key, p.value);
    }
    await this.activeRun(runId);
    if (total === 0) return;
    await this.store.logBatch({ runId, metrics: batch.metrics, params: batch.params, tags: batch.tags });
    const renamed = batch.tags.findLast((t) => t.key === RUN_NAME_TAG);
    if (renamed) await this.store.updateRun(runId, { runName: renamed.value });
  }

  async logMetric(runId: string, metric: unknown): Promise<void> {
    await this.logBatch(runId, { metrics: [metric] });
  }

  async logParam(runId: string, param: unknown): Promise<void> {
    await this.logBatch(runId, { params: [param] });
  }

  async setTag(runId: string, tag: unknown): Promise<void> {
    await this.logBatch(runId, { tags: [tag] });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    const run = await this.activeRun(runId);
    const existing = (await this.getRun(run.runId)).data.tags.some((t) => t.key === key);
    if (!existing) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
    await this.store.deleteTag(runId, key);
  }

  async getMetricHistory(runId: string, key: string, params: { maxResults?: number | null; pageToken?: string | null } = {}): Promise<Page<Metric>> {
    await this.getRunInfo(runId);
    if (!key) throw invalid("Missing value for required parameter 'metric_key'", 'metric_key');
    const maxResults = this.maxResults(params.maxResults, LIMITS.maxHistoryResults, LIMITS.maxHistoryResults);
    const offset = decodePageToken(params.pageToken);
    const items = await this.store.getMetricHistory({ runId, key, limit: maxResults + 1, offset });
    return this.page(items, maxResults, offset);
  }

  /** MLflow's bulk-interval history: up to `maxResults` points per run, steps sampled evenly. */
  async getMetricHistoryBulkInterval(params: { runIds: string[]; key: string; startStep?: number | null; endStep?: number | null; maxResults?: number | null }): Promise<(Metric & { runId: string })[]> {
    if (params.runIds.length === 0) throw invalid('run_ids must contain at least one run id', 'run_ids');
    if (params.runIds.length > 100) throw invalid('run_ids may contain at most 100 run ids', 'run_ids');
    if (!params.key) throw invalid("Missing value for required parameter 'metric_key'", 'metric_key');
    const maxResults = this.maxResults(params.maxResults, 320, 1000);
    const out: (Metric & { runId: string })[] = [];
    for (const runId of params.runIds) {
      await this.getRunInfo(runId);
      const range = { ...(params.startStep != null ? { startStep: params.startStep } : {}), ...(params.endStep != null ? { endStep: params.endStep } : {}) };
      const history = await this.store.getMetricHistoryDownsampled({ runId, key: params.key, maxPoints: maxResults, ...range });
      for (const b of history.buckets) {
        out.push({ runId, key: params.key, step: b.lastStep, timestamp: b.lastTimestamp, value: b.last ?? Number.NaN });
      }
    }
    return out;
  }

  async getMetricHistoryDownsampled(runId: string, key: string, params: { startStep?: number | null; endStep?: number | null; maxPoints?: number | null } = {}): Promise<DownsampledHistory> {
    await this.getRunInfo(runId);
    if (!key) throw invalid('metric key is required', 'key');
    const maxPoints = this.maxResults(params.maxPoints, 1000, LIMITS.maxDownsamplePoints);
    if (params.startStep != null && params.endStep != null && params.startStep > params.endStep) {
      throw invalid('start_step must not exceed end_step', 'start_step');
    }
    return this.store.getMetricHistoryDownsampled({
      runId,
      key,
      maxPoints,
      ...(params.startStep != null ? { startStep: params.startStep } : {}),
      ...(params.endStep != null ? { endStep: params.endStep } : {}),
    });
  }

  async listMetricKeys(runId: string): Promise<string[]> {
    await this.getRunInfo(runId);
    return this.store.listMetricKeys(runId);
  }

  // ---------------- inputs / outputs ----------------

  async logInputs(runId: string, raw: { datasets?: unknown[]; models?: { modelId: string }[] }): Promise<void> {
    const datasets: DatasetInputInput[] = parseInput(z.array(DatasetInputSchema).max(1000), raw.datasets ?? [], 'datasets');
    const models = parseInput(z.array(z.object({ modelId: z.string().min(1).max(64) })).max(1000), raw.models ?? [], 'models');
    const run = await this.activeRun(runId);
    await this.store.logInputs(runId, run.experimentId, datasets, models.map((m) => m.modelId), this.clock.now());
  }

  async logOutputs(runId: string, raw: unknown): Promise<void> {
    const models = parseInput(z.array(z.object({ modelId: z.string().min(1).max(64), step: z.number().int().default(0) })).max(1000), raw, 'models');
    await this.activeRun(runId);
    await this.store.logOutputs(runId, models);
  }

  // ---------------- helpers ----------------

  private maxResults(value: number | null | undefined, fallback: number, max: number): number {
    if (value === undefined || value === null) return fallback;
    if (!Number.isInteger(value) || value < 1) throw invalid(`max_results must be a positive integer, got ${value}`, 'max_results');
    if (value > max) throw invalid(`Invalid value ${value} for parameter 'max_results' supplied. It must be at most ${max}`, 'max_results');
    return value;
  }

  private page<T>(items: T[], maxResults: number, offset: number): Page<T> {
    if (items.length > maxResults) return { items: items.slice(0, maxResults), nextPageToken: encodePageToken(offset + maxResults) };
    return { items };
  }
}

/** Refuse artifact locations that would point the server at its own filesystem outside its roots. */
function validateArtifactLocation(location: string): void {
  if (location.includes('\0')) throw invalid('artifact_location must not contain NUL', 'artifact_location');
  if (/(^|[\\/])\.\.([\\/]|$)/.test(location)) throw invalid("artifact_location must not contain '..'", 'artifact_location');
}

