import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeOnnxPackage, makeSlowOnnxPackage } from '../../../test/fixtures/serving/iris-packages.js';
import type { LoadedModel, Tensor } from '../model-runtime.js';
import { OnnxRuntime } from './onnx-runtime.js';

// onnxruntime-node's run holds the event loop for the whole inference; these tests check where the
// onnx runtime runs a slow model (slow-matmul.onnx: y = 2·x after tens of ms of matrix products).
const x = (values: number[]): Tensor => ({ name: 'x', datatype: 'FP32', shape: [values.length, 1], data: values });
const yOf = (out: Tensor[]) => Array.from(out.find((t) => t.name === 'y')!.data as ArrayLike<number>);

/**
 * Whether a prediction lets the event loop turn while it runs: an immediate scheduled right after
 * the call fires before the answer when the inference runs in another thread, and after it when the
 * inference holds the loop (the run's own immediate comes first and the answer settles in the
 * microtasks right after it).
 */
async function loopTurnsDuring(model: LoadedModel): Promise<boolean> {
  let turned = false;
  let answered = false;
  const prediction = model.predict([x([1])]).then((out) => {
    answered = true;
    return out;
  });
  setImmediate(() => (turned = !answered));
  expect(yOf(await prediction)).toEqual([2]);
  await new Promise((r) => setImmediate(r));
  return turned;
}

describe('onnx runtime threads', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-onnx-threads-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("'auto' runs a slow model on the event loop at first, then moves it to worker threads", async () => {
    const runtime = new OnnxRuntime();
    const model = await runtime.load({ name: 'slow', version: '1', packageDir: makeSlowOnnxPackage(path.join(dir, 'auto')), concurrency: 2 });
    try {
      expect(model.execution!()).toEqual({ where: 'event-loop', averageCallMs: null });
      expect(await loopTurnsDuring(model)).toBe(false);
      // Two warm-up calls, then three timed ones: the average is far above 1 ms.
      for (let i = 0; i < 5; i++) expect(yOf(await model.predict([x([i, 0.5])]))).toEqual([2 * i, 1]);
      await vi.waitFor(() => expect(model.execution!()).toEqual({ where: 'worker-threads', threads: 2 }), { timeout: 30_000, interval: 50 });
      expect(await loopTurnsDuring(model)).toBe(true);
      // Concurrent calls on both threads, each answered with its own rows.
      const answers = await Promise.all([1, 2, 3, 4].map((v) => model.predict([x([v, -v])])));
      expect(answers.map(yOf)).toEqual([1, 2, 3, 4].map((v) => [2 * v, -2 * v]));
      expect(model.ready()).toBe(true);
    } finally {
      await runtime.close();
    }
    expect(model.ready()).toBe(false);
    await expect(model.predict([x([1])])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  }, 60_000);

  it("'inline' keeps a slow model on the event loop; 'workers' runs even the first call in a thread", async () => {
    const inline = new OnnxRuntime({ threads: 'inline' });
    const workers = new OnnxRuntime({ threads: 'workers', workers: 1 });
    try {
      const held = await inline.load({ name: 'slow', version: '1', packageDir: makeSlowOnnxPackage(path.join(dir, 'inline')) });
      for (let i = 0; i < 6; i++) await held.predict([x([i])]);
      expect(held.execution!()).toEqual({ where: 'event-loop' });
      expect(await loopTurnsDuring(held)).toBe(false);

      const threaded = await workers.load({ name: 'slow', version: '1', packageDir: makeSlowOnnxPackage(path.join(dir, 'workers')) });
      expect(threaded.execution!()).toEqual({ where: 'worker-threads', threads: 1 });
      expect(await loopTurnsDuring(threaded)).toBe(true);
      // Requested outputs travel to the thread; bad input is refused before it crosses.
      expect(yOf(await threaded.predict([x([3])], { outputs: ['y'] }))).toEqual([6]);
      await expect(threaded.predict([{ name: 'x', datatype: 'FP32', shape: [1, 2], data: [1, 2] }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    } finally {
      await inline.close();
      await workers.close();
    }
  }, 60_000);

  it("'auto' reports the average event-loop time of a fast model's calls and leaves it there", async () => {
    // A threshold no call reaches: the iris model must stay on the event loop (it is sub-millisecond
    // anyway, but this test must not depend on how fast the machine is).
    const runtime = new OnnxRuntime({ slowCallMs: 60_000 });
    try {
      const model = await runtime.load({ name: 'iris', version: '1', packageDir: makeOnnxPackage(path.join(dir, 'iris')) });
      const input: Tensor = { name: 'float_input', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] };
      for (let i = 0; i < 10; i++) await model.predict([input]);
      const execution = model.execution!();
      expect(execution.where).toBe('event-loop');
      expect(execution.averageCallMs).toBeGreaterThan(0);
    } finally {
      await runtime.close();
    }
  });
});
