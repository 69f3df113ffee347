import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startAscentProcess, type AscentProcess } from '../support/ascent-process.js';

/**
 * The MLflow compatibility suite: the real, unmodified `mlflow` Python client (pinned in
 * requirements.txt) drives a real `ascent server` process through `test/compat/test_*.py`.
 *
 * Needs a virtualenv with requirements.txt installed at `<repo>/.venv` or `$ASCENT_PYTHON_VENV`:
 *   python3 -m venv .venv && .venv/bin/pip install -r test/compat/requirements.txt
 * Without one the suite fails, unless ASCENT_SKIP_PYTHON=1 (then it is skipped, saying why).
 * ASCENT_PYTEST_ARGS adds pytest arguments (e.g. "-k search -x").
 */
const venv = process.env.ASCENT_PYTHON_VENV || path.join(REPO_ROOT, '.venv');
const python = path.join(venv, process.platform === 'win32' ? path.join('Scripts', 'python.exe') : path.join('bin', 'python'));
const skipPython = process.env.ASCENT_SKIP_PYTHON === '1';
const SUITE_TIMEOUT_MS = 20 * 60_000;

if (skipPython) {
  console.warn('[mlflow-compat] skipped: ASCENT_SKIP_PYTHON=1, so the real mlflow client is not run');
}

describe.skipIf(skipPython)('MLflow client compatibility (real mlflow client against a real ascent server)', () => {
  let server: AscentProcess | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it(
    'passes the pytest suite in test/compat',
    async () => {
      if (!fs.existsSync(python)) {
        throw new Error(
          `No Python virtualenv at ${venv} (looked for ${python}). Create it with ` +
            '`python3 -m venv .venv && .venv/bin/pip install -r test/compat/requirements.txt`, ' +
            'point ASCENT_PYTHON_VENV at one, or set ASCENT_SKIP_PYTHON=1 to skip this suite.',
        );
      }
      server = await startAscentProcess();
      const extra = (process.env.ASCENT_PYTEST_ARGS ?? '').split(/\s+/).filter(Boolean);
      const { code, output } = await runPytest(['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-rfE', path.join('test', 'compat'), ...extra], server.url);
      expect(code, `pytest failed (exit ${code}); last output:\n${output.slice(-8000)}\n--- server output ---\n${server.output().slice(-4000)}`).toBe(0);
    },
    SUITE_TIMEOUT_MS,
  );
});

/** Run the venv's python with MLFLOW_TRACKING_URI set, echoing its output live. */
function runPytest(args: string[], trackingUri: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        MLFLOW_TRACKING_URI: trackingUri,
        PYTHONUNBUFFERED: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const echo = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      process.stdout.write(chunk);
    };
    child.stdout.on('data', echo);
    child.stderr.on('data', echo);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
