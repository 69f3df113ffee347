import { isAscentError } from '../core/errors.js';
import type { StepRun } from './model.js';
import { parseGate } from './parse-pipeline.js';
import { parseRef } from './refs.js';
import type { RunContext } from './run-context.js';

/**
 * The built-in `register` step: registers an upstream model output as a new version of a
 * registered model, with the producing step's tracking run as the version's run (so registry
 * lineage reaches that run, its parent pipeline run and their dataset inputs). Optional metric
 * gates on the producing run decide whether it registers at all.
 */
export async function runRegisterStep(ctx: RunContext, stepRun: StepRun, log: (line: string) => void, update: (patch: Partial<StepRun>) => Promise<boolean>): Promise<void> {
  const { tracking, registry, clock } = ctx.deps;
  const spec = ctx.version.spec.steps[stepRun.baseStep]!.register!;
  const ref = parseRef(spec.model);
  if (ref?.kind !== 'output') throw new Error(`register.model '${spec.model}' must name a step output`);
  const producers = [...ctx.steps.values()].filter((s) => s.baseStep === ref.step);
  if (producers.length !== 1) throw new Error(`register.model must come from a single step run, '${ref.step}' has ${producers.length}`);
  const producer = producers[0]!;
  const output = producer.outputs.find((o) => o.name === ref.output);
  if (!output) throw new Error(`step '${ref.step}' recorded no output '${ref.output}'`);
  // On a cache hit the model was produced by the earlier run: lineage points there.
  const source = producer.cachedFrom ? await ctx.deps.store.getStepRun(producer.cachedFrom) : producer;
  const modelRunId = source?.trackingRunId ?? producer.trackingRunId;
  const conditions = spec.when === undefined ? [] : Array.isArray(spec.when) ? spec.when : [spec.when];
  if (conditions.length > 0) {
    const metrics = modelRunId ? (await tracking.getRun(modelRunId)).data.metrics : [];
    for (const text of conditions) {
      const gate = parseGate(text)!;
      const metric = metrics.find((m) => m.key === gate.metric);
      const passed = metric !== undefined && compare(metric.value, gate.op, gate.value);
      log(`gate '${text}': ${metric === undefined ? 'metric not logged' : `${gate.metric} = ${metric.value}`} → ${passed ? 'passed' : 'not met'}`);
      if (!passed) {
        await update({ status: 'skipped', cacheStatus: 'disabled', error: `gate not met: ${text} (${metric === undefined ? 'metric not logged' : `${gate.metric} = ${metric.value}`})`, finishedAt: clock.now() });
        return;
      }
    }
  }
  const actor = { user: `pipeline:${ctx.run.pipelineName}`, reason: `pipeline run ${ctx.run.runId}` };
  try {
    await registry.createModel({ name: spec.name, description: spec.description ?? `Registered by pipeline ${ctx.run.pipelineName}` }, actor);
  } catch (err) {
    if (!isAscentError(err) || err.code !== 'ALREADY_EXISTS') throw err;
  }
  const version = await registry.createVersion({
    name: spec.name,
    source: `mlflow-artifacts:/${output.artifactPath}`,
    runId: modelRunId,
    description: spec.description ?? null,
    tags: [
      { key: 'ascent.pipeline', value: ctx.run.pipelineName },
      { key: 'ascent.pipeline.run_id', value: ctx.run.runId },
      { key: 'ascent.pipeline.output', value: spec.model },
      { key: 'ascent.output.digest', value: output.digest },
    ],
  }, actor);
  log(`registered ${spec.name} version ${version.version} from ${spec.model} (${output.digest})`);
  if (stepRun.trackingRunId) await tracking.setTag(stepRun.trackingRunId, { key: 'ascent.registered_model_version', value: `${spec.name}/${version.version}` });
  await update({
    status: 'succeeded',
    cacheStatus: 'disabled',
    cacheReason: 'register steps always run',
    outputs: [{ name: 'model_version', artifactPath: `models:/${spec.name}/${version.version}`, digest: output.digest, sizeBytes: output.sizeBytes, isDir: output.isDir }],
    finishedAt: clock.now(),
  });
}

function compare(a: number, op: string, b: number): boolean {
  switch (op) {
    case '>=': return a >= b;
    case '>': return a > b;
    case '<=': return a <= b;
    case '<': return a < b;
    case '==': return a === b;
    default: return a !== b;
  }
}
