import type { Pipeline, PipelineRun, PipelineRunStatus, PipelineVersion, StepLogLine, StepRun, TriggerKind } from '../pipelines/model.js';
import type { StepExplanation } from '../pipelines/explain.js';
import type { HttpTransport } from './http-transport.js';
import { seg } from './key-values.js';

export type { Pipeline, PipelineRun, PipelineRunStatus, PipelineVersion, StepLogLine, StepRun, StepExplanation, TriggerKind };

/** A run with its steps and the DAG edges between them. */
export interface PipelineRunDetail {
  run: PipelineRun;
  steps: StepRun[];
  dag: { step: string; upstream: string[] }[];
}

/** A pipeline in `pipelines.list`, with its latest run. */
export type PipelineSummary = Pipeline & { lastRun: { runId: string; status: PipelineRunStatus; createdAt: number } | null };

/** Body of `pipelines.register`: YAML text or a definition object (from `definePipeline`). */
export interface RegisterPipelineParams {
  yaml?: string;
  definition?: unknown;
  /** Absolute folder on the server's machine that the definition's relative paths resolve against. */
  baseDir: string;
  /** File name, for error messages. */
  file?: string;
}

/** Options of `pipelines.run`. */
export interface RunPipelineOptions {
  params?: Record<string, string | number | boolean | (string | number | boolean)[]>;
  version?: number;
  concurrency?: number;
  trigger?: { kind: TriggerKind; detail?: Record<string, unknown> };
}

const FINAL = new Set<PipelineRunStatus>(['succeeded', 'failed', 'cancelled']);

/** PipelinesApi groups the native API's pipeline routes (`client.pipelines`). */
export class PipelinesApi {
  constructor(private readonly http: HttpTransport) {}

  async list(): Promise<PipelineSummary[]> {
    return (await this.http.json<{ items: PipelineSummary[] }>({ method: 'GET', path: '/pipelines' })).items;
  }

  get(name: string): Promise<{ pipeline: Pipeline; latest: PipelineVersion; versions: Omit<PipelineVersion, 'spec' | 'source'>[] }> {
    return this.http.json({ method: 'GET', path: `/pipelines/${seg(name)}` });
  }

  /** Store a definition; an identical one keeps its version. Validation errors name the line and field. */
  register(params: RegisterPipelineParams): Promise<PipelineVersion> {
    return this.http.json({ method: 'POST', path: '/pipelines', json: params });
  }

  /** Start a run; it executes on the server. */
  run(name: string, options: RunPipelineOptions = {}): Promise<PipelineRun> {
    return this.http.json({ method: 'POST', path: `/pipelines/${seg(name)}/runs`, json: { ...options, trigger: options.trigger ?? { kind: 'api' } } });
  }

  async listRuns(query: { pipeline?: string; status?: PipelineRunStatus; limit?: number; offset?: number } = {}): Promise<PipelineRun[]> {
    const q: Record<string, string> = {};
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q[k] = String(v);
    return (await this.http.json<{ items: PipelineRun[] }>({ method: 'GET', path: '/pipeline-runs', query: q })).items;
  }

  getRun(runId: string): Promise<PipelineRunDetail> {
    return this.http.json({ method: 'GET', path: `/pipeline-runs/${seg(runId)}` });
  }

  cancel(runId: string): Promise<PipelineRun> {
    return this.http.json({ method: 'POST', path: `/pipeline-runs/${seg(runId)}/cancel`, json: {} });
  }

  /** Re-run a failed or cancelled run from the steps that did not succeed. */
  resume(runId: string): Promise<PipelineRun> {
    return this.http.json({ method: 'POST', path: `/pipeline-runs/${seg(runId)}/resume`, json: {} });
  }

  /** Log lines of one step after sequence number `after` (0: from the start). */
  logs(runId: string, step: string, options: { after?: number; limit?: number } = {}): Promise<{ step: StepRun; lines: StepLogLine[] }> {
    const q: Record<string, string> = {};
    if (options.after !== undefined) q.after = String(options.after);
    if (options.limit !== undefined) q.limit = String(options.limit);
    return this.http.json({ method: 'GET', path: `/pipeline-runs/${seg(runId)}/steps/${seg(step)}/logs`, query: q });
  }

  /** Why a step hit or missed the cache: its key's parts, diffed against the closest earlier key. */
  explain(runId: string, step: string): Promise<StepExplanation> {
    return this.http.json({ method: 'GET', path: `/pipeline-runs/${seg(runId)}/steps/${seg(step)}/explain` });
  }

  invalidateCache(name: string, step?: string): Promise<{ invalidated: number }> {
    return this.http.json({ method: 'POST', path: `/pipelines/${seg(name)}/cache/invalidate`, json: step ? { step } : {} });
  }

  /** Poll a run until it ends, calling `onUpdate` with each snapshot. */
  async wait(runId: string, options: { intervalMs?: number; timeoutMs?: number; onUpdate?: (detail: PipelineRunDetail) => void } = {}): Promise<PipelineRunDetail> {
    const deadline = Date.now() + (options.timeoutMs ?? 24 * 3_600_000);
    for (;;) {
      const detail = await this.getRun(runId);
      options.onUpdate?.(detail);
      if (FINAL.has(detail.run.status) || Date.now() > deadline) return detail;
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
    }
  }
}
