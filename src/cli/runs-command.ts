import { Option, type Command } from 'commander';
import { AscentError, type Run, type ViewType } from '../sdk/index.js';
import { clientFor, commaList, positiveInt, repeatable, resolveExperiment, withUrl, type ClientOptions } from './client-command-context.js';
import { formatDuration, formatNumber, formatTime, printJson, printLine, renderTable, type TableColumn } from './client-command-output.js';
import { addRunsCompareCommand } from './runs-compare-command.js';
import { printRunDetails } from './runs-show-command.js';

const VIEWS: Record<string, ViewType> = { active: 'ACTIVE_ONLY', deleted: 'DELETED_ONLY', all: 'ALL' };
const DEFAULT_MAX = 100;
const PAGE_SIZE = 1000;

interface RunColumn extends TableColumn {
  value: (run: Run) => string;
}

/** `ascent runs ls|show|compare|delete|restore`. */
export function registerRunsCommand(program: Command): void {
  const runs = program.command('runs').description('inspect and manage runs on an Ascent server');

  withUrl(
    runs
      .command('ls')
      .description('list the runs of one or more experiments')
      .requiredOption('-e, --experiment <idOrName>', 'experiment id or name (repeatable)', repeatable)
      .option('--filter <expr>', `MLflow search filter, e.g. "metrics.rmse < 0.5 AND params.alpha = '0.1'"`)
      .option('--order-by <clause>', 'e.g. "metrics.rmse ASC" (repeatable, or comma-separated)', commaList)
      .option('--max <n>', `list at most n runs (default ${DEFAULT_MAX})`)
      .option('--columns <cols>', 'extra columns: metrics.x,params.y,tags.z, start_time, end_time, duration, user_id, …', commaList)
      .addOption(new Option('--view <view>', 'which runs').choices(Object.keys(VIEWS)).default('active'))
      .option('--json', 'print JSON (an array of runs) instead of a table'),
  ).action(
    async (opts: ClientOptions & { experiment: string[]; filter?: string; orderBy?: string[]; max?: string; columns?: string[]; view: string; json?: boolean }) => {
      const client = clientFor(opts);
      const max = positiveInt(opts.max, 'max', DEFAULT_MAX);
      const columns = opts.columns?.length ? opts.columns.map(columnFor) : defaultColumns();
      const experiments = await Promise.all(opts.experiment.map((e) => resolveExperiment(client, e)));
      const found: Run[] = [];
      let pageToken: string | undefined;
      do {
        const page = await client.runs.search({
          experimentIds: experiments.map((e) => e.experimentId),
          ...(opts.filter ? { filter: opts.filter } : {}),
          ...(opts.orderBy?.length ? { orderBy: opts.orderBy } : {}),
          maxResults: Math.min(PAGE_SIZE, max - found.length),
          viewType: VIEWS[opts.view] ?? 'ACTIVE_ONLY',
          ...(pageToken ? { pageToken } : {}),
        });
        found.push(...page.items);
        pageToken = page.nextPageToken;
      } while (pageToken && found.length < max);

      if (opts.json) return printJson(found);
      if (pageToken) process.stderr.write(`Showing the first ${max} runs; more match (raise --max to see them).\n`);
      if (found.length === 0) return printLine(`No runs in ${experiments.map((e) => `'${e.name}'`).join(', ')}.`);
      const all = [...identityColumns(), ...columns];
      printLine(renderTable(all, found.map((run) => all.map((c) => c.value(run)))));
    },
  );

  withUrl(
    runs
      .command('show')
      .description("show a run's details, params, latest metrics, tags and inputs")
      .argument('<runId>')
      .option('--json', 'print the run as JSON'),
  ).action(async (runId: string, opts: ClientOptions & { json?: boolean }) => {
    const run = await clientFor(opts).runs.get(runId);
    if (opts.json) return printJson(run);
    printRunDetails(run);
  });

  addRunsCompareCommand(runs);

  withUrl(runs.command('delete').description('delete a run (it can be restored)').argument('<runId>')).action(
    async (runId: string, opts: ClientOptions) => {
      await clientFor(opts).runs.delete(runId);
      printLine(`Deleted run ${runId}`);
    },
  );

  withUrl(runs.command('restore').description('restore a deleted run').argument('<runId>')).action(async (runId: string, opts: ClientOptions) => {
    await clientFor(opts).runs.restore(runId);
    printLine(`Restored run ${runId}`);
  });
}

function identityColumns(): RunColumn[] {
  return [
    { header: 'RUN ID', minWidth: 32, value: (r) => r.info.runId },
    { header: 'NAME', minWidth: 10, value: (r) => r.info.runName },
    { header: 'STATUS', minWidth: 8, value: (r) => r.info.status },
  ];
}

function defaultColumns(): RunColumn[] {
  return [columnFor('start_time'), columnFor('duration')];
}

/** A `--columns` entry: `metrics.x`, `params.y`, `tags.z`, or a run attribute. */
export function columnFor(spec: string): RunColumn {
  const dot = spec.indexOf('.');
  const prefix = dot > 0 ? spec.slice(0, dot) : '';
  const key = dot > 0 ? spec.slice(dot + 1) : spec;
  switch (prefix) {
    case 'metric':
    case 'metrics':
      return { header: `metrics.${key}`, minWidth: 12, align: 'right', value: (r) => formatNumber(r.data.metrics.find((m) => m.key === key)?.value) };
    case 'param':
    case 'params':
      return { header: `params.${key}`, value: (r) => r.data.params.find((p) => p.key === key)?.value ?? '-' };
    case 'tag':
    case 'tags':
      return { header: `tags.${key}`, value: (r) => r.data.tags.find((t) => t.key === key)?.value ?? '-' };
    case '':
    case 'attribute':
    case 'attributes':
      return attributeColumn(key, spec);
    default:
      // `val.loss` style names without a prefix are ambiguous; ask for the prefix.
      throw new AscentError('INVALID_ARGUMENT', `Unknown column '${spec}': use metrics.<key>, params.<key>, tags.<key> or a run attribute`, { field: 'columns' });
  }
}

function attributeColumn(name: string, spec: string): RunColumn {
  switch (name) {
    case 'run_id':
      return { header: 'RUN ID', minWidth: 32, value: (r) => r.info.runId };
    case 'run_name':
    case 'name':
      return { header: 'NAME', value: (r) => r.info.runName };
    case 'status':
      return { header: 'STATUS', value: (r) => r.info.status };
    case 'user':
    case 'user_id':
      return { header: 'USER', value: (r) => r.info.userId };
    case 'start_time':
    case 'started':
      return { header: 'STARTED', minWidth: 19, value: (r) => formatTime(r.info.startTime) };
    case 'end_time':
    case 'ended':
      return { header: 'ENDED', minWidth: 19, value: (r) => formatTime(r.info.endTime) };
    case 'duration':
      return { header: 'DURATION', align: 'right', value: (r) => formatDuration(r.info.startTime, r.info.endTime) };
    case 'experiment_id':
      return { header: 'EXPERIMENT', value: (r) => r.info.experimentId };
    case 'lifecycle_stage':
    case 'stage':
      return { header: 'STAGE', value: (r) => r.info.lifecycleStage };
    case 'parent_run_id':
      return { header: 'PARENT', value: (r) => r.info.parentRunId ?? '-' };
    case 'artifact_uri':
      return { header: 'ARTIFACT URI', value: (r) => r.info.artifactUri };
    default:
      throw new AscentError('INVALID_ARGUMENT', `Unknown column '${spec}': use metrics.<key>, params.<key>, tags.<key> or a run attribute`, { field: 'columns' });
  }
}
