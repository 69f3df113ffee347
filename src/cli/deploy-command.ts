import fs from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { AscentError, isAscentError, type AscentClient, type DeploymentWithStatus } from '../sdk/index.js';
import { clientFor, optionsOf, positiveInt, withUrl } from './client-command-context.js';
import { printJson } from './client-command-output.js';
import { printDeployment } from './deployments-output.js';

type Variant = DeploymentWithStatus['variants'][number];

interface DeployOptions {
  file?: string;
  variant: string;
  runtime?: string;
  concurrency?: string;
  maxBatch?: string;
  httpUrl?: string;
  httpProtocol?: string;
  canary?: string;
  canaryPercent?: string;
  shadow?: string;
  shadowPercent?: string;
  stickyKey?: string;
  sampleRate?: string;
  message?: string;
  json?: boolean;
}

/**
 * `ascent deploy <name> [model]`: create a deployment or roll a new model into it. The main variant
 * serves `model`; `--canary`/`--shadow` add or replace a canary or shadow variant; `-f` takes a
 * whole spec (YAML or JSON). Answers once the server serves the new revision.
 */
export function registerDeployCommand(program: Command): void {
  withUrl(
    program
      .command('deploy')
      .description('create or update a deployment (zero-downtime: the new version is loaded and warmed before it takes traffic)')
      .argument('<name>', 'deployment name (the endpoint: /v2/models/<name>, /deployments/<name>/invocations)')
      .argument('[model]', 'model reference for the main variant: name/version or name@alias (followed when the alias moves)')
      .option('-f, --file <spec>', 'full deployment spec as YAML or JSON ({variants: [...], stickyKey, inputSampleRate})')
      .option('--variant <name>', 'name of the variant [model] goes to', 'main')
      .option('--runtime <kind>', 'force a runtime (onnx, js, python, http) instead of the one the package selects')
      .option('--concurrency <n>', 'model calls of the variant running at once')
      .option('--max-batch <rows>', 'rows one model call may take from requests waiting together (1: no batching; default 32 on onnx, 1 elsewhere)')
      .option('--http-url <url>', 'with --runtime http: the external server the variant forwards to')
      .option('--http-protocol <oip|mlflow>', 'with --runtime http: Open Inference Protocol (default) or MLflow /invocations')
      .option('--canary <model>', 'add or replace the variant "canary" serving this model')
      .option('--canary-percent <pct>', 'share of traffic the canary takes (default 10)')
      .option('--shadow <model>', 'add or replace the variant "shadow" mirroring traffic to this model')
      .option('--shadow-percent <pct>', 'share of requests mirrored to the shadow (default 100)')
      .option('--sticky-key <header>', 'request header (or record field) that pins a caller to one variant')
      .option('--sample-rate <fraction>', 'fraction of predictions whose inputs are logged (0-1)')
      .option('-m, --message <text>', 'why, recorded in the revision history')
      .option('--json', 'print the deployment as JSON'),
  ).action(async (name: string, model: string | undefined, opts: DeployOptions, cmd: Command) => {
    const client = clientFor(optionsOf(cmd));
    const existing = await getOrNull(client, name);
    const result = opts.file ? await deployFile(client, name, opts, existing) : await deployModel(client, name, model, opts, existing);
    if (opts.json) return printJson(result);
    printDeployment(result);
    if (result.status.state === 'failed') {
      throw new AscentError('UNAVAILABLE', `Revision ${result.status.pendingRevision ?? result.revision} failed to load: ${result.status.error}. Revision ${result.status.servingRevision ?? '-'} keeps serving.`);
    }
  });
}

async function getOrNull(client: AscentClient, name: string): Promise<DeploymentWithStatus | null> {
  try {
    return await client.deployments.get(name);
  } catch (err) {
    if (isAscentError(err) && err.code === 'NOT_FOUND') return null;
    throw err;
  }
}

async function deployFile(client: AscentClient, name: string, opts: DeployOptions, existing: DeploymentWithStatus | null): Promise<DeploymentWithStatus> {
  let spec: Record<string, unknown>;
  try {
    spec = parseYaml(fs.readFileSync(opts.file!, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new AscentError('INVALID_ARGUMENT', `Cannot read ${opts.file}: ${(err as Error).message}`, { field: 'file' });
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new AscentError('INVALID_ARGUMENT', `${opts.file} must hold an object with variants`, { field: 'file' });
  const { name: _ignored, ...rest } = spec;
  const withMessage = { ...rest, ...(opts.message ? { message: opts.message } : {}) };
  if (existing) return client.deployments.update(name, { ...(withMessage as Parameters<AscentClient['deployments']['update']>[1]), expectedRevision: existing.revision });
  return client.deployments.create({ ...(withMessage as Parameters<AscentClient['deployments']['create']>[0]), name });
}

async function deployModel(client: AscentClient, name: string, model: string | undefined, opts: DeployOptions, existing: DeploymentWithStatus | null): Promise<DeploymentWithStatus> {
  const variants: Partial<Variant>[] = existing ? existing.variants.map((v) => ({ ...v })) : [];
  const upsert = (variantName: string, patch: Partial<Variant>) => {
    const v = variants.find((x) => x.name === variantName);
    if (v) Object.assign(v, patch);
    else variants.push({ name: variantName, ...patch });
  };
  if (model) {
    upsert(opts.variant, {
      model,
      ...(opts.runtime ? { runtime: opts.runtime as Variant['runtime'] } : {}),
      ...(opts.concurrency ? { concurrency: positiveInt(opts.concurrency, 'concurrency', 4) } : {}),
      ...(opts.maxBatch ? { maxBatch: positiveInt(opts.maxBatch, 'max-batch', 1) } : {}),
      ...(opts.httpUrl ? { http: { url: opts.httpUrl, protocol: (opts.httpProtocol ?? 'oip') as 'oip' | 'mlflow' } } : {}),
    });
  } else if (!existing) {
    throw new AscentError('INVALID_ARGUMENT', `Deployment '${name}' does not exist yet: give a model (ascent deploy ${name} <model>) or a spec file (-f)`, { field: 'model' });
  }
  if (opts.canary) upsert('canary', { model: opts.canary, role: 'canary', percent: percent(opts.canaryPercent, 'canary-percent', 10) });
  else if (opts.canaryPercent) upsert('canary', { role: 'canary', percent: percent(opts.canaryPercent, 'canary-percent', 10) });
  if (opts.shadow) upsert('shadow', { model: opts.shadow, role: 'shadow', percent: percent(opts.shadowPercent, 'shadow-percent', 100) });
  else if (opts.shadowPercent) upsert('shadow', { role: 'shadow', percent: percent(opts.shadowPercent, 'shadow-percent', 100) });
  const spec = {
    variants: variants as Variant[],
    ...(opts.stickyKey ? { stickyKey: opts.stickyKey } : existing?.stickyKey ? { stickyKey: existing.stickyKey } : {}),
    ...(opts.sampleRate ? { inputSampleRate: Number(opts.sampleRate) } : existing ? { inputSampleRate: existing.inputSampleRate } : {}),
    ...(existing ? { description: existing.description } : {}),
    ...(opts.message ? { message: opts.message } : {}),
  };
  if (existing) return client.deployments.update(name, { ...spec, expectedRevision: existing.revision });
  // Progress goes to stderr, so `--json` output stays one JSON document.
  process.stderr.write(`Creating deployment ${name}: loading and warming ${variants.length} variant(s)…\n`);
  return client.deployments.create({ name, ...spec });
}

function percent(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value.replace(/%$/, ''));
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new AscentError('INVALID_ARGUMENT', `--${option} must be between 0 and 100, got '${value}'`, { field: option });
  return n;
}
