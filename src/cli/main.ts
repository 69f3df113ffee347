#!/usr/bin/env node
import { Command } from 'commander';
import { AscentError } from '../core/errors.js';
import { packageVersion } from '../core/package-info.js';
import { CLIENT_COMMANDS, type RegisterCommand, registerClientOptions } from './client-commands.js';

/**
 * Every top-level command, in help order, as a loader of the module that registers it. A command
 * line names one of them, and only that module is loaded (with the SDK, the server or the drift
 * engine it needs), so one command starts with one command's memory; help, --version and an
 * unknown command load them all.
 */
const COMMANDS: Record<string, (subcommand?: string) => Promise<RegisterCommand>> = {
  server: async () => (await import('./server-command.js')).registerServerCommand,
  worker: async () => (await import('./worker-command.js')).registerWorkerCommand,
  ...CLIENT_COMMANDS,
};

/** The top-level command an argument list names (the first word that is not a global option) and the word after it. */
export function commandNamed(args: string[]): { name: string; subcommand?: string } | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--user') i++; // its value
    else if (!a.startsWith('-')) return Object.hasOwn(COMMANDS, a) ? { name: a, subcommand: args[i + 1] } : undefined;
  }
  return undefined;
}

/** The `ascent` command line, with only the `only` command registered when one is given. */
export async function buildProgram(only?: { name: string; subcommand?: string }): Promise<Command> {
  const program = new Command('ascent')
    .description('Ascent: MLOps platform — tracking, registry, pipelines, serving, monitoring')
    .version(packageVersion());
  registerClientOptions(program);
  const registers = only ? [await COMMANDS[only.name]!(only.subcommand)] : await Promise.all(Object.values(COMMANDS).map((load) => load()));
  for (const register of registers) register(program);
  return program;
}

buildProgram(commandNamed(process.argv.slice(2)))
  .then((program) => program.parseAsync(process.argv))
  .catch((err: unknown) => {
    if (err instanceof AscentError) {
      process.stderr.write(`error [${err.code}]: ${err.message}\n`);
      process.exit(err.status >= 500 ? 1 : 2);
    }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
