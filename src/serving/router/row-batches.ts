import type { PredictOptions, Tensor } from '../model-runtime.js';

/**
 * Row arithmetic for dynamic batching: which requests can share a model call, how their inputs are
 * stacked along the first dimension, and how the outputs are cut back into one part per request.
 */

type Values = Tensor['data'];
/** What every typed array offers (the data of numeric tensors is often one). */
interface TypedValues {
  readonly length: number;
  subarray(start: number, end: number): TypedValues;
  set(source: TypedValues, offset: number): void;
}
const typed = (data: Values): TypedValues => data as unknown as TypedValues;
const typedCtor = (data: Values): new (length: number) => TypedValues => (data as unknown as { constructor: new (length: number) => TypedValues }).constructor;

/**
 * A key that is equal for requests whose inputs can be stacked (same names, types, trailing
 * dimensions and storage, and the same requested outputs), or null when this request must be
 * called alone: it has parameters or an abort signal, no inputs, inputs that disagree on their
 * row count, or data whose length does not match its shape (the runtime reports that error).
 */
export function rowLayout(inputs: Tensor[], options: PredictOptions): string | null {
  if (inputs.length === 0 || options.parameters !== undefined || options.signal !== undefined) return null;
  const rows = inputs[0]!.shape[0];
  if (rows === undefined || rows < 1) return null;
  let key = options.outputs ? options.outputs.join('\u0001') : '*';
  for (const t of inputs) {
    if (t.shape[0] !== rows) return null;
    let perRow = 1;
    for (let d = 1; d < t.shape.length; d++) perRow *= t.shape[d]!;
    if (t.data.length !== rows * perRow) return null;
    key += `\u0000${t.name}\u0001${t.datatype}\u0001${t.shape.length === 1 ? '' : t.shape.slice(1).join(',')}\u0001${storage(t.data)}`;
  }
  return key;
}

/** Stack same-layout requests (see rowLayout) into one set of inputs, in order. */
export function concatRows(requests: Tensor[][]): Tensor[] {
  const first = requests[0]!;
  return first.map((t, j) => {
    let rows = 0;
    let length = 0;
    for (const r of requests) {
      rows += r[j]!.shape[0]!;
      length += r[j]!.data.length;
    }
    let data: Values;
    if (ArrayBuffer.isView(t.data)) {
      const out = new (typedCtor(t.data))(length);
      let at = 0;
      for (const r of requests) {
        const part = typed(r[j]!.data);
        out.set(part, at);
        at += part.length;
      }
      data = out as unknown as Values;
    } else {
      const out = new Array<unknown>(length);
      let at = 0;
      for (const r of requests) {
        const part = r[j]!.data as ArrayLike<unknown>;
        for (let i = 0; i < part.length; i++) out[at++] = part[i];
      }
      data = out;
    }
    return { name: t.name, datatype: t.datatype, shape: [rows, ...t.shape.slice(1)], data };
  });
}

/**
 * Cut a batched call's outputs into one part per request (`rows` in request order), or say why
 * they cannot be: an output whose first dimension is not the batch's row count is not per row.
 */
export function splitRows(outputs: Tensor[], rows: number[]): Tensor[][] | string {
  let total = 0;
  for (const r of rows) total += r;
  const parts: Tensor[][] = rows.map(() => []);
  for (const t of outputs) {
    if (t.shape[0] !== total) return `output '${t.name}' has shape [${t.shape.join(', ')}] for a batch of ${total} rows`;
    const perRow = total === 0 ? 0 : t.data.length / total;
    if (!Number.isInteger(perRow)) return `output '${t.name}' has ${t.data.length} values for ${total} rows`;
    const rest = t.shape.slice(1);
    let at = 0;
    for (let i = 0; i < rows.length; i++) {
      const end = at + rows[i]! * perRow;
      const data = ArrayBuffer.isView(t.data) ? (typed(t.data).subarray(at, end) as unknown as Values) : (t.data as unknown[]).slice(at, end);
      parts[i]!.push({ name: t.name, datatype: t.datatype, shape: [rows[i]!, ...rest], data });
      at = end;
    }
  }
  return parts;
}

function storage(data: Values): string {
  return ArrayBuffer.isView(data) ? typedCtor(data).name : 'array';
}
