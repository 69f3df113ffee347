import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAscentError } from '../../core/errors.js';
import type { LoadedModel, ModelRuntime, Tensor } from '../model-runtime.js';
import { TENSOR_DATATYPES } from './tensor-checks.js';

/** A model the contract suite loads: an iris classifier, whatever runtime serves it. */
export interface RuntimeFixture {
  name: string;
  version: string;
  packageDir: string;
  /** Labelled rows the model scores (iris features, four columns). */
  rows: number[][];
  labels: number[];
  /** The runtime's input tensors for these rows. */
  inputs(rows: number[][]): Tensor[];
  /** Class labels read back from the runtime's outputs. */
  predictedLabels(outputs: Tensor[]): number[];
  /** Requests the runtime must refuse with INVALID_ARGUMENT (wrong name, type, shape, missing input). */
  badInputs: { why: string; inputs: Tensor[] }[];
  /** Cleanup after the suite (stop a server the fixture started). */
  dispose?: () => Promise<void>;
}

/** What `runRuntimeContract` needs: a fresh runtime and the fixture it should load. */
export interface RuntimeContractOptions {
  name: string;
  newRuntime: () => ModelRuntime | Promise<ModelRuntime>;
  fixture: () => Promise<RuntimeFixture>;
  /** Per-suite timeout for slow starts (a Python process importing mlflow). */
  timeoutMs?: number;
}

/** The one behaviour every runtime owes the server: run against onnx, js, python and http. */
export function runRuntimeContract(options: RuntimeContractOptions): void {
  const timeout = options.timeoutMs ?? 30_000;
  describe(`ModelRuntime contract: ${options.name}`, () => {
    let runtime: ModelRuntime;
    let fx: RuntimeFixture;
    let model: LoadedModel;

    beforeAll(async () => {
      fx = await options.fixture();
      runtime = await options.newRuntime();
      model = await runtime.load({ name: fx.name, version: fx.version, packageDir: fx.packageDir, concurrency: 4 });
    }, timeout);

    afterAll(async () => {
      await runtime?.close();
      await fx?.dispose?.();
    }, timeout);

    it('describes its inputs and outputs', () => {
      expect(model.ready()).toBe(true);
      expect(model.metadata.name).toBe(fx.name);
      expect(model.metadata.inputs.length).toBeGreaterThan(0);
      expect(model.metadata.outputs.length).toBeGreaterThan(0);
      for (const spec of [...model.metadata.inputs, ...model.metadata.outputs]) {
        expect(spec.name).toMatch(/\S/);
        expect(TENSOR_DATATYPES.has(spec.datatype)).toBe(true);
        expect(spec.shape.every((d) => Number.isInteger(d) && d >= -1)).toBe(true);
      }
    });

    it('predicts one row with declared output names and one label per row', async () => {
      const row = 100; // a virginica: label 2
      const outputs = await model.predict(fx.inputs([fx.rows[row]!]));
      const declared = new Set(model.metadata.outputs.map((o) => o.name));
      for (const out of outputs) {
        expect(declared.has(out.name)).toBe(true);
        expect(TENSOR_DATATYPES.has(out.datatype)).toBe(true);
        expect(out.shape[0]).toBe(1);
        expect(out.data.length).toBe(out.shape.reduce((a, b) => a * b, 1));
      }
      expect(fx.predictedLabels(outputs)).toEqual([fx.labels[row]]);
    }, timeout);

    it('scores a batch of rows in one call, accurately', async () => {
      const outputs = await model.predict(fx.inputs(fx.rows));
      const predicted = fx.predictedLabels(outputs);
      expect(predicted).toHaveLength(fx.rows.length);
      const accuracy = predicted.filter((p, i) => p === fx.labels[i]).length / fx.rows.length;
      expect(accuracy).toBeGreaterThan(0.9);
    }, timeout);

    it('answers concurrent predictions each with its own result', async () => {
      const slices = Array.from({ length: 24 }, (_, i) => fx.rows.slice(i * 6, i * 6 + 6));
      const expected = [];
      for (const rows of slices) expected.push(fx.predictedLabels(await model.predict(fx.inputs(rows))));
      const concurrent = await Promise.all(slices.map(async (rows) => fx.predictedLabels(await model.predict(fx.inputs(rows)))));
      expect(concurrent).toEqual(expected);
    }, timeout);

    it('refuses bad input with INVALID_ARGUMENT and keeps serving', async () => {
      expect(fx.badInputs.length).toBeGreaterThan(0);
      for (const bad of fx.badInputs) {
        const err = await model.predict(bad.inputs).then(() => null, (e: unknown) => e);
        expect(err, bad.why).not.toBeNull();
        expect(isAscentError(err) && err.code, `${bad.why}: ${String(err)}`).toBe('INVALID_ARGUMENT');
      }
      expect(fx.predictedLabels(await model.predict(fx.inputs([fx.rows[0]!])))).toEqual([fx.labels[0]]);
    }, timeout);

    it('closes: not ready afterwards and predictions are refused', async () => {
      const second = await runtime.load({ name: fx.name, version: fx.version, packageDir: fx.packageDir });
      expect(second.ready()).toBe(true);
      await second.close();
      expect(second.ready()).toBe(false);
      const err = await second.predict(fx.inputs([fx.rows[0]!])).then(() => null, (e: unknown) => e);
      expect(isAscentError(err) && err.code).toBe('UNAVAILABLE');
      await second.close(); // idempotent
      expect(model.ready()).toBe(true);
    }, timeout);
  });
}
