import type { Command } from 'commander';
import type { RegisterCommand } from './client-commands.js';

/**
 * `ascent monitor …`: drift, performance and data quality of deployments, and offline comparisons.
 * `ascent monitor compare` needs neither the SDK nor the profiler, so for it only its own module is
 * loaded (start-up memory is budget the comparison uses); anything else loads every subcommand.
 */
export async function loadMonitorCommand(subcommand?: string): Promise<RegisterCommand> {
  const compare = import('./monitor-compare-command.js');
  const others = subcommand === 'compare' ? null : Promise.all([import('./monitor-status-command.js'), import('./monitor-profile-command.js')]);
  const { addMonitorCompareCommand } = await compare;
  const [status, profile] = (await others) ?? [null, null];
  return (program: Command) => {
    const monitor = program.command('monitor').description('monitoring: deployment status and reports, alert history, reference profiles, offline dataset comparison');
    status?.addMonitorServerCommands(monitor);
    addMonitorCompareCommand(monitor);
    profile?.addMonitorProfileCommands(monitor);
  };
}
