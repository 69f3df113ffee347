import { parseInput } from '../core/validate.js';
import { LIMITS, LogBatchInput, type MetricInput } from './model.js';

/**
 * Validate a log-batch request. Metric points are most of ingest's work, and running each of a
 * thousand points through the zod schema cost more than writing it; the common shape (string key,
 * numeric value, integer timestamp and step, no model or dataset fields) is checked here directly.
 * Anything else — and any point that fails a check — goes through `LogBatchInput`, so every error
 * and every unusual form (numeric strings, "NaN", dataset fields) keeps the schema's handling.
 * A test holds the two paths to the same result.
 */
export function parseLogBatch(raw: unknown): LogBatchInput {
  const metrics = fastMetrics(raw);
  if (!metrics) return parseInput(LogBatchInput, raw, 'batch');
  const { params, tags } = raw as { params?: unknown; tags?: unknown };
  if (params === undefined && tags === undefined) return { metrics, params: [], tags: [] };
  // Metrics passed, so the schema's first issue (if any) is in params or tags either way.
  const rest = parseInput(LogBatchInput, { params, tags }, 'batch');
  return { metrics, params: rest.params, tags: rest.tags };
}

const KEY_PATTERN = /^[\w\-./ :]+$/;

/** The `key` schema's rules, as a predicate. */
export function isValidKey(k: unknown): k is string {
  return (
    typeof k === 'string' &&
    k.length >= 1 &&
    k.length <= LIMITS.maxKeyLength &&
    KEY_PATTERN.test(k) &&
    !k.startsWith('/') &&
    !k.split('/').includes('..')
  );
}

const OPTIONAL_FIELDS = ['modelId', 'datasetName', 'datasetDigest'] as const;

/** The metrics of the common shape, or null when any point needs the schema. */
function fastMetrics(raw: unknown): MetricInput[] | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const list = (raw as { metrics?: unknown }).metrics;
  if (list === undefined) return [];
  if (!Array.isArray(list) || list.length > LIMITS.maxBatchMetrics) return null;
  const goodKeys = new Set<string>();
  const out: MetricInput[] = new Array<MetricInput>(list.length);
  for (let i = 0; i < list.length; i++) {
    const m = list[i] as Record<string, unknown> | null;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return null;
    const { key, value, timestamp, step } = m;
    if (typeof key !== 'string' || (!goodKeys.has(key) && !(isValidKey(key) && goodKeys.add(key)))) return null;
    if (typeof value !== 'number') return null;
    if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp)) return null;
    if (step !== undefined && (typeof step !== 'number' || !Number.isSafeInteger(step))) return null;
    for (const f of OPTIONAL_FIELDS) if (m[f] !== undefined && m[f] !== null) return null;
    out[i] = { key, value, timestamp, step: step ?? 0 };
  }
  return out;
}
