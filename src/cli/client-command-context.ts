import { Option, type Command } from 'commander';
import { AscentClient, AscentError, isAscentError, type Experiment } from '../sdk/index.js';

export const DEFAULT_URL = 'http://127.0.0.1:5000';

/** Options every client command accepts. */
export interface ClientOptions {
  url?: string;
  /** The acting user (global `--user`); the SDK's default (`ASCENT_USER`, else the OS user) otherwise. */
  user?: string;
}

/** Add `--url` to a command that talks to a server. */
export function withUrl(command: Command): Command {
  return command.addOption(new Option('--url <url>', `Ascent server URL (env ASCENT_URL, default ${DEFAULT_URL})`));
}

/** A client for the server named by `--url`, else `ASCENT_URL`, else the local default. */
export function clientFor(options: ClientOptions, env: NodeJS.ProcessEnv = process.env): AscentClient {
  const baseUrl = options.url || env.ASCENT_URL || DEFAULT_URL;
  // A person is waiting: fail within a second or so when the server is down rather than retry long.
  return new AscentClient({
    baseUrl,
    ...(options.user ? { user: options.user } : {}),
    timeoutMs: 30_000,
    retry: { maxAttempts: 3, initialDelayMs: 200, maxDelayMs: 2_000 },
  });
}

/** An experiment given as an id (digits) or a name; a numeric name still resolves when no id matches. */
export async function resolveExperiment(client: AscentClient, idOrName: string): Promise<Experiment> {
  if (/^\d+$/.test(idOrName)) {
    try {
      return await client.experiments.get(idOrName);
    } catch (err) {
      if (!(isAscentError(err) && err.code === 'NOT_FOUND')) throw err;
    }
  }
  try {
    return await client.experiments.getByName(idOrName);
  } catch (err) {
    if (isAscentError(err) && err.code === 'NOT_FOUND') {
      throw new AscentError('NOT_FOUND', `No experiment with id or name '${idOrName}'`, { field: 'experiment' });
    }
    throw err;
  }
}

/** A positive integer option, or INVALID_ARGUMENT naming the option. */
export function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new AscentError('INVALID_ARGUMENT', `--${name} must be a positive integer, got '${value}'`, { field: name });
  return n;
}

/** Collect a repeatable option (`--experiment a --experiment b`). */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Collect a repeatable option whose values may also be comma-separated (`--columns a,b`). */
export function commaList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

/** A command's own options merged with the program's global ones (`--user`). */
export function optionsOf<T extends ClientOptions>(command: Command): T {
  return command.optsWithGlobals<T>();
}

/** A value as one shell word, for commands printed to copy and run. */
export function shellArg(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
