import { AscentError, invalid } from '../../core/errors.js';
import type { Tensor, TensorSpec } from '../../serving/model-runtime.js';

/** A decoded MLflow scoring request: feature records, or raw arrays for the model's tensors. */
export type ScoringInput =
  | { kind: 'records'; records: Record<string, unknown>[] }
  | { kind: 'instances'; value: unknown[] | Record<string, unknown> };

const FORMATS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

/**
 * MLflow's `/invocations` JSON body: exactly one of dataframe_split, dataframe_records, instances
 * or inputs, plus optional params (FACTS.md §3).
 */
export function parseScoringJson(body: unknown): ScoringInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid(`The request body must be a JSON object with one of ${FORMATS.join(', ')}`, 'body');
  }
  const b = body as Record<string, unknown>;
  const present = FORMATS.filter((k) => k in b);
  if (present.length !== 1) {
    throw invalid(present.length === 0
      ? `The request body must have one of ${FORMATS.join(', ')} (got ${Object.keys(b).slice(0, 5).join(', ') || 'none'})`
      : `The request body must have exactly one of ${FORMATS.join(', ')}, got ${present.join(' and ')}`, 'body');
  }
  if ('params' in b && (typeof b.params !== 'object' || b.params === null || Array.isArray(b.params))) throw invalid('params must be an object', 'params');
  const format = present[0]!;
  const value = b[format];
  if (format === 'dataframe_records') {
    if (!Array.isArray(value) || value.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))) throw invalid('dataframe_records must be a list of objects', 'dataframe_records');
    return { kind: 'records', records: value as Record<string, unknown>[] };
  }
  if (format === 'dataframe_split') {
    const split = value as { columns?: unknown; data?: unknown };
    if (typeof split !== 'object' || split === null) throw invalid('dataframe_split must be an object with columns and data', 'dataframe_split');
    if (!Array.isArray(split.columns) || split.columns.some((c) => typeof c !== 'string')) throw invalid('dataframe_split.columns must be a list of column names', 'dataframe_split.columns');
    if (!Array.isArray(split.data)) throw invalid('dataframe_split.data must be a list of rows', 'dataframe_split.data');
    const columns = split.columns as string[];
    const records = split.data.map((row, r) => {
      if (!Array.isArray(row) || row.length !== columns.length) throw invalid(`dataframe_split.data row ${r} must have ${columns.length} values`, 'dataframe_split.data');
      return Object.fromEntries(columns.map((c, j) => [c, row[j]]));
    });
    return { kind: 'records', records };
  }
  if (Array.isArray(value)) {
    // A list of objects is a dataframe in disguise (MLflow accepts it for column signatures).
    if (value.length > 0 && value.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) return { kind: 'records', records: value as Record<string, unknown>[] };
    return { kind: 'instances', value };
  }
  if (typeof value === 'object' && value !== null) return { kind: 'instances', value: value as Record<string, unknown> };
  throw invalid(`${format} must be a list or an object of named lists`, format);
}

/** `instances` / `inputs` arrays → tensors: one unnamed array feeds the single input, an object feeds inputs by name. */
export function instancesToTensors(value: unknown[] | Record<string, unknown>, specs: readonly TensorSpec[]): Tensor[] {
  if (Array.isArray(value)) {
    if (specs.length !== 1) throw invalid(`The model takes ${specs.length} inputs (${specs.map((s) => s.name).join(', ')}); send them as an object of named lists`, 'inputs');
    return [nestedToTensor(value, specs[0]!)];
  }
  return Object.entries(value).map(([name, v]) => {
    const spec = specs.find((s) => s.name === name);
    if (!spec) throw invalid(`The model has no input '${name}' (inputs: ${specs.map((s) => s.name).join(', ')})`, name);
    return nestedToTensor(Array.isArray(v) ? v : [v], spec);
  });
}

/** Flatten a nested list, checking it is rectangular, into a tensor of the spec's datatype. */
export function nestedToTensor(value: unknown[], spec: Pick<TensorSpec, 'name' | 'datatype'>, shape?: number[]): Tensor {
  const dims: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    dims.push(probe.length);
    probe = probe[0];
  }
  const data: unknown[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth === dims.length) {
      if (Array.isArray(v)) throw invalid(`Input '${spec.name}' is not rectangular`, spec.name);
      data.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== dims[depth]) throw invalid(`Input '${spec.name}' is not rectangular (ragged at depth ${depth})`, spec.name);
    for (const x of v) walk(x, depth + 1);
  };
  walk(value, 0);
  return { name: spec.name, datatype: spec.datatype, shape: shape ?? dims, data };
}

/** RFC 4180 CSV with a header row → records; numbers become numbers, empty cells null. */
export function parseCsv(text: string, maxRows = 1_000_000): Record<string, unknown>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      cell = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
      if (rows.length > maxRows + 1) throw new AscentError('PAYLOAD_TOO_LARGE', `CSV has more than ${maxRows} rows`);
    } else cell += ch;
  }
  if (quoted) throw invalid('CSV has an unterminated quoted field', 'body');
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  if (rows.length < 2) throw invalid('CSV needs a header row and at least one data row', 'body');
  const header = rows[0]!;
  return rows.slice(1).map((r, n) => {
    if (r.length !== header.length) throw invalid(`CSV row ${n + 1} has ${r.length} fields, the header has ${header.length}`, 'body');
    return Object.fromEntries(header.map((h, j) => [h, csvValue(r[j]!)]));
  });
}

function csvValue(s: string): unknown {
  if (s === '') return null;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s.trim())) return Number(s);
  if (s === 'true' || s === 'True') return true;
  if (s === 'false' || s === 'False') return false;
  return s;
}
