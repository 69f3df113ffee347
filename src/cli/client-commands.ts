import type { Command } from 'commander';
import { registerExperimentsCommand } from './experiments-command.js';
import { registerRunsCommand } from './runs-command.js';

/**
 * The commands that talk to a running server through the SDK (`ascent experiments …`,
 * `ascent runs …`). Errors propagate to main.ts, which prints `error [CODE]: message` and exits 2
 * for the caller's mistakes (4xx) and 1 otherwise.
 */
export function registerClientCommands(program: Command): void {
  registerExperimentsCommand(program);
  registerRunsCommand(program);
}
