import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { invalid, invalidState, isAscentError, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { systemClock, type Clock } from '../core/clock.js';
import { parseInput } from '../core/validate.js';
import type { ArtifactStore } from '../storage/artifacts/artifact-store.js';
import type { RegistryService } from '../registry/service.js';
import type { TrackingService } from '../tracking/service.js';
import { CodeDigests, lockfileDigest } from './cache-key.js';
import { canonicalJson, valueDigest } from './content-digest.js';
import { snapshotDatasets } from './dataset-snapshot.js';
import { explainStep, type StepExplanation } from './explain.js';
import { StartRunInput, type Pipeline, type PipelineRun, type PipelineSpec, type PipelineVersion, type StepLogLine, type StepRun } from './model.js';
import { parsePipelineYaml, resolveParams, upstreamOf, validatePipeline } from './parse-pipeline.js';
import { foreachParam, parseRef } from './refs.js';
import type { PipelineDeps, RunContext } from './run-context.js';
import { scheduleRun } from './run-scheduler.js';
import { paramText } from './step-runner.js';
import type { StepExecutor } from './step-executor.js';
import type { PipelineStore } from './store.js';

const run = promisify(execFile);

/** What `PipelineService` is built from; `executor` is the local one unless a queue is plugged in. */
export interface PipelineServiceOptions {
  store: PipelineStore;
  tracking: TrackingService;
  registry: RegistryService;
  artifacts: ArtifactStore;
  executor: StepExecutor;
  clock?: Clock;
  /** Default concurrency of a run (per run). */
  defaultConcurrency?: number;
}

/** A run and its expanded steps. */
export interface PipelineRunDetail {
  run: PipelineRun;
  steps: StepRun[];
}

/** Input of `registerPipeline`: YAML text or a definition object, and the folder its paths resolve against. */
export interface RegisterPipelineInput {
  yaml?: string;
  definition?: unknown;
  /** Absolute folder of the pipeline file. */
  baseDir: string;
  /** File name, for error messages. */
  file?: string;
}

type Listener = (run: PipelineRun) => void | Promise<void>;

/**
 * Pipelines: stored definitions, runs with one tracked run per step, the step cache, cancellation
 * and resume. Runs execute in this process through the configured `StepExecutor`.
 */
export class PipelineService {
  readonly store: PipelineStore;
  private readonly deps: PipelineDeps;
  private readonly active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly listeners = new Set<Listener>();
  private trackingUriValue: string | null = null;
  private readonly defaultConcurrency: number;

  constructor(options: PipelineServiceOptions) {
    this.store = options.store;
    this.defaultConcurrency = options.defaultConcurrency ?? 4;
    this.deps = { store: options.store, tracking: options.tracking, registry: options.registry, artifacts: options.artifacts, executor: options.executor, clock: options.clock ?? systemClock, trackingUri: () => this.trackingUriValue };
  }

  /** Set once the server listens: steps get it as MLFLOW_TRACKING_URI. */
  setTrackingUri(uri: string): void {
    this.trackingUriValue = uri.replace(/\/+$/, '');
  }

  /** Validate and store a definition; an identical definition resolves to its existing version. */
  async registerPipeline(input: RegisterPipelineInput): Promise<PipelineVersion> {
    if (!input.baseDir || !path.isAbsolute(input.baseDir)) throw invalid('baseDir must be an absolute folder', 'baseDir');
    let spec: PipelineSpec;
    let source: string;
    if (typeof input.yaml === 'string') {
      spec = parsePipelineYaml(input.yaml, { file: input.file ?? 'pipeline.yaml' });
      source = input.yaml;
    } else if (input.definition !== undefined) {
      spec = validatePipeline(input.definition, { source: input.file ?? 'definition' });
      source = JSON.stringify(input.definition, null, 2);
    } else throw invalid("give the definition as 'yaml' or 'definition'", 'yaml');
    const digest = valueDigest(canonicalJson({ spec, baseDir: input.baseDir }));
    return this.store.savePipelineVersion({ name: spec.name, description: spec.description ?? '', digest, spec, source, baseDir: input.baseDir }, this.deps.clock.now());
  }

  listPipelines() {
    return this.store.listPipelines();
  }

  async getPipeline(name: string): Promise<{ pipeline: Pipeline; latest: PipelineVersion; versions: Omit<PipelineVersion, 'spec' | 'source'>[] }> {
    const pipeline = await this.store.getPipeline(name);
    if (!pipeline) throw notFound(`Pipeline '${name}' not found`);
    const latest = await this.store.getVersion(name, pipeline.latestVersion);
    return { pipeline, latest: latest!, versions: await this.store.listVersions(name) };
  }

  /** Start a run of a stored pipeline; it executes in the background. */
  async startRun(raw: StartRunInput): Promise<PipelineRun> {
    const input = parseInput(StartRunInput, raw, 'run');
    const pipeline = await this.store.getPipeline(input.pipeline);
    if (!pipeline) throw notFound(`Pipeline '${input.pipeline}' not found`);
    const version = await this.store.getVersion(input.pipeline, input.version ?? pipeline.latestVersion);
    if (!version) throw notFound(`Pipeline '${input.pipeline}' has no version ${input.version}`);
    const params = resolveParams(version.spec, input.params);
    const now = this.deps.clock.now();
    const runId = newId('plr');
    const steps: StepRun[] = [];
    for (const [name, step] of Object.entries(version.spec.steps)) {
      const items = step.foreach === undefined ? [null] : (params[foreachParam(step.foreach)] as unknown[]).map((_v, i) => i);
      if (items.length > 10_000) throw invalid(`steps.${name}.foreach: ${items.length} items is more than the limit of 10000`, `steps.${name}.foreach`);
      for (const i of items) {
        steps.push({
          stepRunId: newId('psr'), runId, stepName: i === null ? name : `${name}[${i}]`, baseStep: name, itemIndex: i, status: 'pending', attempts: 0,
          trackingRunId: null, cacheKey: null, cacheParts: null, cacheStatus: null, cacheReason: null, cachedFrom: null, outputs: [], error: null, executedBy: null, startedAt: null, finishedAt: null,
        });
      }
    }
    const pipelineRun: PipelineRun = {
      runId, pipelineId: pipeline.pipelineId, pipelineName: pipeline.name, version: version.version, status: 'queued', params, trigger: input.trigger,
      trackingRunId: null, experimentId: null, concurrency: input.concurrency ?? version.spec.concurrency ?? this.defaultConcurrency, error: null, createdAt: now, startedAt: null, finishedAt: null,
    };
    await this.store.insertRun(pipelineRun, steps);
    this.launch(pipelineRun, version, steps, true);
    return pipelineRun;
  }

  async getRun(runId: string): Promise<PipelineRunDetail> {
    const r = await this.store.getRun(runId);
    if (!r) throw notFound(`Pipeline run '${runId}' not found`);
    const steps = await this.store.listStepRuns(runId);
    const order = Object.keys((await this.store.getVersion(r.pipelineName, r.version))?.spec.steps ?? {});
    steps.sort((a, b) => order.indexOf(a.baseStep) - order.indexOf(b.baseStep) || (a.itemIndex ?? 0) - (b.itemIndex ?? 0));
    return { run: r, steps };
  }

  /** DAG edges between a run's expanded steps (foreach items each depend on the step's upstream). */
  async dagOf(r: PipelineRun): Promise<{ step: string; upstream: string[] }[]> {
    const version = await this.store.getVersion(r.pipelineName, r.version);
    const steps = await this.store.listStepRuns(r.runId);
    if (!version) return [];
    return steps.map((s) => {
      const ups = upstreamOf(version.spec, s.baseStep);
      return { step: s.stepName, upstream: steps.filter((o) => ups.includes(o.baseStep)).map((o) => o.stepName) };
    });
  }

  listRuns(query: { pipeline?: string; status?: PipelineRun['status']; limit?: number; offset?: number } = {}): Promise<PipelineRun[]> {
    const limit = query.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('limit must be between 1 and 1000', 'limit');
    return this.store.listRuns({ ...(query.pipeline ? { pipelineName: query.pipeline } : {}), ...(query.status ? { status: query.status } : {}), limit, offset: query.offset ?? 0 });
  }

  /** Stop a run: running steps are stopped, pending ones cancelled. */
  async cancelRun(runId: string): Promise<PipelineRun> {
    const r = await this.store.getRun(runId);
    if (!r) throw notFound(`Pipeline run '${runId}' not found`);
    const live = this.active.get(runId);
    if (live) {
      live.controller.abort();
      await live.done;
    } else if (r.status === 'queued' || r.status === 'running') {
      // Orphaned by a stopped server: nothing runs it, so record the cancellation directly.
      for (const s of await this.store.listStepRuns(runId)) {
        if (s.status === 'pending' || s.status === 'running') await this.store.updateStepRun(s.stepRunId, { status: 'cancelled', error: 'cancelled', finishedAt: this.deps.clock.now() });
      }
      await this.store.updateRun(runId, { status: 'cancelled', finishedAt: this.deps.clock.now() }, ['queued', 'running']);
    } else throw invalidState(`Pipeline run '${runId}' already ${r.status}`);
    return (await this.store.getRun(runId))!;
  }

  /** Re-run a failed or cancelled run from where it stopped: succeeded steps are kept. */
  async resumeRun(runId: string): Promise<PipelineRun> {
    const r = await this.store.getRun(runId);
    if (!r) throw notFound(`Pipeline run '${runId}' not found`);
    if (r.status !== 'failed' && r.status !== 'cancelled') throw invalidState(`Only failed or cancelled runs can be resumed; '${runId}' is ${r.status}`);
    if (!(await this.store.updateRun(runId, { status: 'queued', error: null, finishedAt: null }, ['failed', 'cancelled']))) throw invalidState(`Pipeline run '${runId}' changed state; try again`);
    const steps = await this.store.listStepRuns(runId);
    for (const s of steps) {
      if (s.status === 'succeeded') continue;
      const patch = { status: 'pending' as const, error: null, finishedAt: null };
      await this.store.updateStepRun(s.stepRunId, patch);
      Object.assign(s, patch);
    }
    const version = (await this.store.getVersion(r.pipelineName, r.version))!;
    const resumed = { ...r, status: 'queued' as const, error: null, finishedAt: null };
    this.launch(resumed, version, steps, false);
    return resumed;
  }

  async getLogs(runId: string, stepName: string, options: { after?: number; limit?: number } = {}): Promise<{ step: StepRun; lines: StepLogLine[] }> {
    const step = (await this.store.listStepRuns(runId)).find((s) => s.stepName === stepName);
    if (!step) throw notFound(`Pipeline run '${runId}' has no step '${stepName}'`);
    const limit = options.limit ?? 1000;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw invalid('limit must be between 1 and 10000', 'limit');
    return { step, lines: await this.store.readLogs(step.stepRunId, options.after ?? 0, limit) };
  }

  /** Why a step hit or missed the cache, part by part against the closest earlier key. */
  async explain(runId: string, stepName: string): Promise<StepExplanation> {
    const { run: r, steps } = await this.getRun(runId);
    const step = steps.find((s) => s.stepName === stepName);
    if (!step) throw notFound(`Pipeline run '${runId}' has no step '${stepName}'`);
    return explainStep(this.store, r, step);
  }

  /** Invalidate cache entries of a pipeline (optionally one step); returns how many. */
  async invalidateCache(input: { pipeline: string; step?: string }): Promise<{ invalidated: number }> {
    const { latest } = await this.getPipeline(input.pipeline);
    if (input.step && !(input.step in latest.spec.steps)) throw invalid(`Pipeline '${input.pipeline}' has no step '${input.step}'`, 'step');
    return { invalidated: await this.store.invalidateCache({ pipelineName: input.pipeline, ...(input.step ? { stepName: input.step } : {}) }, this.deps.clock.now()) };
  }

  /** Called with every run that reaches a final state; returns an unsubscribe function. */
  onRunFinished(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when the run reaches a final state (or after `timeoutMs`, with its current state). */
  async waitForRun(runId: string, timeoutMs = 600_000): Promise<PipelineRunDetail> {
    const live = this.active.get(runId);
    if (live) await Promise.race([live.done, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    return this.getRun(runId);
  }

  /** Stop every run executing here; they end failed (interrupted) and can be resumed. */
  async close(): Promise<void> {
    const live = [...this.active.entries()];
    for (const [, a] of live) a.controller.abort(new Error('server stopping'));
    await Promise.all(live.map(([, a]) => a.done));
    await this.deps.executor.close();
  }

  private launch(r: PipelineRun, version: PipelineVersion, steps: StepRun[], fresh: boolean): void {
    const controller = new AbortController();
    const done = this.execute(r, version, steps, fresh, controller.signal).finally(() => this.active.delete(r.runId));
    this.active.set(r.runId, { controller, done });
  }

  private async execute(r: PipelineRun, version: PipelineVersion, steps: StepRun[], fresh: boolean, signal: AbortSignal): Promise<void> {
    const { tracking, store, clock } = this.deps;
    let status: PipelineRun['status'] = 'failed';
    let error: string | null = null;
    try {
      const spec = version.spec;
      if (fresh) {
        const experimentId = await this.experimentFor(spec);
        const trackingRun = await tracking.createRun({
          experimentId, runName: `${r.pipelineName} ${r.runId}`,
          tags: [
            { key: 'ascent.pipeline', value: r.pipelineName }, { key: 'ascent.pipeline.run_id', value: r.runId }, { key: 'ascent.pipeline.version', value: String(r.version) },
            { key: 'ascent.pipeline.trigger', value: r.trigger.kind }, { key: 'mlflow.user', value: `pipeline:${r.pipelineName}` }, { key: 'mlflow.source.name', value: version.baseDir },
            ...(await gitTags(version.baseDir)),
          ],
        });
        r.trackingRunId = trackingRun.info.runId;
        r.experimentId = experimentId;
        await tracking.logBatch(r.trackingRunId, { params: Object.entries(r.params).map(([key, v]) => ({ key, value: paramText(v).slice(0, 6000) })) });
      } else if (r.trackingRunId) {
        await tracking.updateRun(r.trackingRunId, { status: 'RUNNING' });
      }
      r.startedAt = clock.now();
      r.status = 'running';
      await store.updateRun(r.runId, { status: 'running', startedAt: r.startedAt, trackingRunId: r.trackingRunId, experimentId: r.experimentId });
      const datasetNames = [...new Set(Object.values(spec.steps).flatMap((s) => Object.values(s.inputs)).map(parseRef).filter((x) => x?.kind === 'dataset').map((x) => (x as { name: string }).name))];
      const datasets = await snapshotDatasets(spec, datasetNames, version.baseDir, this.deps.artifacts);
      if (fresh && datasets.size > 0) {
        await tracking.logInputs(r.trackingRunId!, {
          datasets: [...datasets.values()].map((d) => ({
            dataset: { name: d.name, digest: d.digest.replace(/^sha256:/, ''), sourceType: 'local', source: JSON.stringify({ uri: `file://${d.source}`, stored: `mlflow-artifacts:/${d.artifactPath}`, size: d.sizeBytes }) },
            tags: [{ key: 'mlflow.data.context', value: 'training' }],
          })),
        });
      }
      const digests = new CodeDigests();
      const ctx: RunContext = { deps: this.deps, run: r, version, params: r.params, steps: new Map(steps.map((s) => [s.stepName, s])), datasets, digests, lockfile: await lockfileDigest(spec, version.baseDir, digests), signal };
      status = await scheduleRun(ctx);
      if (signal.aborted && signal.reason instanceof Error && signal.reason.message === 'server stopping') {
        status = 'failed';
        error = 'interrupted: the server stopped; resume the run to continue';
      } else if (status === 'failed') {
        error = ctx.steps.size ? [...ctx.steps.values()].filter((s) => s.status === 'failed').map((s) => `${s.stepName}: ${s.error ?? 'failed'}`).join('; ').slice(0, 2000) : null;
      }
    } catch (err) {
      status = 'failed';
      error = isAscentError(err) ? err.message : `run failed: ${(err as Error).message}`;
    }
    r.status = status;
    r.error = error;
    r.finishedAt = clock.now();
    await store.updateRun(r.runId, { status, error, finishedAt: r.finishedAt });
    if (r.trackingRunId) await tracking.updateRun(r.trackingRunId, { status: status === 'succeeded' ? 'FINISHED' : status === 'cancelled' ? 'KILLED' : 'FAILED', endTime: r.finishedAt }).catch(() => undefined);
    for (const l of this.listeners) {
      try {
        await l({ ...r });
      } catch {
        // A listener's failure must not affect the run or other listeners.
      }
    }
  }

  private async experimentFor(spec: PipelineSpec): Promise<string> {
    const name = spec.experiment ?? `pipeline/${spec.name}`;
    try {
      return (await this.deps.tracking.getExperimentByName(name)).experimentId;
    } catch (err) {
      if (!isAscentError(err) || err.code !== 'NOT_FOUND') throw err;
    }
    try {
      return await this.deps.tracking.createExperiment({ name, tags: [{ key: 'ascent.pipeline', value: spec.name }] });
    } catch (err) {
      if (isAscentError(err) && err.code === 'ALREADY_EXISTS') return (await this.deps.tracking.getExperimentByName(name)).experimentId;
      throw err;
    }
  }
}

/** The commit of the pipeline's code (and whether the tree had changes), as MLflow tags. */
async function gitTags(dir: string): Promise<{ key: string; value: string }[]> {
  try {
    const { stdout: commit } = await run('git', ['rev-parse', 'HEAD'], { cwd: dir, timeout: 5000 });
    const { stdout: status } = await run('git', ['status', '--porcelain', '--', '.'], { cwd: dir, timeout: 5000 });
    return [{ key: 'mlflow.source.git.commit', value: commit.trim() }, { key: 'ascent.git.dirty', value: String(status.trim().length > 0) }];
  } catch {
    return [];
  }
}
