import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IRIS, makeOnnxPackage } from '../../../test/fixtures/serving/iris-packages.js';
import type { AscentError } from '../../core/errors.js';
import type { LoadedModel, ModelMetadata, PredictOptions, Tensor } from '../model-runtime.js';
import { OnnxRuntime } from '../runtimes/onnx-runtime.js';
import { PredictionQueue, type PredictionQueueOptions } from './prediction-queue.js';

/** A row-wise model (each output row is its input row's sum times ten) that records its calls. */
class SumModel implements LoadedModel {
  calls: number[] = [];
  readonly metadata: ModelMetadata;
  constructor(private readonly behave: { firstDim?: number; aggregate?: boolean; rejectNegative?: boolean } = {}) {
    this.metadata = {
      name: 'sum', platform: 'test',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [behave.firstDim ?? -1, 2] }],
      outputs: [{ name: 'y', datatype: 'FP64', shape: [-1] }, { name: 'z', datatype: 'FP64', shape: [-1, 1] }],
    };
  }
  async predict(inputs: Tensor[], options: PredictOptions = {}): Promise<Tensor[]> {
    const x = inputs[0]!;
    const rows = x.shape[0]!;
    this.calls.push(rows);
    await new Promise((r) => setTimeout(r, 2));
    const data = Array.from(x.data as ArrayLike<number>);
    if (this.behave.rejectNegative && data.some((v) => v < 0)) throw new Error(`negative input in a call of ${rows} rows`);
    const sums = Array.from({ length: rows }, (_, i) => (data[2 * i]! + data[2 * i + 1]!) * 10);
    if (this.behave.aggregate) return [{ name: 'y', datatype: 'FP64', shape: [1], data: [sums.reduce((a, b) => a + b, 0)] }];
    const out: Tensor[] = [
      { name: 'y', datatype: 'FP64', shape: [rows], data: Float64Array.from(sums) },
      { name: 'z', datatype: 'FP64', shape: [rows, 1], data: sums.map((s) => -s) },
    ];
    return options.outputs ? out.filter((t) => options.outputs!.includes(t.name)) : out;
  }
  ready(): boolean {
    return true;
  }
  async close(): Promise<void> {}
}

const x = (...rows: [number, number][]): Tensor[] => [{ name: 'x', datatype: 'FP32', shape: [rows.length, 2], data: Float32Array.from(rows.flat()) }];
const queueOf = (model: LoadedModel, o: Partial<PredictionQueueOptions> = {}) => new PredictionQueue(model, { concurrency: 1, maxQueue: 100, maxBatch: 32, describe: 'variant v', ...o });
const ys = (out: Tensor[]) => Array.from(out.find((t) => t.name === 'y')!.data as ArrayLike<number>);

describe('PredictionQueue', () => {
  it('answers requests that arrive together with one model call, each caller getting its own rows', async () => {
    const model = new SumModel();
    const queue = queueOf(model);
    const answers = await Promise.all([queue.predict(x([1, 2]), {}), queue.predict(x([3, 4], [5, 6]), {}), queue.predict(x([7, 8]), {})]);
    expect(model.calls).toEqual([4]);
    expect([queue.calls, queue.callRequests]).toEqual([1, 3]);
    expect(answers.map(ys)).toEqual([[30], [70, 110], [150]]);
    expect(answers[1]!.find((t) => t.name === 'z')).toEqual({ name: 'z', datatype: 'FP64', shape: [2, 1], data: [-70, -110] });
    expect(answers[0]!.find((t) => t.name === 'y')!.shape).toEqual([1]);
  });

  it('keeps requests with different layouts or output selections in separate calls, and never exceeds maxBatch rows', async () => {
    const model = new SumModel();
    const queue = queueOf(model, { maxBatch: 3 });
    const only = { outputs: ['z'] };
    const answers = await Promise.all([
      queue.predict(x([1, 1]), {}), queue.predict(x([2, 2]), only), queue.predict(x([3, 3], [4, 4]), {}), queue.predict(x([5, 5]), {}), queue.predict(x([6, 6]), only),
    ]);
    // [1,1]+[3,3],[4,4] fill 3 rows; [5,5] goes next; the two `z`-only requests share a call.
    expect(model.calls.sort()).toEqual([1, 2, 3]);
    expect(answers[1]!.map((t) => t.name)).toEqual(['z']);
    expect(answers[4]!.find((t) => t.name === 'z')!.data).toEqual([-120]);
    expect(ys(answers[2]!)).toEqual([60, 80]);
  });

  it('retries a failed batch one request at a time, so only the bad request fails', async () => {
    const model = new SumModel({ rejectNegative: true });
    const queue = queueOf(model);
    const results = await Promise.allSettled([queue.predict(x([1, 1]), {}), queue.predict(x([-1, 1]), {}), queue.predict(x([2, 2]), {})]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(((results[1] as PromiseRejectedResult).reason as Error).message).toBe('negative input in a call of 1 rows');
    expect(ys((results[2] as PromiseFulfilledResult<Tensor[]>).value)).toEqual([40]);
    expect(model.calls).toEqual([3, 1, 1, 1]);
  });

  it('turns batching off, once and with a reason, for a model whose outputs are not per row', async () => {
    const model = new SumModel({ aggregate: true });
    const reasons: string[] = [];
    const queue = queueOf(model, { onUnbatchable: (r) => reasons.push(r) });
    const first = await Promise.all([queue.predict(x([1, 1]), {}), queue.predict(x([2, 2]), {})]);
    expect(first.map(ys)).toEqual([[20], [40]]);
    expect(reasons).toEqual(["output 'y' has shape [1] for a batch of 2 rows"]);
    expect(queue.maxBatch).toBe(1);
    model.calls = [];
    await Promise.all([queue.predict(x([1, 1]), {}), queue.predict(x([2, 2]), {})]);
    expect(model.calls).toEqual([1, 1]);
  });

  it('does not batch a model whose first dimension is fixed, or requests it cannot stack', async () => {
    const fixed = new SumModel({ firstDim: 1 });
    const q1 = queueOf(fixed);
    expect(q1.maxBatch).toBe(1);
    await Promise.all([q1.predict(x([1, 1]), {}), q1.predict(x([2, 2]), {})]);
    expect(fixed.calls).toEqual([1, 1]);

    const model = new SumModel();
    const q2 = queueOf(model, { concurrency: 4 });
    const shortData: Tensor[] = [{ name: 'x', datatype: 'FP32', shape: [2, 2], data: Float32Array.from([1, 2, 3]) }];
    await Promise.allSettled([q2.predict(x([1, 1]), {}), q2.predict(shortData, {}), q2.predict(x([2, 2]), { parameters: { k: 1 } }), q2.predict(x([3, 3]), {})]);
    // The two plain requests share a call; the short one and the one with parameters go alone.
    expect(model.calls.sort()).toEqual([1, 2, 2]);
  });

  it('bounds a burst read in one turn: what the free slots take at the next dispatch, plus maxQueue', async () => {
    const model = new SumModel();
    const queue = queueOf(model, { concurrency: 1, maxQueue: 2, maxBatch: 4 });
    const settled = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => queue.predict(x([i, i]), {})));
    // One free slot takes a batch of 4, and 2 more may wait: 6 admitted, 4 refused at once.
    expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(6);
    expect(settled.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as AscentError).code)).toEqual(Array(4).fill('RATE_LIMITED'));
    expect(model.calls).toEqual([4, 2]);
  });

  it('refuses beyond maxQueue while every slot is busy, and idle() waits for what was admitted', async () => {
    const model = new SumModel();
    const queue = queueOf(model, { concurrency: 1, maxQueue: 2, maxBatch: 1 });
    const results = Promise.allSettled(Array.from({ length: 5 }, (_, i) => queue.predict(x([i, i]), {})));
    expect(queue.inFlight).toBe(1);
    expect(queue.queued).toBe(2);
    expect(queue.full).toBe(true);
    const idle = queue.idle();
    const settled = await results;
    await idle;
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);
    expect(((settled[3] as PromiseRejectedResult).reason as AscentError).code).toBe('RATE_LIMITED');
    expect(queue.inFlight + queue.queued).toBe(0);
  });
});

describe('PredictionQueue on the onnx runtime', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-batch-'));
  const runtime = new OnnxRuntime();
  afterAll(async () => {
    await runtime.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives every caller of a batched call what a call of its own gives: the same labels, probabilities to float32 rounding', async () => {
    const model = await runtime.load({ name: 'iris', version: '1', packageDir: makeOnnxPackage(dir) });
    let calls = 0;
    const counted: LoadedModel = { metadata: model.metadata, ready: () => true, close: async () => undefined, predict: (i, o) => (calls++, model.predict(i, o)) };
    const queue = queueOf(counted, { concurrency: 4 });
    const requests = IRIS.rows.slice(0, 40).map((row, i) => (i % 3 === 0 ? [row, IRIS.rows[i + 50]!] : [row]));
    const input = (rows: number[][]): Tensor[] => [{ name: 'float_input', datatype: 'FP32', shape: [rows.length, 4], data: Float32Array.from(rows.flat()) }];
    const batched = await Promise.all(requests.map((rows) => queue.predict(input(rows), {})));
    expect(calls).toBeLessThan(requests.length / 4);
    for (let i = 0; i < requests.length; i++) {
      const alone = await model.predict(input(requests[i]!));
      expect(batched[i]!.map(({ name, datatype, shape }) => ({ name, datatype, shape }))).toEqual(alone.map(({ name, datatype, shape }) => ({ name, datatype, shape })));
      expect(Array.from(batched[i]![0]!.data as ArrayLike<number>)).toEqual(Array.from(alone[0]!.data as ArrayLike<number>));
      // A batch runs another kernel path (matrix-matrix, not matrix-vector): the last float32 bits may differ.
      const [p, q] = [batched[i]![1]!.data as Float32Array, alone[1]!.data as Float32Array];
      for (let k = 0; k < q.length; k++) expect(Math.abs(p[k]! - q[k]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(q[k]!)));
    }
    expect(new Set(batched.map((out) => out.length))).toEqual(new Set([model.metadata.outputs.length]));
  });
});
