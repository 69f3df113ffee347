import type { Command } from 'commander';
import { addMonitorCompareCommand } from './monitor-compare-command.js';

/** `ascent monitor …`: drift, performance and data quality of deployments, and offline comparisons. */
export function registerMonitorCommand(program: Command): void {
  const monitor = program.command('monitor').description('monitoring: drift reports, offline dataset comparison');
  addMonitorCompareCommand(monitor);
}
