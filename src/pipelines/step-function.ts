import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** What a TypeScript function step receives: its params, folders, logging and metric helpers. */
export interface StepContext {
  params: Record<string, unknown>;
  /** The current item of a `foreach` step. */
  item: unknown;
  /** Local paths of each declared input (file or folder). */
  inputs: Record<string, string>;
  /** Local paths where each declared output must be written. */
  outputs: Record<string, string>;
  inputDir: string;
  outputDir: string;
  env: Record<string, string>;
  /** The step's tracking run. */
  runId: string;
  experimentId: string;
  /** Aborted on cancellation or timeout. */
  signal: AbortSignal;
  /** A stored, streamed log line. */
  log(...args: unknown[]): void;
  /** A metric on the step's tracking run. */
  logMetric(key: string, value: number, step?: number): Promise<void>;
}

/** A function step: may be async; throwing fails the attempt. */
export type StepFunction = (ctx: StepContext) => unknown;

const loaded = new Map<string, Promise<Record<string, unknown>>>();

/** Import a step's module (JavaScript natively; TypeScript through tsx) and return the export. */
export async function loadStepFunction(modulePath: string, exportName: string): Promise<StepFunction> {
  if (!path.isAbsolute(modulePath)) throw new Error(`function module '${modulePath}' must be an absolute path`);
  const stat = await fs.promises.stat(modulePath).catch(() => null);
  if (!stat) throw new Error(`function module '${modulePath}' does not exist`);
  // Keyed by mtime so an edited module is re-imported rather than served stale.
  const key = `${modulePath}@${stat.mtimeMs}`;
  let mod = loaded.get(key);
  if (!mod) {
    mod = importModule(modulePath);
    loaded.set(key, mod);
    mod.catch(() => loaded.delete(key));
  }
  const fn = (await mod)[exportName];
  if (typeof fn !== 'function') throw new Error(`module '${modulePath}' has no function export '${exportName}'`);
  return fn as StepFunction;
}

async function importModule(modulePath: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(modulePath).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
    try {
      const { tsImport } = (await import('tsx/esm/api')) as { tsImport: (u: string, parent: string) => Promise<Record<string, unknown>> };
      return await tsImport(url, import.meta.url);
    } catch (inner) {
      if ((inner as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') throw new Error(`TypeScript step module '${modulePath}' needs the 'tsx' package (npm install tsx)`, { cause: inner });
      throw inner;
    }
  }
}
