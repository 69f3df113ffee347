import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AscentError } from '../../core/errors.js';
import type { ModelSignature } from '../../registry/packages/manifest.js';
import { IRIS, makeOnnxPackage } from '../../../test/fixtures/serving/iris-packages.js';
import type { LoadedModel } from '../model-runtime.js';
import { OnnxRuntime } from '../runtimes/onnx-runtime.js';
import { readLocalPackage } from '../runtimes/package-dir.js';
import { csvRequest, invocationsRequest, mlflowPredictions, oipRequest, oipResponse, outputRows, prepareInputs, recordsRequest, validateRequest, type ModelRequest } from './index.js';

// A real ONNX model (skl2onnx iris, input float_input FP32 [-1, 4]) with the column signature MLflow infers.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-codec-'));
const runtime = new OnnxRuntime();
let model: LoadedModel & { signature: ModelSignature | null };

beforeAll(async () => {
  const packageDir = makeOnnxPackage(dir);
  const loaded = await runtime.load({ name: 'iris', version: '1', packageDir });
  model = Object.assign(loaded, { signature: (await readLocalPackage(packageDir)).signature });
});
afterAll(async () => {
  await runtime.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const [F0, F1, F2, F3] = IRIS.features as [string, string, string, string];
const rows = [IRIS.rows[0]!, IRIS.rows[100]!];
const records = rows.map((r) => Object.fromEntries(IRIS.features.map((f, j) => [f, r[j]])));

async function labels(request: ModelRequest): Promise<unknown> {
  const outputs = await model.predict(prepareInputs(request, model));
  return outputRows(outputs).map((r) => r.label);
}

function refusal(fn: () => unknown): AscentError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AscentError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('codec: every MLflow /invocations format reaches the ONNX model as one [N, 4] FP32 tensor', () => {
  it('dataframe_split, in any column order', async () => {
    expect(await labels(invocationsRequest({ dataframe_split: { columns: IRIS.features, data: rows } }))).toEqual([0, 2]);
    const reordered = [F3, F0, F2, F1];
    expect(await labels(invocationsRequest({ dataframe_split: { columns: reordered, data: rows.map((r) => [r[3], r[0], r[2], r[1]]) } }))).toEqual([0, 2]);
  });

  it('dataframe_records, instances as records, instances as rows, inputs as a tensor', async () => {
    expect(await labels(invocationsRequest({ dataframe_records: records }))).toEqual([0, 2]);
    expect(await labels(invocationsRequest({ instances: records }))).toEqual([0, 2]);
    expect(await labels(invocationsRequest({ instances: rows }))).toEqual([0, 2]);
    expect(await labels(invocationsRequest({ inputs: rows }))).toEqual([0, 2]);
    expect(await labels(invocationsRequest({ inputs: { float_input: rows } }))).toEqual([0, 2]);
  });

  it('CSV with a header, and plain JSON records', async () => {
    expect(await labels(csvRequest(`${IRIS.features.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`))).toEqual([0, 2]);
    expect(await labels(recordsRequest(records))).toEqual([0, 2]);
  });

  it('OIP: the model tensor as FP64 (converted), or one tensor per signature column (stacked)', async () => {
    expect(await labels(oipRequest({ inputs: [{ name: 'float_input', datatype: 'FP64', shape: [2, 4], data: rows.flat() }] }))).toEqual([0, 2]);
    expect(await labels(oipRequest({ inputs: IRIS.features.map((name, j) => ({ name, datatype: 'FP64', shape: [2], data: rows.map((r) => r[j]) })) }))).toEqual([0, 2]);
  });
});

describe('signature validation names the bad field', () => {
  it('a string where the signature says double', () => {
    const bad = records.map((r, i) => (i === 1 ? { ...r, [F3]: 'wide' } : r));
    const err = refusal(() => prepareInputs(recordsRequest(bad), model));
    expect([err.code, err.field, err.message]).toEqual(['INVALID_ARGUMENT', `inputs[1].${F3}`, `inputs[1] '${F3}': expected double, got string 'wide'`]);
  });

  it('a missing required column, and a feature count the model cannot take', () => {
    const missing = refusal(() => prepareInputs(recordsRequest(records.map(({ [F2]: _drop, ...rest }) => rest)), model));
    expect([missing.code, missing.field]).toEqual(['INVALID_ARGUMENT', `inputs.${F2}`]);
    const three = refusal(() => prepareInputs(invocationsRequest({ instances: [[1, 2, 3]] }), model));
    expect(three.code).toBe('INVALID_ARGUMENT');
    expect(three.message).toBe("inputs 'float_input': shape [1, 3] does not fit the model's [-1, 4]");
    const narrow = refusal(() => prepareInputs(recordsRequest([{ a: 1, b: 2, c: 3 }]), { metadata: model.metadata, signature: null }));
    expect(narrow.message).toMatch(/takes 4 features per row; got 3 columns/);
  });

  it('tensor signatures: rank, fixed dimensions and element type', () => {
    const signature: ModelSignature = { inputs: [{ type: 'tensor', name: 'x', 'tensor-spec': { dtype: 'float32', shape: [-1, 4] } }], outputs: null, params: null };
    expect(() => validateRequest({ kind: 'tensors', tensors: [{ name: 'x', value: [[1, 2, 3, 4]] }] }, signature)).not.toThrow();
    expect(refusal(() => validateRequest({ kind: 'tensors', tensors: [{ name: 'x', value: [1, 2, 3, 4] }] }, signature)).message).toMatch(/rank 2/);
    expect(refusal(() => validateRequest({ kind: 'tensors', tensors: [{ name: 'x', value: [[1, 2, 3]] }] }, signature)).message).toMatch(/dimension 1 must be 4, got 3/);
    expect(refusal(() => validateRequest({ kind: 'tensors', tensors: [{ name: 'x', value: [[1, 2, 'a', 4]] }] }, signature)).message).toMatch(/expected float32, got string/);
    expect(refusal(() => validateRequest({ kind: 'tensors', tensors: [{ name: 'y', value: [[1, 2, 3, 4]] }] }, signature)).field).toBe('inputs.y');
    const longs: ModelSignature = { inputs: [{ type: 'long', name: 'n' }], outputs: null, params: null };
    expect(refusal(() => validateRequest(recordsRequest([{ n: 1.5 }]), longs)).message).toBe("inputs[0] 'n': expected long, got number");
  });

  it('malformed bodies are refused before any model work', () => {
    expect(refusal(() => invocationsRequest({ dataframe_split: { columns: ['a', 'b'], data: [[1]] } })).field).toBe('dataframe_split.data[0]');
    expect(refusal(() => invocationsRequest({ instances: [], inputs: [] })).message).toMatch(/exactly one of/);
    expect(refusal(() => oipRequest({ inputs: [{ name: 'x', datatype: 'FP99', shape: [1], data: [1] }] })).field).toBe('inputs[0].datatype');
    expect(refusal(() => oipRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 2], data: [1, 2, 3] }] })).field).toBe('inputs[0].data');
    expect(refusal(() => csvRequest('a,b\n1\n')).field).toBe('rows[0]');
  });
});

describe('outputs back to each protocol', () => {
  it('MLflow predictions, OIP outputs and per-row records', async () => {
    const outputs = await model.predict(prepareInputs(recordsRequest(records), model));
    const one = outputs.filter((o) => o.name === 'label');
    expect(mlflowPredictions(one)).toEqual({ predictions: [0, 2] });
    const both = mlflowPredictions(outputs).predictions as { label: number; probabilities: number[] }[];
    expect(both.map((r) => r.label)).toEqual([0, 2]);
    expect(both[1]!.probabilities).toHaveLength(3);
    expect(both[1]!.probabilities[2]).toBeGreaterThan(0.5);
    const oip = oipResponse(outputs, { name: 'iris', version: '1' }, 'req-1') as { id: string; outputs: { name: string; datatype: string; shape: number[]; data: unknown[] }[] };
    expect(oip.id).toBe('req-1');
    expect(oip.outputs.find((o) => o.name === 'probabilities')).toMatchObject({ datatype: 'FP32', shape: [2, 3] });
    expect(JSON.parse(JSON.stringify(oip))).toEqual(oip);
  });
});
