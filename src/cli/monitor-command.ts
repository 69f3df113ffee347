import type { Command } from 'commander';
import { addMonitorCompareCommand } from './monitor-compare-command.js';
import { addMonitorProfileCommands } from './monitor-profile-command.js';
import { addMonitorServerCommands } from './monitor-status-command.js';

/** `ascent monitor …`: drift, performance and data quality of deployments, and offline comparisons. */
export function registerMonitorCommand(program: Command): void {
  const monitor = program.command('monitor').description('monitoring: deployment status and reports, alert history, reference profiles, offline dataset comparison');
  addMonitorServerCommands(monitor);
  addMonitorCompareCommand(monitor);
  addMonitorProfileCommands(monitor);
}
