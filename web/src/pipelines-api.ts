// Type-only imports: the pipeline shapes are defined once, in the pipelines domain, and erased at build.
import type { Pipeline, PipelineRun, PipelineRunStatus, PipelineVersion, StepLogLine, StepRun } from '../../src/pipelines/model.js';
import type { StepExplanation } from '../../src/pipelines/explain.js';
import { request } from './api';

export type { Pipeline, PipelineRun, PipelineRunStatus, PipelineVersion, StepLogLine, StepRun, StepExplanation };

/** A pipeline with its latest run, as listed. */
export type PipelineSummary = Pipeline & { lastRun: { runId: string; status: PipelineRunStatus; createdAt: number } | null };

/** A run, its expanded steps and the DAG edges between them. */
export interface PipelineRunDetail {
  run: PipelineRun;
  steps: StepRun[];
  dag: { step: string; upstream: string[] }[];
}

/** The native pipelines API as the UI uses it. */
export const pipelinesApi = {
  list: async (signal?: AbortSignal) => (await request<{ items: PipelineSummary[] }>('GET', '/api/v1/pipelines', { signal })).items,
  get: (name: string, signal?: AbortSignal) =>
    request<{ pipeline: Pipeline; latest: PipelineVersion; versions: Omit<PipelineVersion, 'spec' | 'source'>[] }>('GET', `/api/v1/pipelines/${encodeURIComponent(name)}`, { signal }),
  runs: async (query: { pipeline?: string; limit?: number }, signal?: AbortSignal) =>
    (await request<{ items: PipelineRun[] }>('GET', '/api/v1/pipeline-runs', { query, signal })).items,
  run: (runId: string, signal?: AbortSignal) => request<PipelineRunDetail>('GET', `/api/v1/pipeline-runs/${encodeURIComponent(runId)}`, { signal }),
  logs: (runId: string, step: string, after: number, signal?: AbortSignal) =>
    request<{ step: StepRun; lines: StepLogLine[] }>('GET', `/api/v1/pipeline-runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(step)}/logs`, { query: { after, limit: 5000 }, signal }),
  explain: (runId: string, step: string, signal?: AbortSignal) =>
    request<StepExplanation>('GET', `/api/v1/pipeline-runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(step)}/explain`, { signal }),
  start: (name: string, params: Record<string, unknown> = {}) => request<PipelineRun>('POST', `/api/v1/pipelines/${encodeURIComponent(name)}/runs`, { body: { params, trigger: { kind: 'manual', detail: { via: 'ui' } } } }),
  cancel: (runId: string) => request<PipelineRun>('POST', `/api/v1/pipeline-runs/${encodeURIComponent(runId)}/cancel`, { body: {} }),
  resume: (runId: string) => request<PipelineRun>('POST', `/api/v1/pipeline-runs/${encodeURIComponent(runId)}/resume`, { body: {} }),
};

/** Run and step states in the colours of tracking run states. */
export const stateClass = (s: string): string =>
  ({ succeeded: 'finished', failed: 'failed', cancelled: 'killed', running: 'running', queued: 'scheduled', pending: 'scheduled', skipped: 'scheduled' })[s] ?? 'scheduled';
