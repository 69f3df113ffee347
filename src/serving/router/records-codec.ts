import { invalid } from '../../core/errors.js';
import type { Tensor, TensorDatatype, TensorSpec } from '../model-runtime.js';

/**
 * Between feature records (column → value, what MLflow's dataframe formats and the native predict
 * API carry) and the tensors a model takes. A model with one 2-D input gets the columns packed in
 * signature order; a model with several inputs gets one column per input of the same name.
 */

const INTEGER = new Set<TensorDatatype>(['INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']);

/** Encode rows into the model's input tensors; INVALID_ARGUMENT names the missing or mistyped field. */
export function recordsToTensors(rows: readonly Record<string, unknown>[], inputs: readonly TensorSpec[], columns: readonly string[] | null): Tensor[] {
  if (rows.length === 0) throw invalid('At least one input row is required', 'inputs');
  const only = inputs.length === 1 ? inputs[0]! : undefined;
  if (only && only.shape.length === 2 && !(only.name in rows[0]! && !columns?.includes(only.name))) {
    const cols = columns ?? Object.keys(rows[0]!);
    const width = only.shape[1]!;
    if (width > 0 && cols.length !== width) throw invalid(`Model input '${only.name}' takes ${width} features, got ${cols.length} (${cols.join(', ')})`, 'inputs');
    const data: unknown[] = new Array(rows.length * cols.length);
    rows.forEach((row, r) => {
      cols.forEach((c, j) => {
        if (!(c in row)) throw invalid(`Row ${r} is missing feature '${c}'`, c);
        data[r * cols.length + j] = cell(row[c], only.datatype, c, r);
      });
    });
    return [{ name: only.name, datatype: only.datatype, shape: [rows.length, cols.length], data }];
  }
  return inputs.map((spec) => {
    const data = rows.map((row, r) => {
      if (!(spec.name in row)) throw invalid(`Row ${r} is missing feature '${spec.name}'`, spec.name);
      return cell(row[spec.name], spec.datatype, spec.name, r);
    });
    const shape = spec.shape.length === 2 ? [rows.length, 1] : [rows.length];
    return { name: spec.name, datatype: spec.datatype, shape, data };
  });
}

function cell(v: unknown, datatype: TensorDatatype, field: string, row: number): unknown {
  if (datatype === 'BYTES') {
    if (typeof v !== 'string') throw invalid(`Feature '${field}' in row ${row} must be a string, got ${typeName(v)}`, field);
    return v;
  }
  if (datatype === 'BOOL') {
    if (typeof v !== 'boolean') throw invalid(`Feature '${field}' in row ${row} must be a boolean, got ${typeName(v)}`, field);
    return v;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`Feature '${field}' in row ${row} must be a number, got ${typeName(v)}`, field);
  if (INTEGER.has(datatype) && !Number.isInteger(v)) throw invalid(`Feature '${field}' in row ${row} must be an integer, got ${v}`, field);
  return v;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}` : typeof v;
}

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
