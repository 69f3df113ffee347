#!/usr/bin/env node
import { Command } from 'commander';
import { AscentError } from '../core/errors.js';
import { packageVersion } from '../core/package-info.js';
import { registerServerCommand } from './server-command.js';
import { registerClientCommands } from './client-commands.js';
import { registerWorkerCommand } from './worker-command.js';

/** The `ascent` command line. */
export function buildProgram(): Command {
  const program = new Command('ascent')
    .description('Ascent: MLOps platform — tracking, registry, pipelines, serving, monitoring')
    .version(packageVersion());
  registerServerCommand(program);
  registerWorkerCommand(program);
  registerClientCommands(program);
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof AscentError) {
      process.stderr.write(`error [${err.code}]: ${err.message}\n`);
      process.exit(err.status >= 500 ? 1 : 2);
    }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
