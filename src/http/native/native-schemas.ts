import { z } from 'zod';
import { RUN_STATUSES } from '../../tracking/model.js';

/** Response shapes of the native API, for the OpenAPI document (the domain types in zod). */
export const KeyValueSchema = z.object({ key: z.string(), value: z.string() });
const num = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);

export const ProjectSchema = z.object({ projectId: z.string(), name: z.string(), description: z.string().nullable(), creationTime: z.number() });
export const ExperimentSchema = z.object({
  experimentId: z.string(),
  name: z.string(),
  artifactLocation: z.string(),
  lifecycleStage: z.enum(['active', 'deleted']),
  creationTime: z.number(),
  lastUpdateTime: z.number(),
  projectId: z.string(),
  tags: z.array(KeyValueSchema),
});
export const MetricSchema = z.object({ key: z.string(), value: num, timestamp: z.number(), step: z.number() });
export const RunInfoSchema = z.object({
  runId: z.string(),
  experimentId: z.string(),
  runName: z.string(),
  userId: z.string(),
  status: z.enum(RUN_STATUSES),
  startTime: z.number(),
  endTime: z.number().nullable(),
  lifecycleStage: z.enum(['active', 'deleted']),
  artifactUri: z.string(),
  parentRunId: z.string().nullable(),
});
export const DatasetSchemaOut = z.object({ name: z.string(), digest: z.string(), sourceType: z.string(), source: z.string(), schema: z.string().nullish(), profile: z.string().nullish() });
export const RunSchema = z.object({
  info: RunInfoSchema,
  data: z.object({ metrics: z.array(MetricSchema), params: z.array(KeyValueSchema), tags: z.array(KeyValueSchema) }),
  inputs: z.object({ datasetInputs: z.array(z.object({ dataset: DatasetSchemaOut, tags: z.array(KeyValueSchema) })), modelInputs: z.array(z.object({ modelId: z.string() })) }),
  outputs: z.object({ modelOutputs: z.array(z.object({ modelId: z.string(), step: z.number() })) }),
});
export const BucketSchema = z.object({
  startStep: z.number(),
  endStep: z.number(),
  count: z.number(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  last: z.number().nullable(),
  lastStep: z.number(),
  lastTimestamp: z.number(),
});
export const DownsampledSchema = z.object({ runId: z.string(), key: z.string(), totalPoints: z.number(), raw: z.boolean(), buckets: z.array(BucketSchema) });
export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextPageToken: z.string().optional() });

/** Query values that may repeat (`?orderBy=a&orderBy=b`) arrive as a string or an array. */
export const stringList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]));
export const optionalInt = z.coerce.number().int().optional();
export const ViewTypeParam = z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']).optional();
