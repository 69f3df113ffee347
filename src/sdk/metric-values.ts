import type { DownsampledHistory, LoggedModel, Metric, Run } from '../tracking/model.js';

/**
 * JSON has no NaN or ±Infinity, so the native API carries them as the strings "NaN", "Infinity"
 * and "-Infinity". These helpers convert at the edge so SDK users only ever see numbers.
 */
export type WireNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export function toWireNumber(value: number): WireNumber {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

export function fromWireNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'nan') return Number.NaN;
    if (lower === 'infinity' || lower === 'inf') return Number.POSITIVE_INFINITY;
    if (lower === '-infinity' || lower === '-inf') return Number.NEGATIVE_INFINITY;
    const n = Number(value);
    if (value.trim() !== '' && !Number.isNaN(n)) return n;
  }
  return Number.NaN;
}

function fromWireNullable(value: unknown): number | null {
  return value === null || value === undefined ? null : fromWireNumber(value);
}

export function reviveMetric<M extends Metric>(metric: M): M {
  return { ...metric, value: fromWireNumber(metric.value) };
}

export function reviveRun(run: Run): Run {
  return { ...run, data: { ...run.data, metrics: run.data.metrics.map(reviveMetric) } };
}

export function reviveLoggedModel(model: LoggedModel): LoggedModel {
  return { ...model, metrics: (model.metrics ?? []).map(reviveMetric) };
}

export function reviveDownsampled(history: DownsampledHistory): DownsampledHistory {
  return {
    ...history,
    buckets: history.buckets.map((b) => ({ ...b, min: fromWireNullable(b.min), max: fromWireNullable(b.max), last: fromWireNullable(b.last) })),
  };
}

/** JSON.stringify replacer that keeps non-finite numbers as the API's strings instead of `null`. */
export function nonFiniteReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? toWireNumber(value) : value;
}
