import { z } from 'zod';
import type { ReferenceProfile } from './reference-profile.js';

// Statistics of an empty numeric column are NaN, which JSON carries as null.
const num = z.number().nullable();
const finite = z.number().finite();
const MAX_BINS = 1000;

const NumericProfileSchema = z.object({
  kind: z.literal('numeric'),
  name: z.string().min(1).max(500),
  count: z.number().int().min(0),
  missing: z.number().int().min(0),
  min: num,
  max: num,
  mean: num,
  std: num,
  quantiles: z.array(finite).max(100),
  edges: z.array(finite).max(MAX_BINS + 1).refine((e) => e.every((x, i) => i === 0 || x > e[i - 1]!), 'edges must increase'),
  binShares: z.array(finite).max(MAX_BINS),
  distinct: z.number().int().min(0),
  sample: z.array(finite).max(100_000),
}).refine((p) => p.edges.length === 0 ? p.binShares.length === 0 : p.binShares.length === p.edges.length - 1, 'binShares needs one share per bin of edges');

const CategoricalProfileSchema = z.object({
  kind: z.literal('categorical'),
  name: z.string().min(1).max(500),
  count: z.number().int().min(0),
  missing: z.number().int().min(0),
  frequencies: z.record(z.string(), z.number().int().min(0)),
  otherCount: z.number().int().min(0),
});

const FeatureProfileSchema = z.union([NumericProfileSchema, CategoricalProfileSchema]);

/** A reference profile computed elsewhere (`ascent monitor profile upload` profiles the file locally). */
export const ReferenceProfileSchema = z.object({
  rows: z.number().int().min(1),
  features: z.array(FeatureProfileSchema).max(10_000),
  prediction: FeatureProfileSchema.nullable(),
});

/** The validated document as the monitoring code uses it (JSON nulls back to NaN). */
export function toReferenceProfile(doc: z.infer<typeof ReferenceProfileSchema>): ReferenceProfile {
  const feature = (f: z.infer<typeof FeatureProfileSchema>) =>
    f.kind === 'numeric' ? { ...f, min: f.min ?? NaN, max: f.max ?? NaN, mean: f.mean ?? NaN, std: f.std ?? NaN } : f;
  return { rows: doc.rows, features: doc.features.map(feature), prediction: doc.prediction ? feature(doc.prediction) : null };
}
