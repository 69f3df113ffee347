import { z } from 'zod';
import { invalid } from '../../core/errors.js';
import { parseInput } from '../../core/validate.js';
import type { Tensor, TensorDatatype } from '../../serving/model-runtime.js';
import { plain } from '../../serving/router/records-codec.js';

/**
 * Open Inference Protocol V2 request/response bodies, in JSON and in the binary tensor extension
 * (`Inference-Header-Content-Length`: a JSON header followed by raw tensor bytes) that Triton's
 * `tritonclient` uses by default.
 */

const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;
const Parameters = z.record(z.string(), z.unknown());

const InferRequest = z.object({
  id: z.string().max(256).optional(),
  parameters: Parameters.optional(),
  inputs: z.array(z.object({
    name: z.string().min(1).max(256),
    shape: z.array(z.number().int().min(0)).max(16),
    datatype: z.enum(DATATYPES),
    parameters: Parameters.optional(),
    data: z.unknown().optional(),
  })).min(1).max(64),
  outputs: z.array(z.object({ name: z.string().min(1).max(256), parameters: Parameters.optional() })).max(64).optional(),
});

/** A decoded infer request: tensors plus which outputs the caller wants and how. */
export interface DecodedInfer {
  id: string | undefined;
  tensors: Tensor[];
  outputs: string[] | undefined;
  binaryOutputs: Set<string> | 'all' | null;
}

const WIDTH: Partial<Record<TensorDatatype, number>> = { BOOL: 1, UINT8: 1, INT8: 1, UINT16: 2, INT16: 2, UINT32: 4, INT32: 4, FP32: 4, UINT64: 8, INT64: 8, FP64: 8 };

/** Decode a JSON or binary-extension body. */
export function decodeInfer(raw: Buffer, headerLength: number | undefined): DecodedInfer {
  if (headerLength !== undefined && (!Number.isInteger(headerLength) || headerLength < 0 || headerLength > raw.length)) {
    throw invalid(`Inference-Header-Content-Length ${headerLength} does not fit a ${raw.length}-byte body`, 'Inference-Header-Content-Length');
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.subarray(0, headerLength ?? raw.length).toString('utf8'));
  } catch (err) {
    throw invalid(`Malformed JSON: ${(err as Error).message}`, 'body');
  }
  const req = parseInput(InferRequest, json, 'inference request');
  let offset = headerLength ?? raw.length;
  const tensors = req.inputs.map((input, i): Tensor => {
    const field = `inputs.${i}`;
    const count = input.shape.reduce((a, b) => a * b, 1);
    const size = input.parameters?.binary_data_size;
    if (size !== undefined) {
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || offset + size > raw.length) throw invalid(`Input '${input.name}': binary_data_size ${String(size)} exceeds the body`, `${field}.parameters.binary_data_size`);
      const bytes = raw.subarray(offset, offset + size);
      offset += size;
      return { name: input.name, datatype: input.datatype, shape: input.shape, data: fromBinary(bytes, input.datatype, count, input.name) };
    }
    if (input.data === undefined) throw invalid(`Input '${input.name}' has no data`, `${field}.data`);
    const data = flatten(input.data);
    if (data.length !== count) throw invalid(`Input '${input.name}' has ${data.length} values but shape [${input.shape.join(', ')}] needs ${count}`, `${field}.data`);
    checkValues(data, input.datatype, input.name, `${field}.data`);
    return { name: input.name, datatype: input.datatype, shape: input.shape, data };
  });
  const binaryAll = req.parameters?.binary_data_output === true;
  const wanted = req.outputs?.filter((o) => o.parameters?.binary_data === true).map((o) => o.name) ?? [];
  return {
    id: req.id,
    tensors,
    outputs: req.outputs?.map((o) => o.name),
    binaryOutputs: binaryAll ? 'all' : wanted.length > 0 ? new Set(wanted) : null,
  };
}

/** Build the response: JSON, or a JSON header plus raw bytes for outputs asked in binary. */
export function encodeInfer(res: { modelName: string; modelVersion: string; id: string; outputs: Tensor[] }, binary: DecodedInfer['binaryOutputs']): { body: Buffer | Record<string, unknown>; headerLength?: number } {
  const blobs: Buffer[] = [];
  const outputs = res.outputs.map((t) => {
    const asBinary = binary === 'all' || (binary !== null && binary.has(t.name));
    if (asBinary && t.datatype !== 'FP16') {
      const bytes = toBinary(t);
      blobs.push(bytes);
      return { name: t.name, datatype: t.datatype, shape: t.shape, parameters: { binary_data_size: bytes.length } };
    }
    return { name: t.name, datatype: t.datatype, shape: t.shape, data: Array.from(t.data as ArrayLike<unknown>, plain) };
  });
  const header = { model_name: res.modelName, model_version: res.modelVersion, id: res.id, outputs };
  if (blobs.length === 0) return { body: header };
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...blobs]), headerLength: json.length };
}

function flatten(v: unknown): unknown[] {
  if (!Array.isArray(v)) return [v];
  if (!v.some(Array.isArray)) return v;
  return (v as unknown[]).flat(Infinity);
}

function checkValues(data: unknown[], datatype: TensorDatatype, name: string, field: string): void {
  const want = datatype === 'BYTES' ? 'string' : datatype === 'BOOL' ? 'boolean' : 'number';
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== want || (want === 'number' && !Number.isFinite(v as number) && datatype.startsWith('INT'))) {
      throw invalid(`Input '${name}' (${datatype}) element ${i} must be a ${want}, got ${v === null ? 'null' : typeof v}`, field);
    }
    if (want === 'number' && !datatype.startsWith('FP') && !Number.isInteger(v)) throw invalid(`Input '${name}' (${datatype}) element ${i} must be an integer, got ${String(v)}`, field);
  }
}

function fromBinary(bytes: Buffer, datatype: TensorDatatype, count: number, name: string): ArrayLike<number | bigint | boolean | string> {
  if (datatype === 'BYTES') {
    const out: string[] = [];
    let o = 0;
    while (o + 4 <= bytes.length) {
      const len = bytes.readUInt32LE(o);
      if (o + 4 + len > bytes.length) break;
      out.push(bytes.toString('utf8', o + 4, o + 4 + len));
      o += 4 + len;
    }
    if (out.length !== count || o !== bytes.length) throw invalid(`Input '${name}': binary BYTES data does not hold ${count} elements`, name);
    return out;
  }
  const width = WIDTH[datatype];
  if (!width) throw invalid(`Input '${name}': binary ${datatype} data is not supported; send it as JSON`, name);
  if (bytes.length !== width * count) throw invalid(`Input '${name}': ${bytes.length} bytes do not hold ${count} ${datatype} elements`, name);
  const copy = Uint8Array.prototype.slice.call(bytes).buffer;
  switch (datatype) {
    case 'BOOL': return Array.from(new Uint8Array(copy), (b) => b !== 0);
    case 'UINT8': return new Uint8Array(copy);
    case 'INT8': return new Int8Array(copy);
    case 'UINT16': return new Uint16Array(copy);
    case 'INT16': return new Int16Array(copy);
    case 'UINT32': return new Uint32Array(copy);
    case 'INT32': return new Int32Array(copy);
    case 'FP32': return new Float32Array(copy);
    case 'FP64': return new Float64Array(copy);
    case 'UINT64': return new BigUint64Array(copy);
    default: return new BigInt64Array(copy);
  }
}

function toBinary(t: Tensor): Buffer {
  const data = t.data as ArrayLike<unknown>;
  if (t.datatype === 'BYTES') {
    const parts: Buffer[] = [];
    for (let i = 0; i < data.length; i++) {
      const s = Buffer.from(String(data[i]));
      const len = Buffer.alloc(4);
      len.writeUInt32LE(s.length);
      parts.push(len, s);
    }
    return Buffer.concat(parts);
  }
  const n = data.length;
  const view = (() => {
    switch (t.datatype) {
      case 'BOOL': return Uint8Array.from(data as ArrayLike<boolean>, (b) => (b ? 1 : 0));
      case 'UINT8': return Uint8Array.from(data as ArrayLike<number>);
      case 'INT8': return Int8Array.from(data as ArrayLike<number>);
      case 'UINT16': return Uint16Array.from(data as ArrayLike<number>);
      case 'INT16': return Int16Array.from(data as ArrayLike<number>);
      case 'UINT32': return Uint32Array.from(data as ArrayLike<number>);
      case 'INT32': return Int32Array.from(data as ArrayLike<number>);
      case 'FP32': return Float32Array.from(data as ArrayLike<number>);
      case 'FP64': return Float64Array.from(data as ArrayLike<number>);
      case 'UINT64': return BigUint64Array.from({ length: n }, (_, i) => BigInt(data[i] as number | bigint));
      default: return BigInt64Array.from({ length: n }, (_, i) => BigInt(data[i] as number | bigint));
    }
  })();
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}
