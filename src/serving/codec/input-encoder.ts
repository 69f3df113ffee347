import { invalid } from '../../core/errors.js';
import type { ModelSignature } from '../../registry/packages/manifest.js';
import type { Tensor, TensorDatatype, TensorSpec } from '../model-runtime.js';
import { columnLookup, isPositional, type ModelRequest } from './model-request.js';
import { shapeMatches } from '../runtimes/tensor-checks.js';

/**
 * Turns a neutral request into the tensors a loaded model takes, using its metadata (what the
 * runtime runs) and its signature (what users send):
 * - a table whose columns the model takes one by one (pyfunc, `/invocations` servers) → one tensor
 *   per declared input, `[N]` (or `[N, 1]` when declared 2-D);
 * - a table for a model with a single `[N, k]` input (an ONNX export of a scikit-learn model) → the
 *   columns stacked in signature order (or as sent, without one) into one `[N, k]` tensor;
 * - nested arrays (MLflow `instances` / `inputs`) → flattened, shape from the nesting, matched by
 *   name or, unnamed, to the model's first input;
 * - OIP tensors → passed by name; named after signature columns for a stacked model, they are stacked.
 * Values are converted to the declared datatype; a value that cannot be is INVALID_ARGUMENT.
 */
export function encodeInputs(request: ModelRequest, inputs: readonly TensorSpec[], signature: ModelSignature | null): Tensor[] {
  if (request.kind === 'oip') {
    const names = new Set(inputs.map((s) => s.name));
    if (request.tensors.every((t) => names.has(t.name))) return request.tensors.map((t) => coerce(t, specNamed(inputs, t.name)));
    // Column tensors for a stacked model: rebuild the table and stack it.
    if (request.tensors.every((t) => t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1))) {
      const n = request.tensors[0]!.shape[0] ?? 0;
      if (request.tensors.some((t) => t.shape[0] !== n)) throw invalid('inputs: column tensors must all have the same number of rows', 'inputs');
      return encodeInputs({ kind: 'columns', columns: request.tensors.map((t) => t.name), rows: Array.from({ length: n }, (_, r) => request.tensors.map((t) => t.data[r])) }, inputs, signature);
    }
    return request.tensors.map((t) => coerce(t, specNamed(inputs, t.name)));
  }
  if (request.kind === 'tensors') {
    return request.tensors.map((t, i) => {
      const spec = t.name === null ? inputs[i] : inputs.find((s) => s.name === t.name);
      if (!spec) throw invalid(`inputs '${t.name ?? i}': the model has no input of this name (expected ${inputs.map((s) => `'${s.name}'`).join(', ')})`, `inputs.${t.name ?? i}`);
      const shape: number[] = [];
      for (let probe = t.value; Array.isArray(probe); probe = probe[0]) shape.push(probe.length);
      const data = Array.isArray(t.value) ? (t.value as unknown[]).flat(Infinity) : [t.value];
      const expected = shape.reduce((a, b) => a * b, 1);
      if (data.length !== expected) throw invalid(`inputs '${spec.name}': ragged nested lists`, `inputs.${spec.name}`);
      const dims = shape.length === 0 ? [1] : shape;
      if (!shapeMatches(dims, spec.shape)) throw invalid(`inputs '${spec.name}': shape [${dims.join(', ')}] does not fit the model's [${spec.shape.join(', ')}]`, `inputs.${spec.name}`);
      return convert(spec, dims, data);
    });
  }
  const n = request.rows.length;
  const at = columnLookup(request.columns);
  const present = inputs.filter((s) => at(s.name) !== undefined).length;
  const byColumn = present === inputs.length || (inputs.length > 1 && present > 0);
  if (byColumn) {
    return inputs.flatMap((spec) => {
      const col = at(spec.name);
      if (col === undefined) return []; // optional column; the signature check already refused missing required ones
      return [convert(spec, spec.shape.length === 2 ? [n, 1] : [n], request.rows.map((r) => r[col]))];
    });
  }
  if (inputs.length === 1) {
    const spec = inputs[0]!;
    // Header-less tables are taken in position order; named ones in the signature's column order.
    const order = stackOrder(request.columns, at, signature);
    const k = order.length;
    const declared = spec.shape[1];
    if (spec.shape.length === 2 && declared !== undefined && declared >= 0 && declared !== k) throw invalid(`inputs: the model takes ${declared} features per row; got ${k} columns (${request.columns.join(', ')})`, 'inputs');
    const data: unknown[] = new Array(n * k);
    for (let r = 0; r < n; r++) {
      const row = request.rows[r]!;
      for (let j = 0; j < k; j++) data[r * k + j] = row[order[j]!];
    }
    return [convert(spec, spec.shape.length === 1 ? [n * k] : [n, k], data)];
  }
  throw invalid(`inputs: the columns ${request.columns.map((c) => `'${c}'`).join(', ')} do not match the model's inputs ${inputs.map((s) => `'${s.name}'`).join(', ')}`, 'inputs');
}

/** Columns to stack into one `[N, k]` tensor, as positions in the request's table. */
function stackOrder(columns: readonly string[], at: (name: string) => number | undefined, signature: ModelSignature | null): number[] {
  const identity = () => columns.map((_, i) => i);
  if (isPositional(columns)) return identity();
  const signed = signature?.inputs;
  if (!signed || signed.length === 0) return identity();
  const order: number[] = [];
  for (const s of signed) {
    if (s.type === 'tensor') continue;
    const i = at(s.name ?? '');
    if (i === undefined) return identity();
    order.push(i);
  }
  return order.length > 0 ? order : identity();
}

function specNamed(inputs: readonly TensorSpec[], name: string): TensorSpec {
  const spec = inputs.find((s) => s.name === name);
  if (!spec) throw invalid(`inputs '${name}': the model has no input of this name (expected ${inputs.map((s) => `'${s.name}'`).join(', ')})`, `inputs.${name}`);
  return spec;
}

/** An OIP tensor sent as another numeric datatype than declared is converted (clients send FP64 for FP32 alike). */
function coerce(t: Tensor, spec: TensorSpec): Tensor {
  if (t.datatype === spec.datatype) return t;
  if (t.datatype === 'BYTES' || spec.datatype === 'BYTES') throw invalid(`inputs '${t.name}': expected datatype ${spec.datatype}, got ${t.datatype}`, `inputs.${t.name}`);
  return convert(spec, t.shape, Array.from(t.data as ArrayLike<unknown>));
}

const INTEGER: ReadonlySet<TensorDatatype> = new Set(['INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']);

/** Values → a tensor of the spec's datatype (Float32Array / Float64Array for floats, numbers for integers). */
export function convert(spec: TensorSpec, shape: number[], values: unknown[]): Tensor {
  const field = `inputs.${spec.name}`;
  const bad = (i: number, v: unknown, want: string) => invalid(`inputs '${spec.name}'[${i}]: expected ${want}, got ${v === null ? 'null' : typeof v === 'number' ? String(v) : typeof v}`, field);
  if (spec.datatype === 'BYTES') return { name: spec.name, datatype: 'BYTES', shape, data: values.map((v) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v))) };
  if (spec.datatype === 'BOOL') {
    return { name: spec.name, datatype: 'BOOL', shape, data: values.map((v, i) => { if (typeof v === 'boolean') return v; if (v === 0 || v === 1) return v === 1; throw bad(i, v, 'a boolean'); }) };
  }
  if (spec.datatype === 'FP32' || spec.datatype === 'FP64') {
    const data = spec.datatype === 'FP32' ? new Float32Array(values.length) : new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v === 'number') data[i] = v;
      else if (v === null || v === undefined) data[i] = NaN;
      else if (typeof v === 'boolean') data[i] = v ? 1 : 0;
      else throw bad(i, v, 'a number');
    }
    return { name: spec.name, datatype: spec.datatype, shape, data };
  }
  if (INTEGER.has(spec.datatype)) {
    return { name: spec.name, datatype: spec.datatype, shape, data: values.map((v, i) => { if (typeof v === 'number' && Number.isInteger(v)) return v; if (typeof v === 'boolean') return v ? 1 : 0; throw bad(i, v, 'an integer'); }) };
  }
  return { name: spec.name, datatype: spec.datatype, shape, data: values };
}
