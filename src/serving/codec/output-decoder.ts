import type { Tensor } from '../model-runtime.js';

/**
 * Model outputs back into the shapes protocols answer with: MLflow `predictions`, OIP outputs,
 * and one plain record per row (batch scoring, the native predict API).
 */

/** Plain JSON values of a tensor's data (typed arrays and bigints become numbers). */
export function plainData(t: Tensor): unknown[] {
  const data = t.data as ArrayLike<unknown>;
  const out = new Array<unknown>(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    out[i] = typeof v === 'bigint' ? Number(v) : typeof v === 'number' && !Number.isFinite(v) ? null : v;
  }
  return out;
}

/** Row `r` of a tensor whose first dimension is the batch: a scalar for `[N]`, nested lists beyond. */
function rowOf(t: Tensor, data: unknown[], r: number): unknown {
  const inner = t.shape.slice(1);
  const size = inner.reduce((a, b) => a * b, 1);
  const slice = data.slice(r * size, (r + 1) * size);
  return inner.length === 0 ? slice[0] : nest(slice, inner);
}

function nest(flat: unknown[], shape: number[]): unknown {
  if (shape.length <= 1) return flat;
  const size = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0]! }, (_, i) => nest(flat.slice(i * size, (i + 1) * size), shape.slice(1)));
}

/** Rows in the batch: the outputs' shared first dimension. */
export function rowCount(outputs: readonly Tensor[]): number {
  return outputs.length === 0 ? 0 : Math.max(...outputs.map((t) => (t.shape.length === 0 ? 1 : t.shape[0]!)));
}

/** One record per row: `{label: 2, probabilities: [0.01, 0.1, 0.89]}`. */
export function outputRows(outputs: readonly Tensor[]): Record<string, unknown>[] {
  const n = rowCount(outputs);
  const data = outputs.map(plainData);
  return Array.from({ length: n }, (_, r) => Object.fromEntries(outputs.map((t, i) => [t.name, t.shape.length === 0 ? data[i]![0] : rowOf(t, data[i]!, r)])));
}

/**
 * MLflow's `/invocations` answer: `{"predictions": [...]}` with one value per row for a single
 * output (as MLflow's scoring server writes a numpy array) and one record per row for several.
 */
export function mlflowPredictions(outputs: readonly Tensor[]): { predictions: unknown } {
  if (outputs.length === 1) {
    const t = outputs[0]!;
    const data = plainData(t);
    return { predictions: t.shape.length <= 1 ? data : nest(data, t.shape) };
  }
  return { predictions: outputRows(outputs) };
}

/** An Open Inference Protocol V2 inference response. */
export function oipResponse(outputs: readonly Tensor[], model: { name: string; version: string }, id?: string): Record<string, unknown> {
  return {
    model_name: model.name,
    model_version: model.version,
    ...(id !== undefined ? { id } : {}),
    outputs: outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, data: plainData(t) })),
  };
}
