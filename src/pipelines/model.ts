import { z } from 'zod';
import type { StepOutputRecord } from './step-executor.js';

/** Names of pipelines, params, steps, inputs and outputs: safe in paths, env names and URLs. */
export const NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]{0,99}$/;
const Name = z.string().regex(NAME_RE, 'must start with a letter or _ and hold only letters, digits, _ and - (max 100)');

export const PARAM_TYPES = ['string', 'number', 'integer', 'boolean', 'list'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

const ParamValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))]);
export type ParamValue = z.infer<typeof ParamValue>;

export const ParamSpec = z.object({
  type: z.enum(PARAM_TYPES),
  default: ParamValue.optional(),
  description: z.string().max(2000).optional(),
}).strict();
export type ParamSpec = z.infer<typeof ParamSpec>;

/** `500ms`, `30s`, `5m`, `2h`, `7d`, or a number of milliseconds. */
export const Duration = z.union([z.number().int().min(0), z.string().regex(/^\d+(ms|s|m|h|d)$/, "must look like 500ms, 30s, 5m, 2h or 7d")]);

export const OutputSpec = z.union([
  z.string().min(1).max(500),
  z.object({ path: z.string().min(1).max(500), dir: z.boolean().optional() }).strict(),
]);

export const RetrySpec = z.union([
  z.number().int().min(0).max(20),
  z.object({ max: z.number().int().min(0).max(20), backoff: Duration.optional(), factor: z.number().min(1).max(10).optional() }).strict(),
]);

export const CacheSpec = z.union([z.boolean(), z.object({ enabled: z.boolean().optional(), expire: Duration.optional() }).strict()]);

export const RegisterSpec = z.object({
  /** `steps.<step>.outputs.<output>` holding the model files. */
  model: z.string().min(1),
  name: z.string().min(1).max(250),
  /** Metric gate on the producing step's run, e.g. `accuracy >= 0.9`; all must hold. */
  when: z.union([z.string(), z.array(z.string())]).optional(),
  description: z.string().max(5000).optional(),
}).strict();
export type RegisterSpec = z.infer<typeof RegisterSpec>;

export const StepSpec = z.object({
  description: z.string().max(2000).optional(),
  /** A command: a string (split on whitespace, no shell) or an argv list. */
  run: z.union([z.string().min(1).max(10_000), z.array(z.string().max(10_000)).min(1).max(1000)]).optional(),
  /** A TypeScript/JavaScript function: module path (relative to the pipeline file) and export. */
  function: z.object({ module: z.string().min(1).max(1000), export: z.string().min(1).max(200).default('default') }).strict().optional(),
  register: RegisterSpec.optional(),
  inputs: z.record(Name, z.string().min(1).max(1000)).default({}),
  outputs: z.record(Name, OutputSpec).default({}),
  needs: z.array(Name).default([]),
  /** Params this step reads; the cache key includes only these (all params when absent). */
  params: z.array(Name).optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), z.string().max(10_000)).default({}),
  foreach: z.string().optional(),
  retries: RetrySpec.optional(),
  timeout: Duration.optional(),
  cache: CacheSpec.optional(),
  /** Extra code files (relative to the pipeline file) whose digests enter the cache key. */
  code: z.array(z.string().min(1).max(1000)).max(200).optional(),
  cwd: z.string().max(1000).optional(),
}).strict();
export type StepSpec = z.input<typeof StepSpec>;

export const DatasetSpec = z.union([
  z.string().min(1).max(2000),
  z.object({ path: z.string().min(1).max(2000).optional(), uri: z.string().min(1).max(2000).optional(), description: z.string().max(2000).optional() }).strict(),
]);

export const PipelineSpec = z.object({
  name: Name,
  description: z.string().max(5000).optional(),
  experiment: z.string().min(1).max(500).optional(),
  concurrency: z.number().int().min(1).max(1000).optional(),
  params: z.record(Name, ParamSpec).default({}),
  datasets: z.record(Name, DatasetSpec).default({}),
  /** Lockfile whose digest enters every step's cache key (auto-detected when absent). */
  lockfile: z.string().max(1000).optional(),
  steps: z.record(Name, StepSpec).refine((s) => Object.keys(s).length > 0, 'a pipeline needs at least one step'),
}).strict();
/** A pipeline definition as written (YAML or `definePipeline`). */
export type PipelineSpecInput = z.input<typeof PipelineSpec>;
/** A pipeline definition after parsing and defaults. */
export type PipelineSpec = z.output<typeof PipelineSpec>;

export const PIPELINE_RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type PipelineRunStatus = (typeof PIPELINE_RUN_STATUSES)[number];
export const STEP_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'cancelled', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];
export const TRIGGER_KINDS = ['manual', 'schedule', 'data', 'upstream', 'event', 'api'] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

/** A stored pipeline: a name with versions of its definition. */
export interface Pipeline {
  pipelineId: string;
  name: string;
  description: string;
  latestVersion: number;
  createdAt: number;
  updatedAt: number;
}

/** One version of a pipeline's definition, identified by its digest. */
export interface PipelineVersion {
  pipelineId: string;
  name: string;
  version: number;
  digest: string;
  spec: PipelineSpec;
  /** The source text (YAML, or JSON for `definePipeline`). */
  source: string;
  /** Absolute folder that relative paths in the definition resolve against. */
  baseDir: string;
  createdAt: number;
}

/** Why a run started. */
export interface Trigger {
  kind: TriggerKind;
  detail?: Record<string, unknown>;
}

/** One execution of a pipeline version. */
export interface PipelineRun {
  runId: string;
  pipelineId: string;
  pipelineName: string;
  version: number;
  status: PipelineRunStatus;
  params: Record<string, ParamValue>;
  trigger: Trigger;
  trackingRunId: string | null;
  experimentId: string | null;
  concurrency: number;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** The parts that make up a cache key, recorded so a hit or miss can be explained. */
export type CacheKeyParts = Record<string, string>;

/** One (expanded) step of a pipeline run. */
export interface StepRun {
  stepRunId: string;
  runId: string;
  /** `train`, or `train[2]` for the third item of a foreach step. */
  stepName: string;
  baseStep: string;
  itemIndex: number | null;
  status: StepStatus;
  attempts: number;
  trackingRunId: string | null;
  cacheKey: string | null;
  cacheParts: CacheKeyParts | null;
  /** hit, miss, disabled, or resumed (kept from before a resume). */
  cacheStatus: 'hit' | 'miss' | 'disabled' | null;
  cacheReason: string | null;
  /** On a hit: the step run whose outputs were reused. */
  cachedFrom: string | null;
  outputs: StepOutputRecord[];
  error: string | null;
  executedBy: string | null;
  startedAt: number | null;
  finishedAt: number | null;
}

/** One stored log line of a step. */
export interface StepLogLine {
  seq: number;
  attempt: number;
  stream: 'stdout' | 'stderr' | 'system';
  line: string;
  time: number;
}

/** Input of `PipelineService.startRun`. */
export const StartRunInput = z.object({
  pipeline: z.string().min(1).max(100),
  version: z.number().int().min(1).optional(),
  params: z.record(z.string(), ParamValue).default({}),
  trigger: z.object({ kind: z.enum(TRIGGER_KINDS), detail: z.record(z.string(), z.unknown()).optional() }).default({ kind: 'manual' }),
  concurrency: z.number().int().min(1).max(1000).optional(),
});
export type StartRunInput = z.input<typeof StartRunInput>;
