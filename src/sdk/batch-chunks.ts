import type { KeyValue, LIMITS } from '../tracking/model.js';
import type { WireNumber } from './metric-values.js';

/** A metric point as sent: value already in wire form, timestamp and step filled in. */
export interface WireMetric {
  key: string;
  value: WireNumber;
  timestamp: number;
  step: number;
  modelId?: string;
  datasetName?: string;
  datasetDigest?: string;
}

/** One request body of `POST /runs/:runId/batch`. */
export interface WireBatch {
  metrics: WireMetric[];
  params: KeyValue[];
  tags: KeyValue[];
}

/**
 * The server's batch limits. `satisfies` fails to compile if they drift from the tracking model's
 * LIMITS, which the SDK may only import as a type.
 */
export const BATCH_LIMITS = {
  maxBatchMetrics: 1000,
  maxBatchParams: 100,
  maxBatchTags: 100,
  maxBatchItems: 1000,
  maxBatchBytes: 1024 * 1024,
} as const satisfies Pick<typeof LIMITS, 'maxBatchMetrics' | 'maxBatchParams' | 'maxBatchTags' | 'maxBatchItems' | 'maxBatchBytes'>;

// Characters, not bytes: half the byte limit leaves room for multi-byte text and the envelope.
const CHAR_BUDGET = BATCH_LIMITS.maxBatchBytes / 2;

/** Split a batch into as few requests as the server's count and size limits allow, keeping order. */
export function splitBatch(batch: WireBatch, maxMetrics: number = BATCH_LIMITS.maxBatchMetrics): WireBatch[] {
  const chunks: WireBatch[] = [];
  let current: WireBatch = { metrics: [], params: [], tags: [] };
  let chars = 0;
  const size = () => current.metrics.length + current.params.length + current.tags.length;
  const close = () => {
    if (size() > 0) chunks.push(current);
    current = { metrics: [], params: [], tags: [] };
    chars = 0;
  };
  const add = <K extends keyof WireBatch>(kind: K, item: WireBatch[K][number], kindLimit: number) => {
    const itemChars = JSON.stringify(item).length + 1;
    if (current[kind].length >= kindLimit || size() >= BATCH_LIMITS.maxBatchItems || (size() > 0 && chars + itemChars > CHAR_BUDGET)) close();
    (current[kind] as WireBatch[K][number][]).push(item);
    chars += itemChars;
  };
  for (const p of batch.params) add('params', p, BATCH_LIMITS.maxBatchParams);
  for (const t of batch.tags) add('tags', t, BATCH_LIMITS.maxBatchTags);
  for (const m of batch.metrics) add('metrics', m, Math.min(maxMetrics, BATCH_LIMITS.maxBatchMetrics));
  close();
  return chunks;
}
