import { AscentError, isAscentError } from '../core/errors.js';
import type { Experiment, RunStatus } from '../tracking/model.js';
import { checkUser, defaultUser, USER_HEADER } from './acting-user.js';
import { ApprovalsApi } from './approvals-api.js';
import { DeploymentsApi } from './deployments-api.js';
import { ExperimentsApi } from './experiments-api.js';
import { HttpTransport, type FetchLike, type RetryPolicy } from './http-transport.js';
import { toKeyValues, type KeyValues } from './key-values.js';
import { LoggedModelsApi } from './logged-models-api.js';
import { ModelsApi } from './models-api.js';
import { MonitoringApi } from './monitoring-api.js';
import { ProjectsApi } from './projects-api.js';
import { PipelinesApi } from './pipelines-api.js';
import { PipelineTriggersApi } from './pipeline-triggers-api.js';
import { RunHandle, type RunHandleOptions } from './run-handle.js';
import { RunsApi } from './runs-api.js';

/** Options of an AscentClient. */
export interface AscentClientOptions {
  /** The server's URL, e.g. `http://127.0.0.1:5000`. */
  baseUrl: string;
  /** A `fetch` to use instead of the global one. */
  fetch?: FetchLike;
  /** Headers sent with every request (authentication, tracing). */
  headers?: Record<string, string>;
  /**
   * The acting user, sent as `x-ascent-user` and recorded on every registry change and approval.
   * Default: env `ASCENT_USER`, else the OS user; `null` sends none (the server then records `anonymous`).
   */
  user?: string | null;
  /** Per-attempt timeout in ms, body included. Default 30,000. */
  timeoutMs?: number;
  /** Retry policy for network failures and 429/503 answers. */
  retry?: Partial<RetryPolicy>;
}

/** Options of `startRun`; the experiment is found or created by name, or given by id. */
export interface StartRunOptions extends RunHandleOptions {
  experimentName?: string;
  /** Used when no `experimentName` is given; the default experiment "0" when neither is. */
  experimentId?: string;
  runName?: string;
  tags?: KeyValues;
  /** Makes the new run a child of this one (tag `mlflow.parentRunId`). */
  parentRunId?: string;
  userId?: string;
}

const PARENT_RUN_TAG = 'mlflow.parentRunId';
const SOURCE_NAME_TAG = 'mlflow.source.name';
const SOURCE_TYPE_TAG = 'mlflow.source.type';

/** The OS user and entry script under Node; nothing in a browser. */
function processInfo(): { user?: string; script?: string } {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined>; argv?: string[] } }).process;
  const user = proc?.env?.USER || proc?.env?.USERNAME || proc?.env?.LOGNAME;
  const script = proc?.argv?.[1];
  return { ...(user ? { user } : {}), ...(script ? { script } : {}) };
}

/**
 * AscentClient is the typed client of Ascent's native API (`/api/v1`): grouped raw calls
 * (`projects`, `experiments`, `runs`, `loggedModels`, `models`, `approvals`) and a tracking layer
 * for training code (`startRun`, `withRun`, `getOrCreateExperiment`). Failed calls throw AscentError with the
 * server's code; an unreachable server throws AscentConnectionError.
 */
export class AscentClient {
  readonly projects: ProjectsApi;
  readonly experiments: ExperimentsApi;
  readonly runs: RunsApi;
  readonly loggedModels: LoggedModelsApi;
  /** The model registry: models, versions, aliases, history, lineage, packages. */
  readonly models: ModelsApi;
  /** Approval rules on aliases and stages, requests and decisions. */
  readonly approvals: ApprovalsApi;
  /** Serving: deployments, traffic, rollback, predict, feedback, inference log. */
  readonly deployments: DeploymentsApi;
  /** Pipelines: definitions, runs, step logs, cache explanations. */
  readonly pipelines: PipelinesApi;
  /** Pipeline schedules and triggers: cron, new data, upstream success, events; firing history. */
  readonly pipelineTriggers: PipelineTriggersApi;
  /** Monitoring: monitors per deployment, reference profiles, drift/performance reports, alerts. */
  readonly monitoring: MonitoringApi;
  /** The acting user sent with every request, if any. */
  readonly user: string | undefined;
  private readonly http: HttpTransport;

  constructor(options: AscentClientOptions) {
    const user = options.user === null ? undefined : (options.user ?? defaultUser());
    this.user = user === undefined ? undefined : checkUser(user);
    // Headers the caller gives explicitly win, like any header they set.
    const headers = { ...(this.user !== undefined ? { [USER_HEADER]: this.user } : {}), ...options.headers };
    this.http = new HttpTransport({ ...options, headers });
    this.projects = new ProjectsApi(this.http);
    this.experiments = new ExperimentsApi(this.http);
    this.runs = new RunsApi(this.http);
    this.loggedModels = new LoggedModelsApi(this.http);
    this.models = new ModelsApi(this.http);
    this.approvals = new ApprovalsApi(this.http);
    this.deployments = new DeploymentsApi(this.http);
    this.pipelines = new PipelinesApi(this.http);
    this.pipelineTriggers = new PipelineTriggersApi(this.http);
    this.monitoring = new MonitoringApi(this.http);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /**
   * The active experiment with this name, created if missing (safe when several processes race).
   * A deleted experiment of that name is refused with INVALID_STATE: restore it or pick a new name.
   */
  async getOrCreateExperiment(name: string): Promise<Experiment> {
    const existing = await this.findExperiment(name);
    if (existing) return checkActive(existing);
    try {
      return await this.experiments.get(await this.experiments.create(name));
    } catch (err) {
      // Another process created it between our lookup and our create.
      if (isAscentError(err) && err.code === 'ALREADY_EXISTS') return checkActive(await this.experiments.getByName(name));
      throw err;
    }
  }

  /** Create a run and return a handle that logs to it. */
  async startRun(options: StartRunOptions = {}): Promise<RunHandle> {
    const experimentId = options.experimentName
      ? (await this.getOrCreateExperiment(options.experimentName)).experimentId
      : options.experimentId;
    const tags = toKeyValues(options.tags);
    if (options.parentRunId) tags.push({ key: PARENT_RUN_TAG, value: options.parentRunId });
    // What mlflow's fluent API records about where a run came from, when the caller did not say.
    const env = processInfo();
    for (const [key, value] of [[SOURCE_NAME_TAG, env.script], [SOURCE_TYPE_TAG, env.script ? 'LOCAL' : undefined]] as const) {
      if (value && !tags.some((t) => t.key === key)) tags.push({ key, value });
    }
    const userId = options.userId ?? env.user;
    const run = await this.runs.create({
      ...(experimentId !== undefined ? { experimentId } : {}),
      ...(options.runName !== undefined ? { runName: options.runName } : {}),
      ...(userId !== undefined ? { userId } : {}),
      tags,
    });
    return new RunHandle(this.runs, run, options);
  }

  /** Reopen an existing run (status back to RUNNING) to log more to it. */
  async resumeRun(runId: string, options: RunHandleOptions = {}): Promise<RunHandle> {
    const run = await this.runs.get(runId);
    if (run.info.status !== 'RUNNING') await this.runs.update(runId, { status: 'RUNNING' });
    return new RunHandle(this.runs, run, options);
  }

  /**
   * Start a run, pass it to `train`, and end it FINISHED, or FAILED if `train` throws (the error
   * is rethrown) — the `with mlflow.start_run():` of TypeScript.
   */
  async withRun<T>(options: StartRunOptions, train: (run: RunHandle) => Promise<T>): Promise<T> {
    const run = await this.startRun(options);
    let result: T;
    try {
      result = await train(run);
    } catch (err) {
      await run.end('FAILED').catch(() => undefined);
      throw err;
    }
    await run.end('FINISHED' satisfies RunStatus);
    return result;
  }

  private async findExperiment(name: string): Promise<Experiment | undefined> {
    try {
      return await this.experiments.getByName(name);
    } catch (err) {
      if (isAscentError(err) && err.code === 'NOT_FOUND') return undefined;
      throw err;
    }
  }
}

function checkActive(experiment: Experiment): Experiment {
  if (experiment.lifecycleStage !== 'active') {
    throw new AscentError(
      'INVALID_STATE',
      `Experiment '${experiment.name}' (id ${experiment.experimentId}) is deleted; restore it or use another name`,
    );
  }
  return experiment;
}
