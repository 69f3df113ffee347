import { Option, type Command } from 'commander';
import type { Experiment, ViewType } from '../sdk/index.js';
import { clientFor, withUrl, type ClientOptions } from './client-command-context.js';
import { formatTime, printJson, printLine, renderTable } from './client-command-output.js';

const VIEWS: Record<string, ViewType> = { active: 'ACTIVE_ONLY', deleted: 'DELETED_ONLY', all: 'ALL' };

/** `ascent experiments ls|create`. */
export function registerExperimentsCommand(program: Command): void {
  const experiments = program.command('experiments').description('list and create experiments on an Ascent server');

  withUrl(
    experiments
      .command('ls')
      .description('list experiments')
      .addOption(new Option('--view <view>', 'which experiments').choices(Object.keys(VIEWS)).default('active'))
      .option('--json', 'print JSON (an array of experiments) instead of a table'),
  ).action(async (opts: ClientOptions & { view: string; json?: boolean }) => {
    const client = clientFor(opts);
    const items: Experiment[] = [];
    for await (const e of client.experiments.listAll({ viewType: VIEWS[opts.view] ?? 'ACTIVE_ONLY' })) items.push(e);
    if (opts.json) return printJson(items);
    if (items.length === 0) return printLine('No experiments.');
    const showStage = opts.view !== 'active';
    printLine(
      renderTable(
        [
          { header: 'ID', minWidth: 4 },
          { header: 'NAME', minWidth: 16 },
          ...(showStage ? [{ header: 'STAGE', minWidth: 7 }] : []),
          { header: 'PROJECT', minWidth: 8 },
          { header: 'CREATED', minWidth: 19 },
          { header: 'ARTIFACT LOCATION', minWidth: 12 },
        ],
        items.map((e) => [
          e.experimentId,
          e.name,
          ...(showStage ? [e.lifecycleStage] : []),
          e.projectId,
          formatTime(e.creationTime),
          e.artifactLocation,
        ]),
      ),
    );
  });

  withUrl(
    experiments
      .command('create')
      .description('create an experiment and print its id')
      .argument('<name>', 'experiment name (unique)')
      .option('--artifact-location <uri>', 'where its runs store artifacts (server default otherwise)')
      .option('--project <id>', 'project the experiment belongs to')
      .option('--json', 'print {"experimentId": …} instead of a sentence'),
  ).action(async (name: string, opts: ClientOptions & { artifactLocation?: string; project?: string; json?: boolean }) => {
    const client = clientFor(opts);
    const experimentId = await client.experiments.create(name, {
      ...(opts.artifactLocation ? { artifactLocation: opts.artifactLocation } : {}),
      ...(opts.project ? { projectId: opts.project } : {}),
    });
    if (opts.json) return printJson({ experimentId });
    printLine(`Created experiment '${name}' with id ${experimentId}`);
  });
}
