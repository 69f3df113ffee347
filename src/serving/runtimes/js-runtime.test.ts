import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAscentError } from '../../core/errors.js';
import { IRIS, makeJsPackage } from '../../../test/fixtures/serving/iris-packages.js';
import type { Tensor } from '../model-runtime.js';
import { JsRuntime } from './js-runtime.js';
import { runRuntimeContract } from './runtime.contract.js';

const floatInput = (rows: number[][]): Tensor => ({ name: 'float_input', datatype: 'FP32', shape: [rows.length, 4], data: rows.flat() });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-js-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

runRuntimeContract({
  name: 'js (nearest-centroid module in worker threads)',
  newRuntime: () => new JsRuntime(),
  fixture: async () => ({
    name: 'iris-js',
    version: '1',
    packageDir: makeJsPackage(path.join(tmp, 'contract')),
    rows: IRIS.rows,
    labels: IRIS.labels,
    inputs: (rows) => [floatInput(rows)],
    predictedLabels: (outputs) => Array.from(outputs.find((o) => o.name === 'label')!.data as number[]),
    badInputs: [
      { why: 'unknown input name', inputs: [{ ...floatInput([[1, 2, 3, 4]]), name: 'x' }] },
      { why: 'wrong datatype', inputs: [{ ...floatInput([[1, 2, 3, 4]]), datatype: 'FP64' }] },
      { why: 'three features instead of four', inputs: [{ name: 'float_input', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] },
    ],
  }),
});

describe('JsRuntime worker threads', () => {
  it('keeps the event loop free while a slow model computes', async () => {
    const runtime = new JsRuntime();
    const model = await runtime.load({ name: 'slow', version: '1', packageDir: makeJsPackage(path.join(tmp, 'slow'), { delayMs: 300 }), concurrency: 2 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const [a, b] = await Promise.all([model.predict([floatInput([IRIS.rows[0]!])]), model.predict([floatInput([IRIS.rows[100]!])])]);
    clearInterval(timer);
    // The busy-wait runs 300 ms in each of two threads; a blocked loop would tick at most once or twice.
    expect(ticks).toBeGreaterThan(10);
    expect([a[0]!.data[0], b[0]!.data[0]]).toEqual([0, 2]);
    await runtime.close();
  });

  it('an aborted slow prediction ends its thread, and a fresh thread serves the next one', async () => {
    const runtime = new JsRuntime();
    const model = await runtime.load({ name: 'slow', version: '1', packageDir: makeJsPackage(path.join(tmp, 'abort'), { delayMs: 1000 }), concurrency: 1 });
    const controller = new AbortController();
    const pending = model.predict([floatInput([IRIS.rows[0]!])], { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('client went away')), 50);
    await expect(pending).rejects.toThrow('client went away');
    expect(model.ready()).toBe(true);
    const next = await model.predict([floatInput([IRIS.rows[100]!])]);
    expect(next[0]!.data).toEqual([2]);
    await runtime.close();
  });

  it('reports a module that fails to load, and errors a model throws', async () => {
    const runtime = new JsRuntime();
    const broken = makeJsPackage(path.join(tmp, 'broken'), { source: 'export const nothing = 1;\n' });
    const err = await runtime.load({ name: 'broken', version: '1', packageDir: broken }).then(() => null, (e: unknown) => e);
    expect(isAscentError(err) && err.message).toMatch(/exports no predict/);
    const refusing = makeJsPackage(path.join(tmp, 'refusing'), {
      source: "export const metadata = { inputs: [{ name: 'x', datatype: 'FP64', shape: [-1] }], outputs: [{ name: 'y', datatype: 'FP64', shape: [-1] }] };\n" +
        "export function predict([x]) { if (x.data.some((v) => v < 0)) throw Object.assign(new Error(\"x: negative values\"), { code: 'INVALID_ARGUMENT', field: 'x' }); return [{ name: 'y', datatype: 'FP64', shape: x.shape, data: Array.from(x.data, Math.sqrt) }]; }\n",
    });
    const model = await runtime.load({ name: 'sqrt', version: '1', packageDir: refusing, concurrency: 1 });
    expect((await model.predict([{ name: 'x', datatype: 'FP64', shape: [2], data: [4, 9] }]))[0]!.data).toEqual([2, 3]);
    const refused = await model.predict([{ name: 'x', datatype: 'FP64', shape: [1], data: [-1] }]).then(() => null, (e: unknown) => e);
    expect(isAscentError(refused) && [refused.code, refused.field]).toEqual(['INVALID_ARGUMENT', 'x']);
    await runtime.close();
  });

  it('passes inference parameters to the module', async () => {
    const runtime = new JsRuntime();
    const scaled = makeJsPackage(path.join(tmp, 'params'), {
      source: "export const metadata = { inputs: [{ name: 'x', datatype: 'FP64', shape: [-1] }], outputs: [{ name: 'y', datatype: 'FP64', shape: [-1] }] };\n" +
        "export function predict([x], _state, parameters) { const k = parameters?.scale ?? 1; return [{ name: 'y', datatype: 'FP64', shape: x.shape, data: Array.from(x.data, (v) => v * k) }]; }\n",
    });
    const model = await runtime.load({ name: 'scale', version: '1', packageDir: scaled, concurrency: 1 });
    const x = [{ name: 'x', datatype: 'FP64' as const, shape: [2], data: [1, 2] }];
    expect((await model.predict(x))[0]!.data).toEqual([1, 2]);
    expect((await model.predict(x, { parameters: { scale: 10 } }))[0]!.data).toEqual([10, 20]);
    await runtime.close();
  });
});
