#!/usr/bin/env node
// `npm run demo`: start the built Ascent server on the embedded defaults (SQLite + local disk in
// ./.ascent), log the examples on real data so the UI has something to show, then keep serving in
// the foreground until Ctrl-C. Run `npm run build` first (the npm script does).
//
// Environment: ASCENT_HOST / ASCENT_PORT / ASCENT_DATA_DIR / ASCENT_LOG_LEVEL as for `ascent server`
// (defaults 127.0.0.1, 5000, ./.ascent, warn); ASCENT_DEMO_EXAMPLES=0 skips the examples;
// ASCENT_PYTHON_VENV points at a venv with mlflow (default ./.venv).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const host = process.env.ASCENT_HOST || '127.0.0.1';
const port = process.env.ASCENT_PORT || '5000';
const dataDir = path.resolve(root, process.env.ASCENT_DATA_DIR || '.ascent');
const browseHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
const url = `http://${browseHost.includes(':') ? `[${browseHost}]` : browseHost}:${port}`;
const cli = path.join(root, 'dist', 'cli', 'main.js');
const venv = process.env.ASCENT_PYTHON_VENV || path.join(root, '.venv');
const python = path.join(venv, 'bin', 'python');

const say = (line) => process.stdout.write(`[demo] ${line}\n`);
/** Example processes still running, so a stop signal reaches them too. */
const running = new Set();
let stopping = false;

if (!fs.existsSync(cli)) {
  say(`${path.relative(root, cli)} is missing: run "npm run build" first (or use "npm run demo", which builds).`);
  process.exit(1);
}

if (await healthy(1000)) {
  say(`something already answers at ${url}: stop it, or pick another port with ASCENT_PORT=5001 npm run demo`);
  process.exit(1);
}

say(`starting the Ascent server (SQLite + artifacts in ${path.relative(process.cwd(), dataDir) || '.'}) …`);
const server = spawn(process.execPath, [cli, 'server'], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env,
    ASCENT_HOST: host,
    ASCENT_PORT: port,
    ASCENT_DATA_DIR: dataDir,
    ASCENT_LOG_LEVEL: process.env.ASCENT_LOG_LEVEL || 'warn',
  },
});
let serverExit;
const serverExited = new Promise((resolve) => {
  server.once('exit', (code, signal) => {
    serverExit = { code, signal };
    resolve(serverExit);
  });
});
serverExited.then(({ code, signal }) => {
  if (!stopping) say(`the server stopped unexpectedly (${signal ?? `exit code ${code}`})`);
  process.exit(code ?? (signal ? 1 : 0));
});

// Ctrl-C reaches every process of the foreground group; forwarding covers `kill <pid>` too.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (!stopping) say('stopping the server …');
    stopping = true;
    for (const child of running) child.kill(signal);
    if (!serverExit) server.kill(signal);
  });
}

if (!(await waitForHealth(30_000))) {
  say(`the server did not answer on ${url}/health within 30 s`);
  server.kill('SIGTERM');
  await serverExited;
}

if (process.env.ASCENT_DEMO_EXAMPLES !== '0') {
  say('logging the TypeScript example: linear regression on the vega-datasets "cars" table (examples/typescript/train-cars.ts)');
  const ts = await runExample(process.execPath, ['--import', 'tsx', path.join('examples', 'typescript', 'train-cars.ts')], { ASCENT_URL: url });
  if (ts !== 0 && !stopping) say(`the TypeScript example failed (exit code ${ts}); the server keeps running`);

  if (!stopping && fs.existsSync(python)) {
    say('logging the Python example with the plain mlflow client: iris classifier (examples/python/train_iris.py)');
    const py = await runExample(python, [path.join('examples', 'python', 'train_iris.py')], {
      MLFLOW_TRACKING_URI: url,
      MLFLOW_DISABLE_TELEMETRY: 'true',
      DO_NOT_TRACK: 'true',
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
      // mlflow prints links in its own UI's route scheme (/#/experiments/…), not Ascent's.
      MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT: 'true',
    });
    if (py !== 0 && !stopping) say(`the Python example failed (exit code ${py}); the server keeps running`);
  } else if (!stopping) {
    say(`skipping the Python example: no ${path.relative(root, python)} (python3 -m venv .venv && .venv/bin/pip install -r test/compat/requirements.txt)`);
  }
}

if (!stopping) {
  process.stdout.write(`\nAscent is running at ${url} — open it in a browser. Press Ctrl-C to stop.\n\n`);
}

function runExample(command, args, env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
    running.add(child);
    child.once('error', (err) => {
      say(`could not start ${command}: ${err.message}`);
      running.delete(child);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function healthy(timeoutMs) {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}

async function waitForHealth(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !serverExit) {
    if (await healthy(1000)) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}
