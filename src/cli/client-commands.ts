import type { Command } from 'commander';
import { registerExperimentsCommand } from './experiments-command.js';
import { registerModelsCommand } from './models-command.js';
import { registerDeployCommand } from './deploy-command.js';
import { registerDeploymentsCommand } from './deployments-command.js';
import { registerMonitorCommand } from './monitor-command.js';
import { registerRunsCommand } from './runs-command.js';
import { registerPipelinesCommand } from './pipelines-command.js';
import { registerPipelineTriggerCommands } from './pipelines-trigger-commands.js';
import { registerPredictCommand } from './predict-command.js';

/**
 * The commands that talk to a running server through the SDK (`ascent experiments …`,
 * `ascent runs …`, `ascent models …`). Errors propagate to main.ts, which prints
 * `error [CODE]: message` and exits 2 for the caller's mistakes (4xx) and 1 otherwise.
 */
export function registerClientCommands(program: Command): void {
  // Global, so it may stand before or after the verb: `ascent --user bob models approve …`.
  program.option('--user <name>', 'acting user recorded on registry changes and approvals (env ASCENT_USER, default the OS user)');
  registerExperimentsCommand(program);
  registerRunsCommand(program);
  registerModelsCommand(program);
  registerDeployCommand(program);
  registerDeploymentsCommand(program);
  registerPipelinesCommand(program);
  const pipelines = program.commands.find((c) => c.name() === 'pipelines');
  if (pipelines) registerPipelineTriggerCommands(pipelines);
  registerMonitorCommand(program);
  registerPredictCommand(program);
}
