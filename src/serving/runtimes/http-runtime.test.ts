import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAscentError } from '../../core/errors.js';
import { IRIS, SKIP_PYTHON, pyfuncPackage } from '../../../test/fixtures/serving/iris-packages.js';
import { irisColumns, startMlflowServe, startPyfuncServer } from '../../../test/fixtures/serving/model-servers.js';
import type { Tensor } from '../model-runtime.js';
import { HttpRuntime, predictionsToTensors } from './http-runtime.js';
import { runRuntimeContract, type RuntimeFixture } from './runtime.contract.js';

// Real external servers: Ascent's pyfunc OIP server and `mlflow models serve`, both from the compat venv.
const START_MS = 300_000;
if (SKIP_PYTHON) console.warn('[http-runtime] skipped: ASCENT_SKIP_PYTHON=1');

const labelsOf = (outputs: Tensor[]) => Array.from(outputs[0]!.data as number[]);
const badInputs: RuntimeFixture['badInputs'] = [
  { why: 'unknown column', inputs: [...irisColumns([[1, 2, 3, 4]]), { name: 'colour', datatype: 'BYTES', shape: [1], data: ['red'] }] },
  { why: 'string where a double is declared', inputs: [{ name: 'sepal_length', datatype: 'BYTES', shape: [1], data: ['x'] }, ...irisColumns([[1, 2, 3, 4]]).slice(1)] },
];

describe.skipIf(SKIP_PYTHON)('http runtime', () => {
  let url = '';
  runRuntimeContract({
    name: 'http, Open Inference Protocol (against python/ascent_pyfunc_server.py)',
    newRuntime: () => new HttpRuntime({ url, protocol: 'oip', model: 'remote-iris' }),
    timeoutMs: START_MS,
    fixture: async () => {
      const dir = await pyfuncPackage();
      const server = await startPyfuncServer(dir, 'remote-iris');
      url = server.url;
      return { name: 'iris-oip', version: '1', packageDir: dir, rows: IRIS.rows, labels: IRIS.labels, inputs: irisColumns, predictedLabels: labelsOf, badInputs: [...badInputs, { why: 'missing columns (the server refuses with 400)', inputs: irisColumns([[1, 2, 3, 4]]).slice(0, 2) }], dispose: server.stop };
    },
  });

  runRuntimeContract({
    name: 'http, MLflow /invocations (against `mlflow models serve --env-manager local`)',
    newRuntime: () => new HttpRuntime({ url, protocol: 'mlflow' }),
    timeoutMs: START_MS,
    fixture: async () => {
      const dir = await pyfuncPackage();
      const server = await startMlflowServe(dir);
      url = server.url;
      return { name: 'iris-mlflow', version: '1', packageDir: dir, rows: IRIS.rows, labels: IRIS.labels, inputs: irisColumns, predictedLabels: labelsOf, badInputs: [...badInputs, { why: 'missing columns', inputs: irisColumns([[1, 2, 3, 4]]).slice(0, 2) }], dispose: server.stop };
    },
  });

  it('a server that goes down makes the model unready with UNAVAILABLE; a health probe sees it come back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-http-down-'));
    fs.cpSync(await pyfuncPackage(), dir, { recursive: true });
    const server = await startPyfuncServer(dir, 'gone');
    const runtime = new HttpRuntime({ url: server.url, protocol: 'oip' });
    const model = await runtime.load({ name: 'gone', version: '1', packageDir: dir });
    await server.stop();
    const err = await model.predict(irisColumns([IRIS.rows[0]!])).then(() => null, (e: unknown) => e);
    expect(isAscentError(err) && err.code).toBe('UNAVAILABLE');
    expect(model.ready()).toBe(false);
    // No request is sent meanwhile (a router would not route to it): only the probe can notice.
    const again = await startPyfuncServer(dir, 'gone', Number(new URL(server.url).port));
    const until = Date.now() + 60_000;
    while (!model.ready() && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(model.ready()).toBe(true);
    expect((await model.predict(irisColumns([IRIS.rows[100]!])))[0]!.data).toEqual([2]);
    await again.stop();
    await runtime.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }, START_MS);
});

describe('MLflow predictions → tensors', () => {
  it('reads a list, a list of rows, records and a dict of columns', () => {
    expect(predictionsToTensors([0, 2], [{ name: 'predictions', datatype: 'INT64', shape: [-1] }])).toEqual([{ name: 'predictions', datatype: 'INT64', shape: [2], data: [0, 2] }]);
    expect(predictionsToTensors([[0.1, 0.9], [0.8, 0.2]], [])).toEqual([{ name: 'predictions', datatype: 'FP64', shape: [2, 2], data: [0.1, 0.9, 0.8, 0.2] }]);
    expect(predictionsToTensors([{ label: 'a', score: 0.5 }, { label: 'b', score: 1 }], [])).toEqual([
      { name: 'label', datatype: 'BYTES', shape: [2], data: ['a', 'b'] },
      { name: 'score', datatype: 'FP64', shape: [2], data: [0.5, 1] },
    ]);
    expect(predictionsToTensors({ y: [true, false] }, [])).toEqual([{ name: 'y', datatype: 'BOOL', shape: [2], data: [true, false] }]);
  });

  it('refuses a url that is not http(s)', () => {
    expect(() => new HttpRuntime({ url: 'file:///etc/passwd', protocol: 'oip' })).toThrow(/http\(s\)/);
  });
});
