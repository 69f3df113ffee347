import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AscentError, type RegisterPipelineParams } from '../sdk/index.js';

const DEFINITION_FILE = /\.(ya?ml|json|ts|mts|js|mjs)$/i;

/** True when the argument of `ascent pipelines run` names a definition file rather than a stored pipeline. */
export function looksLikeFile(arg: string): boolean {
  return DEFINITION_FILE.test(arg) && fs.existsSync(arg);
}

/**
 * Read a pipeline definition for registration: YAML text as is (the server validates it and names
 * lines), JSON parsed, and a TypeScript/JavaScript module's default export (from `definePipeline`).
 */
export async function readPipelineSource(file: string): Promise<RegisterPipelineParams> {
  const abs = path.resolve(file);
  const baseDir = path.dirname(abs);
  const name = path.basename(abs);
  if (/\.ya?ml$/i.test(abs)) return { yaml: fs.readFileSync(abs, 'utf8'), baseDir, file: name };
  if (/\.json$/i.test(abs)) return { definition: JSON.parse(fs.readFileSync(abs, 'utf8')) as unknown, baseDir, file: name };
  const mod = await importModule(abs);
  const definition = mod.default ?? mod.pipeline;
  if (!definition || typeof definition !== 'object') throw new AscentError('INVALID_ARGUMENT', `${name} must default-export a pipeline (export default definePipeline({...}))`, { field: 'file' });
  return { definition, baseDir, file: name };
}

async function importModule(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
    // TypeScript definitions load through tsx when it is installed (it is a dev dependency here).
    const { tsImport } = (await import('tsx/esm/api')) as { tsImport: (u: string, parent: string) => Promise<Record<string, unknown>> };
    return tsImport(url, import.meta.url);
  }
}

/** `-p lr=0.1 -p seeds=1,2,3` → `{ lr: '0.1', seeds: '1,2,3' }` (the server coerces to the declared types). */
export function parseParamFlags(flags: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new AscentError('INVALID_ARGUMENT', `--param '${f}' must look like name=value`, { field: 'param' });
    out[f.slice(0, eq)] = f.slice(eq + 1);
  }
  return out;
}
