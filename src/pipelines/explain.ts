import { diffKeyParts, type KeyPartChange } from './cache-key.js';
import type { CacheKeyParts, PipelineRun, StepRun } from './model.js';
import type { PipelineStore } from './store.js';

/** Why a step hit or missed the cache: its key's parts and the diff against the closest earlier key. */
export interface StepExplanation {
  runId: string;
  stepName: string;
  status: StepRun['status'];
  cacheStatus: StepRun['cacheStatus'];
  reason: string | null;
  cacheKey: string | null;
  parts: CacheKeyParts | null;
  cachedFrom: string | null;
  /** The earlier run of this step whose key differs in the fewest parts. */
  closest: { runId: string; stepRunId: string; stepName: string; cacheKey: string; changes: KeyPartChange[] } | null;
}

export async function explainStep(store: PipelineStore, run: PipelineRun, step: StepRun): Promise<StepExplanation> {
  const base: StepExplanation = {
    runId: run.runId, stepName: step.stepName, status: step.status, cacheStatus: step.cacheStatus, reason: step.cacheReason,
    cacheKey: step.cacheKey, parts: step.cacheParts, cachedFrom: step.cachedFrom, closest: null,
  };
  if (!step.cacheParts) return base;
  const previous = (await store.previousStepRuns(run.pipelineName, step.baseStep, 200))// Earlier runs only: a sibling foreach item of the same run is not an earlier key.
    .filter((p) => p.runId !== run.runId && (step.finishedAt === null || p.finishedAt === null || p.finishedAt <= step.finishedAt || p.stepRunId === step.cachedFrom));
  let best: StepExplanation['closest'] = null;
  for (const p of previous) {
    const changes = diffKeyParts(p.cacheParts, step.cacheParts);
    // Prefer the step's own source on a hit, then the fewest differences, then the same item.
    const score = (p.stepRunId === step.cachedFrom ? -1000 : changes.length * 2) + (p.stepName === step.stepName ? 0 : 1);
    const bestScore = best ? (best.stepRunId === step.cachedFrom ? -1000 : best.changes.length * 2) + (best.stepName === step.stepName ? 0 : 1) : Infinity;
    if (score < bestScore) best = { runId: p.runId, stepRunId: p.stepRunId, stepName: p.stepName, cacheKey: p.cacheKey, changes };
  }
  return { ...base, closest: best };
}
