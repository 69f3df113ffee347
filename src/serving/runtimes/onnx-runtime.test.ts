import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IRIS, makeOnnxPackage } from '../../../test/fixtures/serving/iris-packages.js';
import type { Tensor } from '../model-runtime.js';
import { OnnxRuntime } from './onnx-runtime.js';
import { runRuntimeContract, type RuntimeFixture } from './runtime.contract.js';

const floatInput = (rows: number[][]): Tensor => ({ name: 'float_input', datatype: 'FP32', shape: [rows.length, 4], data: rows.flat() });

const irisFixture = async (): Promise<RuntimeFixture> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-onnx-'));
  return {
    name: 'iris',
    version: '1',
    packageDir: makeOnnxPackage(dir),
    rows: IRIS.rows,
    labels: IRIS.labels,
    inputs: (rows) => [floatInput(rows)],
    predictedLabels: (outputs) => Array.from(outputs.find((o) => o.name === 'label')!.data as number[]),
    badInputs: [
      { why: 'unknown input name', inputs: [{ ...floatInput([[1, 2, 3, 4]]), name: 'x' }] },
      { why: 'wrong datatype', inputs: [{ ...floatInput([[1, 2, 3, 4]]), datatype: 'BYTES', data: ['a', 'b', 'c', 'd'] }] },
      { why: 'three features instead of four', inputs: [{ name: 'float_input', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] },
      { why: 'data shorter than the shape', inputs: [{ name: 'float_input', datatype: 'FP32', shape: [2, 4], data: [1, 2, 3, 4] }] },
      { why: 'a string among numbers', inputs: [{ name: 'float_input', datatype: 'FP32', shape: [1, 4], data: [1, 2, 'x', 4] as unknown[] }] },
    ],
    dispose: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
};

runRuntimeContract({
  name: 'onnx (skl2onnx iris logistic regression, onnxruntime-node in process, threads auto)',
  newRuntime: () => new OnnxRuntime(),
  fixture: irisFixture,
});

// The same contract with every call in worker threads (each with its own session).
runRuntimeContract({
  name: 'onnx (the same model, threads: workers)',
  newRuntime: () => new OnnxRuntime({ threads: 'workers' }),
  fixture: irisFixture,
});
