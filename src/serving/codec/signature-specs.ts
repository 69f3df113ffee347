import type { ModelSignature, SignatureSpec } from '../../registry/packages/manifest.js';
import type { TensorDatatype, TensorSpec } from '../model-runtime.js';

/**
 * MLflow signatures in Open Inference Protocol terms. A column-based signature (`{type: 'double',
 * name}`) becomes one 1-D tensor per column; a tensor-based one (`{type: 'tensor', tensor-spec}`)
 * keeps its numpy dtype and shape.
 */

/** MLflow column types → OIP datatypes. */
export const COLUMN_DATATYPES: Record<string, TensorDatatype> = {
  double: 'FP64', float: 'FP32', long: 'INT64', integer: 'INT32', boolean: 'BOOL', string: 'BYTES', binary: 'BYTES', datetime: 'BYTES',
};

/** numpy dtypes (as MLflow records them in a tensor-spec) → OIP datatypes. */
export const NUMPY_DATATYPES: Record<string, TensorDatatype> = {
  float64: 'FP64', float32: 'FP32', float16: 'FP16', int64: 'INT64', int32: 'INT32', int16: 'INT16', int8: 'INT8',
  uint64: 'UINT64', uint32: 'UINT32', uint16: 'UINT16', uint8: 'UINT8', bool: 'BOOL', object: 'BYTES', str: 'BYTES', bytes: 'BYTES',
};

/** The OIP datatype of one signature entry (BYTES for types with no numeric form). */
export function datatypeOf(spec: SignatureSpec): TensorDatatype {
  if (spec.type === 'tensor') return NUMPY_DATATYPES[spec['tensor-spec']!.dtype.replace(/^</, '')] ?? 'BYTES';
  return COLUMN_DATATYPES[spec.type] ?? 'BYTES';
}

/** True when every entry is a tensor spec (MLflow does not mix the two kinds). */
export function isTensorSignature(specs: readonly SignatureSpec[]): boolean {
  return specs.length > 0 && specs.every((s) => s.type === 'tensor');
}

/** Tensor specs for one side (inputs or outputs) of a signature; unnamed entries are `input-<i>` / `output-<i>`. */
export function tensorSpecsOf(specs: readonly SignatureSpec[] | null, side: 'input' | 'output'): TensorSpec[] {
  if (!specs) return [];
  return specs.map((s, i) => ({
    name: s.name ?? (specs.length === 1 && side === 'output' ? 'predictions' : `${side}-${i}`),
    datatype: datatypeOf(s),
    shape: s.type === 'tensor' ? [...(s['tensor-spec']!.shape ?? [])] : [-1],
  }));
}

/** Metadata inputs/outputs derived from a signature, for runtimes whose model does not describe itself. */
export function specsFromSignature(signature: ModelSignature | null): { inputs: TensorSpec[]; outputs: TensorSpec[] } {
  return { inputs: tensorSpecsOf(signature?.inputs ?? null, 'input'), outputs: tensorSpecsOf(signature?.outputs ?? null, 'output') };
}
