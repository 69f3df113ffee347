import { describe, expect, it } from 'vitest';
import { isAscentError } from '../../core/errors.js';
import { IRIS, SKIP_PYTHON, VENV_PYTHON, pyfuncPackage } from '../../../test/fixtures/serving/iris-packages.js';
import { irisColumns } from '../../../test/fixtures/serving/model-servers.js';
import { PythonRuntime, type PythonLoadedModel } from './python-runtime.js';
import { runRuntimeContract } from './runtime.contract.js';

// Real Python: the compat venv's interpreter runs python/ascent_pyfunc_server.py on a model the real mlflow client saved.
const START_MS = 300_000;
if (SKIP_PYTHON) console.warn('[python-runtime] skipped: ASCENT_SKIP_PYTHON=1');

describe.skipIf(SKIP_PYTHON)('python runtime', () => {
  runRuntimeContract({
    name: 'python (MLflow pyfunc sklearn model in a managed Python process)',
    newRuntime: () => new PythonRuntime({ pythonExecutable: VENV_PYTHON }),
    timeoutMs: START_MS,
    fixture: async () => ({
      name: 'iris-py',
      version: '3',
      packageDir: await pyfuncPackage(),
      rows: IRIS.rows,
      labels: IRIS.labels,
      inputs: irisColumns,
      predictedLabels: (outputs) => Array.from(outputs.find((o) => o.name === 'predictions')!.data as number[]),
      badInputs: [
        { why: 'unknown column', inputs: [...irisColumns([[1, 2, 3, 4]]), { name: 'colour', datatype: 'BYTES', shape: [1], data: ['red'] }] },
        { why: 'string where a double is declared', inputs: [{ name: 'sepal_length', datatype: 'BYTES', shape: [1], data: ['x'] }, ...irisColumns([[1, 2, 3, 4]]).slice(1)] },
        { why: 'missing columns (the model process refuses)', inputs: irisColumns([[1, 2, 3, 4]]).slice(0, 2) },
      ],
    }),
  });

  it('restarts a crashed process with backoff; the model is unready meanwhile and serves again after', async () => {
    const runtime = new PythonRuntime({ pythonExecutable: VENV_PYTHON, restartBackoffMs: { initial: 200, max: 1_000 } });
    const model = (await runtime.load({ name: 'crashy', version: '1', packageDir: await pyfuncPackage() })) as PythonLoadedModel;
    try {
      const before = model.pid!;
      expect(model.ready()).toBe(true);
      process.kill(before, 'SIGKILL');
      await waitFor(() => !model.ready(), 10_000);
      const refused = await model.predict(irisColumns([IRIS.rows[0]!])).then(() => null, (e: unknown) => e);
      expect(isAscentError(refused) && refused.code).toBe('UNAVAILABLE');
      await waitFor(() => model.ready(), START_MS - 20_000);
      expect(model.pid).not.toBe(before);
      expect(model.restarts).toBe(1);
      const out = await model.predict(irisColumns([IRIS.rows[100]!]));
      expect(out[0]!.data).toEqual([2]);
    } finally {
      await runtime.close();
    }
    expect(model.ready()).toBe(false);
  }, START_MS * 2);

  it('fails a load clearly when the interpreter does not exist', async () => {
    const runtime = new PythonRuntime({ pythonExecutable: '/nonexistent/python3' });
    const err = await runtime.load({ name: 'x', version: '1', packageDir: await pyfuncPackage() }).then(() => null, (e: unknown) => e);
    expect(isAscentError(err) && err.message).toMatch(/\/nonexistent\/python3/);
  }, START_MS);
});

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
