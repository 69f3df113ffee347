import type { Command } from 'commander';
import type { AscentClient, PipelineRunDetail, StepRun } from '../sdk/index.js';
import { clientFor, optionsOf, positiveInt, repeatable, withUrl } from './client-command-context.js';
import { formatDuration, formatTime, printJson, printLine, printSection, renderTable } from './client-command-output.js';
import { looksLikeFile, parseParamFlags, readPipelineSource } from './pipelines-source.js';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** `ascent pipelines …`: define, run and inspect pipelines. */
export function registerPipelinesCommand(program: Command): void {
  const pipelines = program.command('pipelines').description('training pipelines: run, list, show, logs, explain, cancel, resume');

  withUrl(
    pipelines
      .command('run')
      .description('register a pipeline file (YAML, or a module exporting definePipeline(...)) and run it, or run a stored pipeline by name; shows live progress')
      .argument('<file-or-name>')
      .option('-p, --param <name=value>', 'a parameter value (repeatable); lists as a,b,c or JSON', repeatable, [])
      .option('--concurrency <n>', 'steps running at once')
      .option('--detach', 'start the run and return its id without waiting')
      .option('--json', 'print the final run (or the started run with --detach) as JSON'),
  ).action(async (target: string, opts: { param: string[]; concurrency?: string; detach?: boolean; json?: boolean }, cmd: Command) => {
    const client = clientFor(optionsOf(cmd));
    let name = target;
    if (looksLikeFile(target)) {
      const version = await client.pipelines.register(await readPipelineSource(target));
      name = version.name;
      if (!opts.json) printLine(`Pipeline ${version.name} version ${version.version} (${version.digest.slice(0, 19)})`);
    }
    const run = await client.pipelines.run(name, { params: parseParamFlags(opts.param), trigger: { kind: 'manual', detail: { via: 'cli' } }, ...(opts.concurrency ? { concurrency: positiveInt(opts.concurrency, '--concurrency', 1) } : {}) });
    if (opts.detach) return opts.json ? printJson(run) : printLine(run.runId);
    if (!opts.json) printLine(`Run ${run.runId} started; follow it in the UI at ${client.baseUrl}/pipelines/runs/${run.runId}`);
    const final = await follow(client, run.runId, !opts.json);
    if (opts.json) printJson(final);
    else printSteps(final);
    if (final.run.status !== 'succeeded') process.exitCode = 1;
  });

  withUrl(
    pipelines
      .command('ls')
      .description('list pipelines, or the runs of one pipeline')
      .argument('[pipeline]')
      .option('--limit <n>', 'runs to list', '20')
      .option('--json', 'print JSON'),
  ).action(async (pipeline: string | undefined, opts: { limit: string; json?: boolean }, cmd: Command) => {
    const client = clientFor(optionsOf(cmd));
    if (pipeline) {
      const runs = await client.pipelines.listRuns({ pipeline, limit: positiveInt(opts.limit, '--limit', 20) });
      if (opts.json) return printJson(runs);
      if (runs.length === 0) return printLine(`Pipeline ${pipeline} has no runs.`);
      return printLine(renderTable(
        [{ header: 'RUN', minWidth: 24 }, { header: 'STATUS' }, { header: 'VERSION' }, { header: 'TRIGGER' }, { header: 'STARTED', minWidth: 19 }, { header: 'DURATION' }],
        runs.map((r) => [r.runId, r.status, String(r.version), r.trigger.kind, formatTime(r.startedAt ?? r.createdAt), r.startedAt ? formatDuration(r.startedAt, r.finishedAt) : '-']),
      ));
    }
    const items = await client.pipelines.list();
    if (opts.json) return printJson(items);
    if (items.length === 0) return printLine('No pipelines yet: ascent pipelines run <pipeline.yaml>');
    printLine(renderTable(
      [{ header: 'PIPELINE', minWidth: 16 }, { header: 'VERSION' }, { header: 'LAST RUN', minWidth: 24 }, { header: 'STATUS' }, { header: 'UPDATED', minWidth: 19 }, { header: 'DESCRIPTION' }],
      items.map((p) => [p.name, String(p.latestVersion), p.lastRun?.runId ?? '-', p.lastRun?.status ?? '-', formatTime(p.updatedAt), p.description || '-']),
    ));
  });

  withUrl(pipelines.command('show').description('show a run: its steps, cache decisions, attempts and tracking runs').argument('<run>').option('--json', 'print JSON')).action(
    async (runId: string, opts: { json?: boolean }, cmd: Command) => {
      const detail = await clientFor(optionsOf(cmd)).pipelines.getRun(runId);
      if (opts.json) return printJson(detail);
      const r = detail.run;
      printLine(`Run ${r.runId} of ${r.pipelineName} v${r.version}: ${r.status}${r.error ? ` (${r.error})` : ''}`);
      printLine(`trigger ${r.trigger.kind}, params ${JSON.stringify(r.params)}, tracking run ${r.trackingRunId ?? '-'} (experiment ${r.experimentId ?? '-'})`);
      printSteps(detail);
    },
  );

  withUrl(
    pipelines
      .command('logs')
      .description("print a step's log (all steps when none is named); --follow waits for more until the run ends")
      .argument('<run>')
      .argument('[step]')
      .option('-f, --follow', 'keep printing new lines until the run ends'),
  ).action(async (runId: string, step: string | undefined, opts: { follow?: boolean }, cmd: Command) => {
    const client = clientFor(optionsOf(cmd));
    const after = new Map<string, number>();
    for (;;) {
      const detail = await client.pipelines.getRun(runId);
      const steps = step ? [step] : detail.steps.map((s) => s.stepName);
      for (const s of steps) {
        for (;;) {
          const page = await client.pipelines.logs(runId, s, { after: after.get(s) ?? 0, limit: 5000 });
          for (const l of page.lines) printLine(`${step ? '' : `${s} | `}${l.stream === 'system' ? '» ' : ''}${l.line}`);
          if (page.lines.length === 0) break;
          after.set(s, page.lines[page.lines.length - 1]!.seq);
        }
      }
      if (!opts.follow || FINAL.has(detail.run.status)) return;
      await new Promise((r) => setTimeout(r, 500));
    }
  });

  withUrl(pipelines.command('explain').description('why a step hit or missed the cache: its key parts and what changed since the closest earlier run').argument('<run>').argument('<step>').option('--json', 'print JSON')).action(
    async (runId: string, step: string, opts: { json?: boolean }, cmd: Command) => {
      const e = await clientFor(optionsOf(cmd)).pipelines.explain(runId, step);
      if (opts.json) return printJson(e);
      printLine(`${e.stepName}: ${e.cacheStatus ?? 'not evaluated'}${e.reason ? ` — ${e.reason}` : ''}`);
      if (e.cacheKey) printLine(`key ${e.cacheKey}`);
      if (!e.closest) return printLine(e.parts ? 'No earlier run of this step to compare with.' : '');
      printLine(`closest earlier key: step ${e.closest.stepName} of run ${e.closest.runId}`);
      if (e.closest.changes.length === 0) return printLine('identical key parts');
      printSection('Changed key parts', [{ header: 'PART', minWidth: 14 }, { header: 'BEFORE' }, { header: 'NOW' }], e.closest.changes.map((c) => [c.part, c.before ?? '(absent)', c.now ?? '(absent)']));
    },
  );

  withUrl(pipelines.command('cancel').description('cancel a run').argument('<run>')).action(async (runId: string, _opts: unknown, cmd: Command) => {
    const r = await clientFor(optionsOf(cmd)).pipelines.cancel(runId);
    printLine(`Run ${r.runId} ${r.status}`);
  });

  withUrl(pipelines.command('resume').description('resume a failed or cancelled run from the steps that did not succeed').argument('<run>').option('--detach', 'do not wait')).action(
    async (runId: string, opts: { detach?: boolean }, cmd: Command) => {
      const client = clientFor(optionsOf(cmd));
      const r = await client.pipelines.resume(runId);
      printLine(`Run ${r.runId} resumed`);
      if (opts.detach) return;
      const final = await follow(client, runId, true);
      printSteps(final);
      if (final.run.status !== 'succeeded') process.exitCode = 1;
    },
  );

  withUrl(pipelines.command('invalidate').description("invalidate a pipeline's cache entries, or one step's").argument('<pipeline>').option('--step <step>', 'only this step')).action(
    async (pipeline: string, opts: { step?: string }, cmd: Command) => {
      const r = await clientFor(optionsOf(cmd)).pipelines.invalidateCache(pipeline, opts.step);
      printLine(`Invalidated ${r.invalidated} cache entr${r.invalidated === 1 ? 'y' : 'ies'}`);
    },
  );
}

/** Poll until the run ends, printing each step state change as it happens. */
async function follow(client: AscentClient, runId: string, live: boolean): Promise<PipelineRunDetail> {
  const seen = new Map<string, string>();
  return client.pipelines.wait(runId, {
    intervalMs: 300,
    onUpdate: (d) => {
      if (!live) return;
      for (const s of d.steps) {
        const state = `${s.status}:${s.attempts}`;
        if (seen.get(s.stepName) === state || (s.status === 'pending' && !seen.has(s.stepName))) continue;
        seen.set(s.stepName, state);
        printLine(`${new Date().toISOString().slice(11, 19)}  ${s.stepName.padEnd(24)} ${describe(s)}`);
      }
    },
  });
}

function describe(s: StepRun): string {
  if (s.status === 'running') return `running (attempt ${s.attempts})`;
  if (s.status === 'succeeded') return s.cacheStatus === 'hit' ? 'succeeded (cached)' : `succeeded${s.startedAt ? ` in ${formatDuration(s.startedAt, s.finishedAt)}` : ''}`;
  return `${s.status}${s.error ? `: ${s.error}` : ''}`;
}

function printSteps(d: PipelineRunDetail): void {
  printSection(
    `Steps (run ${d.run.status})`,
    [{ header: 'STEP', minWidth: 12 }, { header: 'STATUS' }, { header: 'CACHE' }, { header: 'ATTEMPTS' }, { header: 'DURATION' }, { header: 'TRACKING RUN' }, { header: 'NOTE' }],
    d.steps.map((s) => [s.stepName, s.status, s.cacheStatus ?? '-', String(s.attempts), s.startedAt ? formatDuration(s.startedAt, s.finishedAt) : '-', s.trackingRunId ?? '-', s.error ?? (s.outputs.find((o) => o.artifactPath.startsWith('models:/'))?.artifactPath ?? '')]),
  );
}
