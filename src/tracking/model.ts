import { z } from 'zod';

/** Entities of the tracking domain and the zod schemas that validate their inputs. */

export const LIFECYCLE_STAGES = ['active', 'deleted'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_STATUSES: readonly RunStatus[] = ['FINISHED', 'FAILED', 'KILLED'];

export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export const DEFAULT_PROJECT_ID = 'default';
export const DEFAULT_EXPERIMENT_ID = '0';
/** Tag that files an experiment under a project other than the default one. */
export const PROJECT_TAG = 'ascent.project';
export const PARENT_RUN_TAG = 'mlflow.parentRunId';
export const RUN_NAME_TAG = 'mlflow.runName';
export const USER_TAG = 'mlflow.user';

/** MLflow's limits, enforced identically on every API surface. */
export const LIMITS = {
  maxBatchMetrics: 1000,
  maxBatchParams: 100,
  maxBatchTags: 100,
  maxBatchItems: 1000,
  maxBatchBytes: 1024 * 1024,
  maxParamValueLength: 6000,
  maxTagValueLength: 8000,
  maxExperimentTagValueLength: 5000,
  maxKeyLength: 250,
  maxEntityNameLength: 500,
  maxSearchRuns: 50_000,
  defaultSearchRuns: 1000,
  maxSearchExperiments: 50_000,
  defaultSearchExperiments: 1000,
  maxHistoryResults: 25_000_000,
  maxDownsamplePoints: 10_000,
} as const;

export interface Project {
  projectId: string;
  name: string;
  description: string | null;
  creationTime: number;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number;
  lastUpdateTime: number;
  projectId: string;
  tags: KeyValue[];
}

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  lifecycleStage: LifecycleStage;
  artifactUri: string;
  parentRunId: string | null;
}

export interface Metric {
  key: string;
  /** May be NaN or ±Infinity. */
  value: number;
  timestamp: number;
  step: number;
  modelId?: string | null;
  datasetName?: string | null;
  datasetDigest?: string | null;
}

export interface Dataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string | null;
  profile?: string | null;
}

export interface DatasetInput {
  dataset: Dataset;
  tags: KeyValue[];
}

export interface Run {
  info: RunInfo;
  data: { metrics: Metric[]; params: KeyValue[]; tags: KeyValue[] };
  inputs: { datasetInputs: DatasetInput[]; modelInputs: { modelId: string }[] };
  outputs: { modelOutputs: { modelId: string; step: number }[] };
  /**
   * When the store has it: `data` already serialized as canonical JSON (lists ordered by key,
   * non-finite values as "NaN"/"Infinity"/"-Infinity"), for serializers to splice verbatim.
   * Not enumerable, so it never appears in a serialized Run itself.
   */
  readonly dataJson?: string;
}

export const LOGGED_MODEL_STATUSES = ['LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'] as const;
export type LoggedModelStatus = (typeof LOGGED_MODEL_STATUSES)[number];

export interface LoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactLocation: string;
  creationTime: number;
  lastUpdatedTime: number;
  sourceRunId: string | null;
  status: LoggedModelStatus;
  statusMessage: string | null;
  modelType: string | null;
  lifecycleStage: LifecycleStage;
  params: KeyValue[];
  tags: KeyValue[];
  metrics: Metric[];
}

/** One bucket of a downsampled metric history. */
export interface MetricBucket {
  /** First and last step covered by the bucket. */
  startStep: number;
  endStep: number;
  count: number;
  min: number | null;
  max: number | null;
  /** The value at the bucket's highest step (latest timestamp on ties). */
  last: number | null;
  lastStep: number;
  lastTimestamp: number;
}

export interface DownsampledHistory {
  runId: string;
  key: string;
  /** Total points in the requested range, or an estimate when read from pre-aggregated buckets. */
  totalPoints: number;
  /** True when buckets are exact points (the range held no more than the requested points). */
  raw: boolean;
  buckets: MetricBucket[];
}

/** A page of results with an opaque token for the next page (absent on the last page). */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

// ---------- input schemas (shared by the native and MLflow-compatible APIs) ----------

const key = z
  .string()
  .min(1, 'must not be empty')
  .max(LIMITS.maxKeyLength, `must be at most ${LIMITS.maxKeyLength} characters`)
  .regex(/^[\w\-./ :]+$/, 'may contain only alphanumerics, underscores, dashes, periods, spaces, colons and slashes')
  .refine((k) => !k.split('/').includes('..') && !k.startsWith('/'), 'must not be an absolute path or contain ".."');

/** int64 fields arrive as numbers or numeric strings (proto3 JSON allows both). */
export const int64 = z.union([z.number(), z.string().regex(/^-?\d+$/, 'must be an integer')]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isSafeInteger(n)) {
    ctx.addIssue({ code: 'custom', message: 'must be an integer within ±2^53' });
    return z.NEVER;
  }
  return n;
});

/** Metric values arrive as numbers or as the strings "NaN", "Infinity", "-Infinity". */
export const metricValue = z.union([
  // zod's number() refuses ±Infinity, which MLflow metrics allow.
  z.custom<number>((v) => typeof v === 'number', 'must be a number'),
  z.enum(['NaN', 'Infinity', '-Infinity', 'inf', '-inf', 'nan']).transform((s) =>
    s.toLowerCase() === 'nan' ? Number.NaN : s.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY,
  ),
]);

export const MetricInput = z.object({
  key,
  value: metricValue,
  timestamp: int64,
  step: int64.optional().default(0),
  modelId: z.string().max(64).nullish(),
  datasetName: z.string().max(500).nullish(),
  datasetDigest: z.string().max(64).nullish(),
});
export type MetricInput = z.infer<typeof MetricInput>;

export const ParamInput = z.object({
  key,
  value: z.string().max(LIMITS.maxParamValueLength, `must be at most ${LIMITS.maxParamValueLength} characters`),
});
export const TagInput = z.object({
  key,
  value: z.string().max(LIMITS.maxTagValueLength, `must be at most ${LIMITS.maxTagValueLength} characters`),
});
export type ParamInput = z.infer<typeof ParamInput>;
export type TagInput = z.infer<typeof TagInput>;

export const LogBatchInput = z.object({
  metrics: z.array(MetricInput).max(LIMITS.maxBatchMetrics, `at most ${LIMITS.maxBatchMetrics} metrics per batch`).default([]),
  params: z.array(ParamInput).max(LIMITS.maxBatchParams, `at most ${LIMITS.maxBatchParams} params per batch`).default([]),
  tags: z.array(TagInput).max(LIMITS.maxBatchTags, `at most ${LIMITS.maxBatchTags} tags per batch`).default([]),
});
export type LogBatchInput = z.infer<typeof LogBatchInput>;

export const DatasetSchema = z.object({
  name: z.string().min(1).max(500),
  digest: z.string().min(1).max(64),
  sourceType: z.string().min(1).max(64),
  source: z.string().max(65535),
  schema: z.string().max(1024 * 1024).nullish(),
  profile: z.string().max(65535).nullish(),
});

export const DatasetInputSchema = z.object({
  dataset: DatasetSchema,
  tags: z.array(TagInput).default([]),
});
export type DatasetInputInput = z.infer<typeof DatasetInputSchema>;

export const CreateExperimentInput = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(LIMITS.maxEntityNameLength),
  artifactLocation: z.string().max(2000).nullish(),
  tags: z.array(TagInput).default([]),
  projectId: z.string().min(1).max(200).nullish(),
});
export type CreateExperimentInput = z.infer<typeof CreateExperimentInput>;

export const CreateRunInput = z.object({
  experimentId: z.string().regex(/^\d+$/, 'must be a numeric experiment id').optional(),
  userId: z.string().max(256).nullish(),
  runName: z.string().max(LIMITS.maxEntityNameLength).nullish(),
  startTime: int64.nullish(),
  tags: z.array(TagInput).default([]),
});
export type CreateRunInput = z.infer<typeof CreateRunInput>;

export const UpdateRunInput = z.object({
  status: z.enum(RUN_STATUSES).nullish(),
  endTime: int64.nullish(),
  runName: z.string().max(LIMITS.maxEntityNameLength).nullish(),
});
export type UpdateRunInput = z.infer<typeof UpdateRunInput>;

export const CreateLoggedModelInput = z.object({
  experimentId: z.string().regex(/^\d+$/, 'must be a numeric experiment id'),
  name: z.string().max(LIMITS.maxEntityNameLength).nullish(),
  modelType: z.string().max(500).nullish(),
  sourceRunId: z.string().max(64).nullish(),
  params: z.array(ParamInput).default([]),
  tags: z.array(TagInput).default([]),
});
export type CreateLoggedModelInput = z.infer<typeof CreateLoggedModelInput>;
