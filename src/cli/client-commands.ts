import type { Command } from 'commander';

/** Registers one top-level command (and its subcommands) on the program. */
export type RegisterCommand = (program: Command) => void;

/**
 * The commands that talk to a running server through the SDK (`ascent experiments …`,
 * `ascent runs …`, `ascent models …`), and `ascent monitor` and `ascent predict`, each as a loader
 * of its module (given the word after the command): main.ts loads only the one a command line names. Errors propagate to main.ts,
 * which prints `error [CODE]: message` and exits 2 for the caller's mistakes (4xx) and 1 otherwise.
 */
export const CLIENT_COMMANDS: Record<string, (subcommand?: string) => Promise<RegisterCommand>> = {
  experiments: async () => (await import('./experiments-command.js')).registerExperimentsCommand,
  runs: async () => (await import('./runs-command.js')).registerRunsCommand,
  models: async () => (await import('./models-command.js')).registerModelsCommand,
  deploy: async () => (await import('./deploy-command.js')).registerDeployCommand,
  deployments: async () => (await import('./deployments-command.js')).registerDeploymentsCommand,
  pipelines: async () => {
    const [{ registerPipelinesCommand }, { registerPipelineTriggerCommands }] = await Promise.all([import('./pipelines-command.js'), import('./pipelines-trigger-commands.js')]);
    return (program) => {
      registerPipelinesCommand(program);
      const pipelines = program.commands.find((c) => c.name() === 'pipelines');
      if (pipelines) registerPipelineTriggerCommands(pipelines);
    };
  },
  monitor: async (subcommand) => (await import('./monitor-command.js')).loadMonitorCommand(subcommand),
  predict: async () => (await import('./predict-command.js')).registerPredictCommand,
};

/** Options every client command takes, before or after the verb. */
export function registerClientOptions(program: Command): void {
  // Global, so it may stand before or after the verb: `ascent --user bob models approve …`.
  program.option('--user <name>', 'acting user recorded on registry changes and approvals (env ASCENT_USER, default the OS user)');
}
