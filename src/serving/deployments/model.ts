import { z } from 'zod';

/** Entities of serving deployments: a named endpoint whose variants share its traffic. */

export const RUNTIME_KINDS = ['onnx', 'js', 'python', 'http'] as const;
export type RuntimeKind = (typeof RUNTIME_KINDS)[number];

/**
 * How a variant takes traffic: `split` variants share what canaries leave by weight (A/B/n),
 * a `canary` takes a fixed percent, a `shadow` mirrors a percent whose responses never reach the caller.
 */
export const VARIANT_ROLES = ['split', 'canary', 'shadow'] as const;
export type VariantRole = (typeof VARIANT_ROLES)[number];

const Name = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, . _ - only, starting with a letter or digit');
/** `name/3`, `name@alias` or `name/latest`; alias references are followed when the alias moves. */
const ModelRef = z.string().min(3).max(300).regex(/^(models:\/)?[^@/\s][^@\s]*(\/[^/@\s]+|@[^@/\s]+)$/, 'must look like name/version or name@alias');

export const VariantSpecInput = z.object({
  name: Name,
  model: ModelRef,
  runtime: z.enum(RUNTIME_KINDS).nullish(),
  /** For runtime `http`: the external server the variant forwards to (the package still supplies the signature). */
  http: z.object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    protocol: z.enum(['oip', 'mlflow']).default('oip'),
    model: z.string().min(1).max(200).nullish(),
  }).strict().nullish(),
  role: z.enum(VARIANT_ROLES).default('split'),
  weight: z.number().min(0).max(1_000_000).default(1),
  percent: z.number().min(0).max(100).default(0),
  concurrency: z.number().int().min(1).max(1024).default(4),
  /** Requests allowed to wait while every call slot is busy; beyond it the caller gets 429 (docs/serving.md). */
  maxQueue: z.number().int().min(0).max(100_000).default(256),
  /**
   * Rows one model call may take from requests waiting together (dynamic batching); 1 turns it off.
   * Unset: 32 on the onnx runtime, 1 on the others (whose models may not predict row by row).
   */
  maxBatch: z.number().int().min(1).max(4096).nullish(),
}).strict();
export type VariantSpec = z.infer<typeof VariantSpecInput>;

export const DeploymentSpecInput = z.object({
  description: z.string().max(5000).default(''),
  variants: z.array(VariantSpecInput).min(1).max(32),
  /** Request header (or record field) whose hash pins a caller to one variant. */
  stickyKey: z.string().min(1).max(100).nullish(),
  /** Fraction of predictions whose inputs the log keeps (outputs are always kept). */
  inputSampleRate: z.number().min(0).max(1).default(1),
}).strict();
export type DeploymentSpec = z.infer<typeof DeploymentSpecInput>;

export const CreateDeploymentInput = DeploymentSpecInput.extend({ name: Name, message: z.string().max(1000).nullish() }).strict();
export const UpdateDeploymentInput = DeploymentSpecInput.extend({
  /** Optimistic concurrency: refuse when the deployment moved on since it was read. */
  expectedRevision: z.number().int().min(1).nullish(),
  message: z.string().max(1000).nullish(),
}).strict();

/** Traffic change only: per-variant weight/percent, leaving models untouched. */
export const TrafficInput = z.object({
  traffic: z.array(z.object({
    variant: Name,
    role: z.enum(VARIANT_ROLES).optional(),
    weight: z.number().min(0).max(1_000_000).optional(),
    percent: z.number().min(0).max(100).optional(),
  }).strict()).min(1).max(32),
  expectedRevision: z.number().int().min(1).nullish(),
  message: z.string().max(1000).nullish(),
}).strict();

/** A deployment as stored: its current spec and revision. */
export interface Deployment extends DeploymentSpec {
  name: string;
  revision: number;
  createdTime: number;
  updatedTime: number;
}

/** One immutable entry of a deployment's history. */
export interface DeploymentRevision {
  name: string;
  revision: number;
  spec: DeploymentSpec;
  time: number;
  actor: string;
  message: string | null;
}
