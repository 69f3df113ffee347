import type { Tensor } from '../model-runtime.js';

/**
 * Tensors back to rows for the inference log: input tensors as feature records, output tensors as
 * one prediction per row. (Requests are encoded by the shared codec in src/serving/codec.)
 */

/** Rows of feature records from input tensors (for the log): 2-D tensors spread over named columns. */
export function tensorsToRecords(tensors: readonly Tensor[], columns: readonly string[] | null): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const t of tensors) {
    const n = t.shape[0] ?? 1;
    const width = n > 0 ? Math.max(1, Math.floor(lengthOf(t.data) / n)) : 1;
    const names = tensors.length === 1 && columns && columns.length === width ? columns : null;
    for (let r = 0; r < n; r++) {
      const row = (rows[r] ??= {});
      if (width === 1) row[t.name] = plain((t.data as ArrayLike<unknown>)[r]);
      else for (let j = 0; j < width; j++) row[names ? names[j]! : `${t.name}_${j}`] = plain((t.data as ArrayLike<unknown>)[r * width + j]);
    }
  }
  return rows;
}

/** One prediction per row: a scalar or an array for a single output, an object of outputs otherwise. */
export function tensorsToPredictions(outputs: readonly Tensor[]): unknown[] {
  if (outputs.length === 0) return [];
  const n = outputs[0]!.shape[0] ?? lengthOf(outputs[0]!.data);
  const per = outputs.map((t) => {
    const width = n > 0 ? Math.floor(lengthOf(t.data) / n) : 0;
    const scalar = t.shape.length <= 1 || (t.shape.length === 2 && t.shape[1] === 1);
    return (r: number): unknown => {
      const d = t.data as ArrayLike<unknown>;
      if (scalar) return plain(d[r]);
      const out: unknown[] = [];
      for (let j = 0; j < width; j++) out.push(plain(d[r * width + j]));
      return out;
    };
  });
  const out: unknown[] = [];
  for (let r = 0; r < n; r++) {
    if (per.length === 1) out.push(per[0]!(r));
    else out.push(Object.fromEntries(outputs.map((t, i) => [t.name, per[i]!(r)])));
  }
  return out;
}

/** Plain JSON values: bigint (INT64 outputs) becomes a number when safe, else a string. */
export function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  return v;
}

function lengthOf(data: unknown): number {
  return (data as ArrayLike<unknown>).length ?? 0;
}
