import type { PipelineRunStatus, StepRun } from './model.js';
import { upstreamOf } from './parse-pipeline.js';
import type { RunContext } from './run-context.js';
import { runStep } from './step-runner.js';

const DONE = new Set<StepRun['status']>(['succeeded', 'failed', 'cancelled', 'skipped']);

/**
 * Drive one run's DAG: start every step whose upstream steps succeeded, at most `concurrency` at
 * once; a step whose upstream failed, was cancelled or was skipped is skipped. Resolves with the
 * run's final status once no step can make progress.
 */
export async function scheduleRun(ctx: RunContext): Promise<PipelineRunStatus> {
  const spec = ctx.version.spec;
  const deps = new Map<string, string[]>();
  for (const s of ctx.steps.values()) {
    const ups = upstreamOf(spec, s.baseStep);
    deps.set(s.stepName, [...ctx.steps.values()].filter((o) => ups.includes(o.baseStep)).map((o) => o.stepName));
  }
  const running = new Map<string, Promise<void>>();
  const limit = Math.max(1, ctx.run.concurrency);
  for (;;) {
    if (ctx.signal.aborted) {
      // Steps already handed to runStep end themselves (they see the aborted signal).
      for (const s of ctx.steps.values()) if (s.status === 'pending' && !running.has(s.stepName)) await mark(ctx, s, 'cancelled', 'run cancelled');
    }
    let progressed = false;
    for (const s of ctx.steps.values()) {
      if (s.status !== 'pending' || running.has(s.stepName)) continue;
      const ups = deps.get(s.stepName)!.map((n) => ctx.steps.get(n)!);
      const blocked = ups.find((u) => u.status === 'failed' || u.status === 'cancelled' || u.status === 'skipped');
      if (blocked) {
        await mark(ctx, s, 'skipped', `upstream step '${blocked.stepName}' ${blocked.status}`);
        progressed = true;
        continue;
      }
      if (running.size >= limit || !ups.every((u) => u.status === 'succeeded')) continue;
      const p = runStep(ctx, s).finally(() => running.delete(s.stepName));
      running.set(s.stepName, p);
      progressed = true;
    }
    if (running.size === 0 && !progressed) break;
    if (!progressed || running.size >= limit) await Promise.race(running.values());
  }
  const statuses = [...ctx.steps.values()].map((s) => s.status);
  if (ctx.signal.aborted || statuses.includes('cancelled')) return statuses.includes('failed') ? 'failed' : 'cancelled';
  if (statuses.includes('failed')) return 'failed';
  if (statuses.some((st) => !DONE.has(st))) return 'failed';
  return 'succeeded';
}

async function mark(ctx: RunContext, s: StepRun, status: 'skipped' | 'cancelled', why: string): Promise<void> {
  const patch = { status, error: why, finishedAt: ctx.deps.clock.now() };
  if (await ctx.deps.store.updateStepRun(s.stepRunId, patch, { status: ['pending'] })) Object.assign(s, patch);
}
