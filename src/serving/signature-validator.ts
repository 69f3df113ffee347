import { invalid } from '../core/errors.js';
import type { ModelSignature, SignatureSpec } from '../registry/packages/manifest.js';
import { columnLookup, isPositional, type ModelRequest } from './codec/model-request.js';
import { isTensorSignature } from './codec/signature-specs.js';

/**
 * Checks a request against the model's MLflow signature before it reaches a runtime, the way
 * MLflow's schema enforcement does, but failing with INVALID_ARGUMENT that names the field:
 * `inputs[3] 'petal_width': expected double, got string`. Column signatures check presence of
 * required columns and each value's type; tensor signatures check element type and shape. Extra
 * columns are allowed (MLflow drops them too) but never reach the model.
 */
export function validateRequest(request: ModelRequest, signature: ModelSignature | null): void {
  const specs = signature?.inputs;
  if (!specs || specs.length === 0) return;
  if (request.kind === 'columns') {
    if (isTensorSignature(specs)) return validateColumnsAsTensor(request, specs);
    return validateColumns(request, specs);
  }
  if (request.kind === 'tensors') {
    if (!isTensorSignature(specs)) return;
    for (const [i, t] of request.tensors.entries()) {
      const spec = t.name === null ? specs[i] : specs.find((s) => s.name === t.name);
      const label = t.name ?? spec?.name ?? `input-${i}`;
      if (!spec) throw invalid(`inputs '${label}': the model has no input of this name (expected ${specs.map((s) => `'${s.name}'`).join(', ')})`, `inputs.${label}`);
      checkTensorValue(t.value, spec, label);
    }
  }
}

/** Types a JSON value can take for an MLflow column type; null is a missing value. */
function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Whether `v` fits a column of MLflow type `type`. */
export function fitsColumnType(type: string, v: unknown): boolean {
  switch (type) {
    case 'double':
    case 'float':
      return typeof v === 'number';
    case 'long':
      return typeof v === 'number' && Number.isInteger(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31;
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
    case 'binary':
      return typeof v === 'string';
    case 'datetime':
      return (typeof v === 'string' && !Number.isNaN(Date.parse(v))) || typeof v === 'number';
    default:
      // Objects, arrays and maps (MLflow's richer types) are passed through for the model to judge.
      return true;
  }
}

function validateColumns(request: ModelRequest & { kind: 'columns' }, specs: SignatureSpec[]): void {
  const indexOf = columnLookup(request.columns);
  // A header-less table (`dataframe_split` without columns, `instances` as rows) is matched by position.
  const positional = isPositional(request.columns) && !specs.some((s) => indexOf(s.name ?? '') !== undefined);
  const rows = request.rows;
  for (let j = 0; j < specs.length; j++) {
    const spec = specs[j]!;
    const name = spec.name ?? String(j);
    const col = positional ? (j < request.columns.length ? j : undefined) : indexOf(name);
    if (col === undefined) {
      if (spec.required === false) continue;
      throw invalid(`inputs: missing required column '${name}' (${spec.type})`, `inputs.${name}`);
    }
    for (let r = 0; r < rows.length; r++) {
      const v = rows[r]![col];
      // Nulls are missing values: allowed where pandas can hold them (floats as NaN, optional columns).
      if (v === null || v === undefined) {
        if (spec.type === 'double' || spec.type === 'float' || spec.required === false || spec.type === 'string') continue;
        throw invalid(`inputs[${r}] '${name}': expected ${spec.type}, got null`, `inputs[${r}].${name}`);
      }
      if (!fitsColumnType(spec.type, v)) throw invalid(`inputs[${r}] '${name}': expected ${spec.type}, got ${describe(v)}${typeof v === 'string' ? ` '${v.slice(0, 40)}'` : ''}`, `inputs[${r}].${name}`);
    }
  }
}

/** A table sent to a tensor model: each row is one tensor row, every value a number of the tensor's type. */
function validateColumnsAsTensor(request: ModelRequest & { kind: 'columns' }, specs: SignatureSpec[]): void {
  if (specs.length !== 1) return;
  checkTensorValue(request.rows, specs[0]!, specs[0]!.name ?? 'input-0');
}

const NUMERIC = /^(float|int|uint)\d*$/;

function checkTensorValue(value: unknown, spec: SignatureSpec, label: string): void {
  const ts = spec['tensor-spec']!;
  const shape: number[] = [];
  let probe = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const declared = ts.shape ?? [];
  if (declared.length > 0) {
    if (shape.length !== declared.length) throw invalid(`inputs '${label}': expected a tensor of rank ${declared.length} (shape [${declared.join(', ')}]), got rank ${shape.length} (shape [${shape.join(', ')}])`, `inputs.${label}`);
    for (const [i, d] of declared.entries()) {
      if (d >= 0 && shape[i] !== d) throw invalid(`inputs '${label}': dimension ${i} must be ${d}, got ${shape[i]}`, `inputs.${label}`);
    }
  }
  const flat = Array.isArray(value) ? (value as unknown[]).flat(Infinity) : [value];
  const expected = shape.reduce((a, b) => a * b, 1);
  if (flat.length !== expected) throw invalid(`inputs '${label}': ragged nested lists (expected ${expected} values for shape [${shape.join(', ')}], got ${flat.length})`, `inputs.${label}`);
  const dtype = ts.dtype.replace(/^</, '');
  for (const [i, v] of flat.entries()) {
    const ok = NUMERIC.test(dtype) ? typeof v === 'number' && (dtype.startsWith('float') || Number.isInteger(v)) : dtype === 'bool' ? typeof v === 'boolean' : true;
    if (!ok) throw invalid(`inputs '${label}'[${i}]: expected ${dtype}, got ${describe(v)}`, `inputs.${label}`);
  }
}
