import path from 'node:path';
import { PARENT_RUN_TAG } from '../tracking/model.js';
import { proxiedArtifactPath } from '../tracking/artifact-uri.js';
import { cacheKeyOf, cacheKeyParts, durationMs, splitCommand } from './cache-key.js';
import type { CacheKeyParts, StepRun } from './model.js';
import { foreachParam, parseRef, renderTemplate } from './refs.js';
import { runRegisterStep } from './register-step.js';
import { StepLog, type RunContext } from './run-context.js';
import { envName } from './step-attempt.js';
import type { StepTask, StepTaskInput } from './step-executor.js';

const DEFAULT_TIMEOUT_MS = 6 * 3_600_000;

/** Resolve a step's inputs: dataset snapshots and upstream outputs (all items of a foreach step). */
export function resolveInputs(ctx: RunContext, stepRun: StepRun): StepTaskInput[] {
  const step = ctx.version.spec.steps[stepRun.baseStep]!;
  const out: StepTaskInput[] = [];
  for (const [name, ref] of Object.entries(step.inputs)) out.push(...resolveRef(ctx, name, ref));
  return out;
}

export function resolveRef(ctx: RunContext, name: string, ref: string): StepTaskInput[] {
  const r = parseRef(ref)!;
  if (r.kind === 'dataset') {
    const d = ctx.datasets.get(r.name)!;
    return [{ name, artifactPath: d.artifactPath, digest: d.digest, isDir: d.isDir }];
  }
  if (r.kind !== 'output') return [];
  const producers = [...ctx.steps.values()].filter((s) => s.baseStep === r.step).sort((a, b) => (a.itemIndex ?? 0) - (b.itemIndex ?? 0));
  const fanIn = ctx.version.spec.steps[r.step]!.foreach !== undefined;
  return producers.map((p) => {
    const o = p.outputs.find((x) => x.name === r.output);
    if (!o) throw new Error(`step '${p.stepName}' recorded no output '${r.output}'`);
    return { name: fanIn ? `${name}/${p.itemIndex}` : name, artifactPath: o.artifactPath, digest: o.digest, isDir: o.isDir };
  });
}

/** Run one step to a final state: tracking run, cache lookup, attempts with retries, outputs. */
export async function runStep(ctx: RunContext, stepRun: StepRun): Promise<void> {
  const { deps, run, version } = ctx;
  const spec = version.spec;
  const step = spec.steps[stepRun.baseStep]!;
  const log = await StepLog.open(deps.store, stepRun.stepRunId, deps.clock);
  const item = stepRun.itemIndex === null ? undefined : (ctx.params[foreachParam(step.foreach!)] as unknown[])[stepRun.itemIndex];
  const update = async (patch: Partial<StepRun>, expect?: Parameters<typeof deps.store.updateStepRun>[2]): Promise<boolean> => {
    const ok = await deps.store.updateStepRun(stepRun.stepRunId, patch, expect);
    if (ok) Object.assign(stepRun, patch);
    return ok;
  };
  try {
    const inputs = resolveInputs(ctx, stepRun);
    const startedAt = deps.clock.now();
    const tracking = await openStepTrackingRun(ctx, stepRun, item, inputs);
    if (step.register) {
      await update({ trackingRunId: tracking.runId, startedAt, status: 'running' });
      await runRegisterStep(ctx, stepRun, (line) => log.write(stepRun.attempts, 'system', line), update);
      await endTracking(ctx, tracking.runId, stepRun.status);
      return;
    }
    const cache = cachePolicy(step.cache);
    const parts = await cacheKeyParts({ spec, stepName: stepRun.baseStep, baseDir: version.baseDir, params: ctx.params, item, inputs, lockfile: ctx.lockfile, digests: ctx.digests });
    const key = cacheKeyOf(parts);
    // One write per decision: the key, its parts and the cache outcome land together.
    const begun = { trackingRunId: tracking.runId, startedAt, cacheKey: key, cacheParts: parts };
    if (cache.enabled) {
      const hit = await lookupCache(ctx, key);
      if (hit.source) {
        await update({ ...begun, status: 'succeeded', cacheStatus: 'hit', cacheReason: hit.reason, cachedFrom: hit.source.stepRunId, outputs: hit.source.outputs, executedBy: 'cache', finishedAt: deps.clock.now() });
        log.write(stepRun.attempts, 'system', `cache hit: ${hit.reason}`);
        await recordHit(ctx, hit.source, tracking.runId);
        await endTracking(ctx, tracking.runId, 'succeeded');
        return;
      }
      await update({ ...begun, status: 'running', cacheStatus: 'miss', cacheReason: hit.reason });
      log.write(stepRun.attempts, 'system', `cache miss: ${hit.reason}`);
    } else {
      await update({ ...begun, status: 'running', cacheStatus: 'disabled', cacheReason: 'caching is off for this step' });
    }
    const retries = typeof step.retries === 'number' ? { max: step.retries } : step.retries ?? { max: 0 };
    const backoff = durationMs(typeof step.retries === 'object' ? step.retries.backoff : undefined, 1000);
    const factor = typeof step.retries === 'object' ? step.retries.factor ?? 2 : 2;
    const firstAttempt = stepRun.attempts + 1;
    for (let n = 0; ; n++) {
      const attempt = firstAttempt + n;
      if (ctx.signal.aborted) break;
      if (!(await update({ attempts: attempt, status: 'running', error: null }, { status: ['running'] }))) return;
      const task = buildTask(ctx, stepRun, attempt, item, inputs, tracking);
      const started = deps.clock.now();
      const result = await deps.executor.execute(task, {
        onLog: (stream, line) => log.write(attempt, stream, line),
        signal: ctx.signal,
        logMetric: (k, value, s) => deps.tracking.logMetric(tracking.runId, { key: k, value, step: s, timestamp: deps.clock.now() }),
      });
      if (result.status === 'succeeded') {
        // Fenced on the attempt: a superseded attempt's outputs are never recorded.
        const ok = await update({ status: 'succeeded', outputs: result.outputs, executedBy: result.executedBy, finishedAt: deps.clock.now() }, { status: ['running'], attempts: attempt });
        if (ok && cache.enabled) {
          await deps.store.putCacheEntry({ cacheKey: key, pipelineName: run.pipelineName, stepName: stepRun.baseStep, stepRunId: stepRun.stepRunId, createdAt: deps.clock.now(), expiresAt: cache.expireMs ? deps.clock.now() + cache.expireMs : null, invalidatedAt: null });
        }
        log.write(attempt, 'system', `attempt ${attempt} succeeded in ${deps.clock.now() - started} ms on ${result.executedBy}`);
        await endTracking(ctx, tracking.runId, 'succeeded');
        return;
      }
      const why = result.error ?? result.status;
      log.write(attempt, 'system', `attempt ${attempt} ${result.status}: ${why}`);
      if (result.status === 'cancelled' || ctx.signal.aborted) break;
      if (n >= retries.max) {
        await update({ status: 'failed', error: why, executedBy: result.executedBy, finishedAt: deps.clock.now() }, { status: ['running'], attempts: attempt });
        await endTracking(ctx, tracking.runId, 'failed');
        return;
      }
      const wait = Math.round(backoff * factor ** n);
      log.write(attempt, 'system', `retrying in ${wait} ms (${retries.max - n} retr${retries.max - n === 1 ? 'y' : 'ies'} left)`);
      await sleep(wait, ctx.signal);
    }
    await update({ status: 'cancelled', error: 'cancelled', finishedAt: deps.clock.now() });
    await endTracking(ctx, tracking.runId, 'cancelled');
  } catch (err) {
    log.write(stepRun.attempts, 'system', `step error: ${(err as Error).message}`);
    await update({ status: 'failed', error: (err as Error).message.slice(0, 2000), finishedAt: deps.clock.now() });
    if (stepRun.trackingRunId) await endTracking(ctx, stepRun.trackingRunId, 'failed').catch(() => undefined);
  } finally {
    await log.flush();
  }
}

function cachePolicy(c: boolean | { enabled?: boolean; expire?: string | number } | undefined): { enabled: boolean; expireMs: number | null } {
  if (c === undefined || c === true) return { enabled: true, expireMs: null };
  if (c === false) return { enabled: false, expireMs: null };
  return { enabled: c.enabled ?? true, expireMs: c.expire === undefined ? null : durationMs(c.expire, 0) };
}

/** A live entry whose outputs still exist is a hit; otherwise the reason it is not. */
async function lookupCache(ctx: RunContext, key: string): Promise<{ source: StepRun | null; reason: string }> {
  const { store, artifacts, clock } = ctx.deps;
  const entry = await store.getCacheEntry(key);
  if (!entry) return { source: null, reason: 'no earlier step ran with this key' };
  if (entry.invalidatedAt !== null) return { source: null, reason: `the entry for this key was invalidated at ${new Date(entry.invalidatedAt).toISOString()}` };
  if (entry.expiresAt !== null && entry.expiresAt <= clock.now()) return { source: null, reason: `the entry for this key expired at ${new Date(entry.expiresAt).toISOString()}` };
  const source = await store.getStepRun(entry.stepRunId);
  if (!source || source.status !== 'succeeded') return { source: null, reason: `the step run ${entry.stepRunId} behind this key is gone` };
  for (const o of source.outputs) {
    if (!(await artifacts.stat(o.artifactPath))) return { source: null, reason: `cached output '${o.name}' is missing from the artifact store (${o.artifactPath})` };
  }
  return { source, reason: `same key as step ${source.stepName} of run ${source.runId} (outputs verified in the artifact store)` };
}

async function openStepTrackingRun(ctx: RunContext, stepRun: StepRun, item: unknown, inputs: StepTaskInput[]): Promise<{ runId: string; experimentId: string; artifactUri: string }> {
  const { tracking } = ctx.deps;
  if (stepRun.trackingRunId) {
    // A resumed step keeps its tracking run.
    await tracking.updateRun(stepRun.trackingRunId, { status: 'RUNNING' });
    const info = await tracking.getRunInfo(stepRun.trackingRunId);
    return { runId: info.runId, experimentId: info.experimentId, artifactUri: info.artifactUri };
  }
  const run = await tracking.createRun({
    experimentId: ctx.run.experimentId!,
    runName: `${ctx.run.pipelineName}/${stepRun.stepName}`,
    tags: [
      { key: PARENT_RUN_TAG, value: ctx.run.trackingRunId! },
      { key: 'ascent.pipeline', value: ctx.run.pipelineName },
      { key: 'ascent.pipeline.run_id', value: ctx.run.runId },
      { key: 'ascent.pipeline.step', value: stepRun.stepName },
      { key: 'mlflow.user', value: `pipeline:${ctx.run.pipelineName}` },
    ],
  });
  const step = ctx.version.spec.steps[stepRun.baseStep]!;
  const names = step.params ?? Object.keys(ctx.version.spec.params);
  const params = names.map((k) => ({ key: k, value: paramText(ctx.params[k]).slice(0, 6000) }));
  if (item !== undefined) params.push({ key: 'item', value: paramText(item) });
  if (params.length > 0) await tracking.logBatch(run.info.runId, { params });
  if (inputs.length > 0) {
    await tracking.logInputs(run.info.runId, {
      datasets: inputs.slice(0, 1000).map((i) => ({
        dataset: { name: i.name, digest: i.digest.replace(/^sha256:/, ''), sourceType: 'ascent-artifact', source: JSON.stringify({ uri: `mlflow-artifacts:/${i.artifactPath}` }) },
        tags: [{ key: 'mlflow.data.context', value: 'input' }],
      })),
    });
  }
  return { runId: run.info.runId, experimentId: run.info.experimentId, artifactUri: run.info.artifactUri };
}

function buildTask(ctx: RunContext, stepRun: StepRun, attempt: number, item: unknown, inputs: StepTaskInput[], tracking: { runId: string; experimentId: string; artifactUri: string }): StepTask {
  const spec = ctx.version.spec;
  const step = spec.steps[stepRun.baseStep]!;
  const env: Record<string, string> = {
    ASCENT_PIPELINE: ctx.run.pipelineName,
    ASCENT_PIPELINE_RUN_ID: ctx.run.runId,
    ASCENT_STEP: stepRun.stepName,
    ASCENT_PARAMS: JSON.stringify(ctx.params),
    MLFLOW_RUN_ID: tracking.runId,
    // mlflow removes MLFLOW_RUN_ID from os.environ once it resumes the run; this copy stays.
    ASCENT_TRACKING_RUN_ID: tracking.runId,
    MLFLOW_EXPERIMENT_ID: tracking.experimentId,
  };
  const uri = ctx.deps.trackingUri();
  if (uri) env.MLFLOW_TRACKING_URI = uri;
  for (const [k, v] of Object.entries(ctx.params)) env[`ASCENT_PARAM_${envName(k)}`] = paramText(v);
  if (item !== undefined) {
    env.ASCENT_ITEM = JSON.stringify(item);
    env.ASCENT_ITEM_INDEX = String(stepRun.itemIndex);
  }
  for (const [k, v] of Object.entries(step.env)) env[k] = renderTemplate(v, ctx.params, item);
  const base = proxiedArtifactPath(tracking.artifactUri) ?? `pipelines/${ctx.run.runId}/${stepRun.stepRunId}`;
  const common = {
    pipelineRunId: ctx.run.runId, stepRunId: stepRun.stepRunId, stepName: stepRun.stepName, attempt,
    cwd: path.resolve(ctx.version.baseDir, step.cwd ?? '.'), env, params: ctx.params as Record<string, unknown>, inputs,
    outputs: Object.entries(step.outputs).map(([name, o]) => (typeof o === 'string' ? { name, path: o } : { name, path: o.path, isDir: o.dir ?? false })),
    outputPrefix: attempt === 1 ? `${base}/outputs` : `${base}/outputs-attempt-${attempt}`,
    timeoutMs: durationMs(step.timeout, DEFAULT_TIMEOUT_MS),
  };
  if (step.function) return { ...common, kind: 'function', module: path.resolve(ctx.version.baseDir, step.function.module), exportName: step.function.export };
  const argv = typeof step.run === 'string' ? splitCommand(step.run) : step.run!;
  return { ...common, kind: 'command', command: argv.map((a) => renderTemplate(a, ctx.params, item)) };
}

/** On a hit, the step's run gets the source run's metrics (so gates and comparisons see them) and a tag naming the source. */
async function recordHit(ctx: RunContext, source: StepRun, toRunId: string): Promise<void> {
  const from = source.trackingRunId ? await ctx.deps.tracking.getRun(source.trackingRunId).catch(() => null) : null;
  const metrics = (from?.data.metrics ?? []).filter((m) => Number.isFinite(m.value)).slice(0, 900);
  await ctx.deps.tracking.logBatch(toRunId, {
    metrics: metrics.map((m) => ({ key: m.key, value: m.value, step: m.step, timestamp: m.timestamp })),
    tags: [{ key: 'ascent.cache', value: `hit from ${source.stepRunId}` }],
  });
}

export async function endTracking(ctx: RunContext, runId: string, status: StepRun['status']): Promise<void> {
  const mlflowStatus = status === 'succeeded' || status === 'skipped' ? 'FINISHED' : status === 'cancelled' ? 'KILLED' : 'FAILED';
  await ctx.deps.tracking.updateRun(runId, { status: mlflowStatus, endTime: ctx.deps.clock.now() });
}

export const paramText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export type { CacheKeyParts };
