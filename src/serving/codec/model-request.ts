import { invalid } from '../../core/errors.js';
import type { Tensor } from '../model-runtime.js';
import { TENSOR_DATATYPES, elementCount } from '../runtimes/tensor-checks.js';

/**
 * A prediction request in neutral form, whichever protocol carried it. `columns`: a table (MLflow
 * `dataframe_split` / `dataframe_records`, `instances` of records, CSV, plain JSON records);
 * `tensors`: named or unnamed nested arrays (MLflow `instances` / `inputs`); `oip`: Open Inference
 * Protocol tensors with declared datatype and shape.
 */
export type ModelRequest =
  | { kind: 'columns'; columns: string[]; rows: unknown[][]; params?: Record<string, unknown> }
  | { kind: 'tensors'; tensors: { name: string | null; value: unknown }[]; params?: Record<string, unknown> }
  | { kind: 'oip'; tensors: Tensor[]; outputs?: string[]; params?: Record<string, unknown> };

/** Most rows one request may carry (a bound, not a target: batch scoring sends far fewer). */
export const MAX_REQUEST_ROWS = 1_000_000;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Plain JSON records (`[{"a": 1}, …]` or one object): the native predict body. */
export function recordsRequest(records: unknown, field = 'records'): ModelRequest {
  const list = Array.isArray(records) ? records : [records];
  if (list.length === 0) throw invalid(`${field}: at least one record is required`, field);
  if (list.length > MAX_REQUEST_ROWS) throw invalid(`${field}: at most ${MAX_REQUEST_ROWS} records per request`, field);
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const [i, r] of list.entries()) {
    if (!isRecord(r)) throw invalid(`${field}[${i}]: each record must be a JSON object of column values`, `${field}[${i}]`);
    for (const k of Object.keys(r)) {
      if (seen.has(k)) continue;
      seen.add(k);
      columns.push(k);
    }
  }
  return { kind: 'columns', columns, rows: list.map((r) => columns.map((c) => (r as Record<string, unknown>)[c] ?? null)) };
}

/**
 * MLflow's `/invocations` JSON, in each format MLflow's scoring server accepts: `dataframe_split`
 * (`{columns, data}`), `dataframe_records` (a list of records), `instances` (rows, records or a
 * dict of columns) and `inputs` (a tensor, a list, or a dict of named tensors); `params` passes along.
 */
export function invocationsRequest(body: unknown): ModelRequest {
  if (!isRecord(body)) throw invalid('The request body must be a JSON object with one of dataframe_split, dataframe_records, instances or inputs', 'body');
  const formats = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'].filter((k) => k in body);
  if (formats.length !== 1) throw invalid(`The request body must have exactly one of dataframe_split, dataframe_records, instances or inputs; got ${formats.length === 0 ? `keys ${Object.keys(body).map((k) => `'${k}'`).join(', ') || 'none'}` : formats.join(' and ')}`, 'body');
  const params = body.params === undefined ? undefined : isRecord(body.params) ? body.params : (() => { throw invalid('params must be a JSON object', 'params'); })();
  const withParams = (r: ModelRequest): ModelRequest => (params ? { ...r, params } : r);
  const format = formats[0]!;
  const value = body[format];
  if (format === 'dataframe_split') {
    const split = typeof value === 'string' ? safeJson(value, 'dataframe_split') : value;
    if (!isRecord(split) || !Array.isArray(split.data)) throw invalid("dataframe_split must be an object with 'data' (a list of rows) and 'columns'", 'dataframe_split');
    const data = split.data as unknown[];
    const columns = Array.isArray(split.columns) ? split.columns.map(String) : Array.isArray(data[0]) ? (data[0] as unknown[]).map((_, i) => String(i)) : ['0'];
    if (data.length > MAX_REQUEST_ROWS) throw invalid(`dataframe_split: at most ${MAX_REQUEST_ROWS} rows per request`, 'dataframe_split.data');
    const rows = data.map((row, i) => {
      const cells = Array.isArray(row) ? row : [row];
      if (cells.length !== columns.length) throw invalid(`dataframe_split.data[${i}] has ${cells.length} values for ${columns.length} columns`, `dataframe_split.data[${i}]`);
      return cells;
    });
    return withParams({ kind: 'columns', columns, rows });
  }
  if (format === 'dataframe_records') return withParams(recordsRequest(value, 'dataframe_records'));
  if (format === 'instances') {
    if (Array.isArray(value) && value.length > 0 && value.every(isRecord)) {
      // A list of objects whose values are scalars is a table; objects of arrays are named tensors per row.
      if (value.every((r) => Object.values(r).every((v) => !Array.isArray(v)))) return withParams(recordsRequest(value, 'instances'));
      const names = Object.keys(value[0]!);
      return withParams({ kind: 'tensors', tensors: names.map((n) => ({ name: n, value: value.map((r) => (r as Record<string, unknown>)[n]) })) });
    }
    if (isRecord(value)) return withParams({ kind: 'tensors', tensors: Object.entries(value).map(([name, v]) => ({ name, value: v })) });
    if (!Array.isArray(value)) throw invalid('instances must be a list', 'instances');
    return withParams({ kind: 'tensors', tensors: [{ name: null, value }] });
  }
  if (isRecord(value)) return withParams({ kind: 'tensors', tensors: Object.entries(value).map(([name, v]) => ({ name, value: v })) });
  return withParams({ kind: 'tensors', tensors: [{ name: null, value }] });
}

/** An Open Inference Protocol V2 inference request body (`{inputs: [{name, datatype, shape, data}], outputs?, parameters?}`). */
export function oipRequest(body: unknown): ModelRequest & { kind: 'oip' } {
  if (!isRecord(body) || !Array.isArray(body.inputs) || body.inputs.length === 0) throw invalid("The request needs 'inputs': a non-empty list of tensors", 'inputs');
  const tensors = body.inputs.map((t, i): Tensor => {
    const field = `inputs[${i}]`;
    if (!isRecord(t)) throw invalid(`${field} must be an object with name, datatype, shape and data`, field);
    if (typeof t.name !== 'string' || t.name === '') throw invalid(`${field}.name must be a non-empty string`, `${field}.name`);
    if (typeof t.datatype !== 'string' || !TENSOR_DATATYPES.has(t.datatype)) throw invalid(`${field} '${t.name}': datatype must be one of ${[...TENSOR_DATATYPES].join(', ')}`, `${field}.datatype`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) throw invalid(`${field} '${t.name}': shape must be a list of non-negative integers`, `${field}.shape`);
    if (!Array.isArray(t.data)) throw invalid(`${field} '${t.name}': data must be a list`, `${field}.data`);
    const data = (t.data as unknown[]).flat(Infinity);
    const count = elementCount(t.shape as number[], `${field}.shape`);
    if (data.length !== count) throw invalid(`${field} '${t.name}': shape [${(t.shape as number[]).join(', ')}] holds ${count} elements but data has ${data.length}`, `${field}.data`);
    return { name: t.name, datatype: t.datatype as Tensor['datatype'], shape: t.shape as number[], data };
  });
  const outputs = Array.isArray(body.outputs) ? body.outputs.map((o, i) => {
    if (!isRecord(o) || typeof o.name !== 'string') throw invalid(`outputs[${i}].name must be a string`, `outputs[${i}].name`);
    return o.name;
  }) : undefined;
  const params = isRecord(body.parameters) ? body.parameters : undefined;
  return { kind: 'oip', tensors, ...(outputs ? { outputs } : {}), ...(params ? { params } : {}) };
}

function safeJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(`${field} is a string but not JSON`, field);
  }
}

/** True when a table's columns are just positions (`0`, `1`, …): it was sent without a header. */
export function isPositional(columns: readonly string[]): boolean {
  for (let i = 0; i < columns.length; i++) if (columns[i] !== String(i)) return false;
  return true;
}

/**
 * Column name → position in a request's table (undefined when absent): a scan for the few columns
 * models usually take, a Map for wide tables.
 */
export function columnLookup(columns: readonly string[]): (name: string) => number | undefined {
  if (columns.length > 16) {
    const at = new Map<string, number>();
    for (let i = 0; i < columns.length; i++) at.set(columns[i]!, i);
    return (name) => at.get(name);
  }
  // A repeated column name resolves to its last occurrence, in both forms.
  return (name) => {
    const i = columns.lastIndexOf(name);
    return i < 0 ? undefined : i;
  };
}
