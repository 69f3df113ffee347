import { AscentError, invalid } from '../../core/errors.js';
import type { Tensor, TensorDatatype, TensorSpec } from '../model-runtime.js';

/**
 * Checks every runtime applies to the tensors it is given, against the specs its model declares:
 * a runtime refuses what it cannot run with INVALID_ARGUMENT naming the tensor, before any work.
 */

/** Bytes per element of the fixed-width datatypes; BYTES is variable. */
export const DATATYPE_BYTES: Record<Exclude<TensorDatatype, 'BYTES'>, number> = {
  BOOL: 1, UINT8: 1, UINT16: 2, UINT32: 4, UINT64: 8, INT8: 1, INT16: 2, INT32: 4, INT64: 8, FP16: 2, FP32: 4, FP64: 8,
};

export const TENSOR_DATATYPES = new Set<string>([...Object.keys(DATATYPE_BYTES), 'BYTES']);

/** Elements a shape holds; INVALID_ARGUMENT for negative or non-integer dimensions. */
export function elementCount(shape: readonly number[], field: string): number {
  let n = 1;
  for (const [i, d] of shape.entries()) {
    if (!Number.isInteger(d) || d < 0) throw invalid(`${field}: shape[${i}] must be a non-negative integer, got ${String(d)}`, field);
    n *= d;
  }
  return n;
}

/** True when a concrete shape fits a declared one (-1 matches any size; an empty spec shape matches any shape). */
export function shapeMatches(shape: readonly number[], spec: readonly number[]): boolean {
  if (spec.length === 0) return true;
  return shape.length === spec.length && spec.every((d, i) => d < 0 || d === shape[i]);
}

/**
 * Check inputs against the model's declared inputs: known names, no duplicates, every required input
 * present, the declared datatype, a fitting shape and as many elements as the shape says.
 */
export function checkInputs(inputs: readonly Tensor[], specs: readonly TensorSpec[], options: { allowMissing?: boolean } = {}): void {
  if (!Array.isArray(inputs) || inputs.length === 0) throw invalid('inputs: at least one input tensor is required', 'inputs');
  const byName = new Map(specs.map((s) => [s.name, s]));
  const seen = new Set<string>();
  for (const [i, t] of inputs.entries()) {
    const field = `inputs[${i}]`;
    if (typeof t?.name !== 'string') throw invalid(`${field}: a tensor needs a name`, field);
    const named = `${field} '${t.name}'`;
    const spec = byName.get(t.name);
    if (!spec) throw invalid(`${named}: the model has no input of this name (expected ${[...byName.keys()].map((n) => `'${n}'`).join(', ')})`, field);
    if (seen.has(t.name)) throw invalid(`${named}: given twice`, field);
    seen.add(t.name);
    if (t.datatype !== spec.datatype) throw invalid(`${named}: expected datatype ${spec.datatype}, got ${String(t.datatype)}`, field);
    if (!Array.isArray(t.shape)) throw invalid(`${named}: shape must be an array of integers`, field);
    const count = elementCount(t.shape, field);
    if (!shapeMatches(t.shape, spec.shape)) throw invalid(`${named}: shape [${t.shape.join(', ')}] does not fit the declared [${spec.shape.join(', ')}]`, field);
    const length = (t.data as ArrayLike<unknown> | undefined)?.length;
    if (typeof length !== 'number') throw invalid(`${named}: data must be an array`, field);
    if (length !== count) throw invalid(`${named}: shape [${t.shape.join(', ')}] holds ${count} elements but data has ${length}`, field);
  }
  if (!options.allowMissing) {
    const missing = specs.filter((s) => !seen.has(s.name));
    if (missing.length > 0) throw invalid(`inputs: missing input '${missing[0]!.name}'`, 'inputs');
  }
}

/** Refuse output names the model does not produce. */
export function checkOutputNames(requested: readonly string[] | undefined, specs: readonly TensorSpec[]): void {
  if (!requested) return;
  const known = new Set(specs.map((s) => s.name));
  for (const [i, name] of requested.entries()) {
    if (!known.has(name)) throw invalid(`outputs[${i}] '${name}': the model has no output of this name`, `outputs[${i}]`);
  }
}

/** The error a runtime gives once closed, or while it cannot serve. */
export function unavailable(message: string): AscentError {
  return new AscentError('UNAVAILABLE', message);
}

/** Runs at most `limit` tasks at a time; the rest wait in arrival order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
