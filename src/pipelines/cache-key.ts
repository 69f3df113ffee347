import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson, fileDigest, valueDigest } from './content-digest.js';
import type { CacheKeyParts, ParamValue, PipelineSpec } from './model.js';
import type { StepTaskInput } from './step-executor.js';

const LOCKFILES = ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'uv.lock', 'poetry.lock', 'requirements.txt'];

/** Digests of files read while planning one run, so a 500-item fan-out hashes each file once. */
export class CodeDigests {
  private readonly cache = new Map<string, Promise<string | null>>();
  digest(file: string): Promise<string | null> {
    let d = this.cache.get(file);
    if (!d) {
      d = fs.promises.stat(file).then((s) => (s.isFile() ? fileDigest(file) : null), () => null);
      this.cache.set(file, d);
    }
    return d;
  }
}

/** The lockfile whose digest enters every key: the declared one, else the first found beside the pipeline. */
export async function lockfileDigest(spec: PipelineSpec, baseDir: string, digests: CodeDigests): Promise<string> {
  const candidates = spec.lockfile ? [spec.lockfile] : LOCKFILES;
  for (const name of candidates) {
    const d = await digests.digest(path.resolve(baseDir, name));
    if (d) return `${name} ${d}`;
  }
  return spec.lockfile ? `${spec.lockfile} (missing)` : 'none';
}

/** What a step's cache key is made of. */
export interface CacheKeyInput {
  spec: PipelineSpec;
  stepName: string;
  baseDir: string;
  params: Record<string, ParamValue>;
  item: unknown;
  inputs: StepTaskInput[];
  lockfile: string;
  digests: CodeDigests;
}

/**
 * Key parts of a step: its definition (command or function, code file digests, env, outputs),
 * the lockfile digest, the params it reads, its foreach item and its inputs' content digests.
 * Every part is recorded with the step run so a hit or miss can be explained part by part.
 */
export async function cacheKeyParts(input: CacheKeyInput): Promise<CacheKeyParts> {
  const step = input.spec.steps[input.stepName]!;
  // Scoped to the pipeline and step, so invalidating one pipeline's cache never touches another's.
  const parts: CacheKeyParts = { pipeline: input.spec.name, step: input.stepName };
  if (step.cwd) parts.cwd = step.cwd;
  const codeFiles = new Set<string>();
  if (step.run !== undefined) {
    parts.command = canonicalJson(step.run);
    const argv = typeof step.run === 'string' ? splitCommand(step.run) : step.run;
    // Arguments naming files beside the pipeline (train.py, steps/prep.mjs) are its code.
    for (const arg of argv.slice(1)) if (/\.[A-Za-z0-9]{1,6}$/.test(arg) && !arg.includes('${')) codeFiles.add(arg);
  }
  if (step.function) {
    parts.function = `${step.function.module}#${step.function.export}`;
    codeFiles.add(step.function.module);
  }
  for (const f of step.code ?? []) codeFiles.add(f);
  const cwd = path.resolve(input.baseDir, step.cwd ?? '.');
  for (const rel of [...codeFiles].sort()) {
    const d = await input.digests.digest(path.resolve(step.function && rel === step.function.module ? input.baseDir : cwd, rel));
    if (d) parts[`code:${rel}`] = d;
    else if (step.code?.includes(rel) || rel === step.function?.module) parts[`code:${rel}`] = 'missing';
  }
  if (Object.keys(step.env).length > 0) parts.env = canonicalJson(step.env);
  parts.outputs = canonicalJson(step.outputs);
  parts.lockfile = input.lockfile;
  const names = step.params ?? Object.keys(input.spec.params);
  for (const p of [...names].sort()) parts[`param:${p}`] = canonicalJson(input.params[p] ?? null);
  if (step.foreach !== undefined) parts.item = canonicalJson(input.item ?? null);
  for (const i of [...input.inputs].sort((a, b) => (a.name < b.name ? -1 : 1))) parts[`input:${i.name}`] = i.digest;
  return parts;
}

export const cacheKeyOf = (parts: CacheKeyParts): string => valueDigest(parts).slice('sha256:'.length);

/** One differing part between two keys. */
export interface KeyPartChange {
  part: string;
  before: string | null;
  now: string | null;
}

/** Parts that differ between an earlier key and this one. */
export function diffKeyParts(before: CacheKeyParts, now: CacheKeyParts): KeyPartChange[] {
  const names = new Set([...Object.keys(before), ...Object.keys(now)]);
  return [...names].sort().filter((n) => before[n] !== now[n]).map((n) => ({ part: n, before: before[n] ?? null, now: now[n] ?? null }));
}

/** Split a command string into argv: whitespace-separated, with '…' and "…" quoting, no shell. */
export function splitCommand(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: '"' | "'" | null = null;
  let has = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
    } else cur += c;
  }
  if (has || cur) out.push(cur);
  return out;
}

/** `30s` → 30000; numbers are milliseconds. */
export function durationMs(value: string | number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return value;
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(value)!;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}
