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
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (!Number.isInteger(d) || d < 0) throw invalid(`${field}: shape[${i}] must be a non-negative integer, got ${String(d)}`, field);
    n *= d;
  }
  return n;
}

/** True when a concrete shape fits a declared one (-1 matches any size; an empty spec shape matches any shape). */
export function shapeMatches(shape: readonly number[], spec: readonly number[]): boolean {
  if (spec.length === 0) return true;
  if (shape.length !== spec.length) return false;
  for (let i = 0; i < spec.length; i++) if (spec[i]! >= 0 && spec[i] !== shape[i]) return false;
  return true;
}

/**
 * Check inputs against the model's declared inputs: known names, no duplicates, every required input
 * present, the declared datatype, a fitting shape and as many elements as the shape says.
 */
export function checkInputs(inputs: readonly Tensor[], specs: readonly TensorSpec[], options: { allowMissing?: boolean } = {}): void {
  if (!Array.isArray(inputs) || inputs.length === 0) throw invalid('inputs: at least one input tensor is required', 'inputs');
  // Models have a handful of inputs: linear scans, no Map or Set per request.
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i]!;
    const field = `inputs[${i}]`;
    if (typeof t?.name !== 'string') throw invalid(`${field}: a tensor needs a name`, field);
    const spec = specs.find((s) => s.name === t.name);
    if (!spec) throw invalid(`${field} '${t.name}': the model has no input of this name (expected ${specs.map((s) => `'${s.name}'`).join(', ')})`, field);
    for (let j = 0; j < i; j++) if (inputs[j]!.name === t.name) throw invalid(`${field} '${t.name}': given twice`, field);
    if (t.datatype !== spec.datatype) throw invalid(`${field} '${t.name}': expected datatype ${spec.datatype}, got ${String(t.datatype)}`, field);
    if (!Array.isArray(t.shape)) throw invalid(`${field} '${t.name}': shape must be an array of integers`, field);
    const count = elementCount(t.shape, field);
    if (!shapeMatches(t.shape, spec.shape)) throw invalid(`${field} '${t.name}': shape [${t.shape.join(', ')}] does not fit the declared [${spec.shape.join(', ')}]`, field);
    const length = (t.data as ArrayLike<unknown> | undefined)?.length;
    if (typeof length !== 'number') throw invalid(`${field} '${t.name}': data must be an array`, field);
    if (length !== count) throw invalid(`${field} '${t.name}': shape [${t.shape.join(', ')}] holds ${count} elements but data has ${length}`, field);
  }
  if (!options.allowMissing && inputs.length < specs.length) {
    // Names are known and distinct here, so fewer inputs than specs means one is missing.
    const missing = specs.find((s) => !inputs.some((t) => t.name === s.name))!;
    throw invalid(`inputs: missing input '${missing.name}'`, 'inputs');
  }
}

/** Refuse output names the model does not produce. */
export function checkOutputNames(requested: readonly string[] | undefined, specs: readonly TensorSpec[]): void {
  if (!requested) return;
  for (let i = 0; i < requested.length; i++) {
    const name = requested[i]!;
    if (!specs.some((s) => s.name === name)) throw invalid(`outputs[${i}] '${name}': the model has no output of this name`, `outputs[${i}]`);
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
