import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, waitForHealth, VENV_BIN } from '../support/servers.js';

/** A server process this benchmark started (its own process group, killed on stop or exit). */
export interface BenchProcess {
  url: string;
  pid: number;
  command: string;
  stop(): Promise<void>;
}

const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of started) killGroup(c, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

/** Start `cmd args` detached (own process group) and wait until `healthPath` answers 200. */
export async function launchServer(cmd: string, args: string[], opts: { port: number; logFile: string; healthPath: string; env?: NodeJS.ProcessEnv; startTimeoutMs: number; cwd: string }): Promise<BenchProcess> {
  const out = fs.openSync(opts.logFile, 'a');
  const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  started.add(child);
  const stop = async () => {
    if (!started.has(child)) return;
    const exited = new Promise((r) => child.once('exit', r));
    killGroup(child, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    killGroup(child, 'SIGKILL');
    started.delete(child);
  };
  try {
    await waitForHealth(`http://127.0.0.1:${opts.port}${opts.healthPath}`, child, opts.startTimeoutMs, opts.logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `http://127.0.0.1:${opts.port}`, pid: child.pid!, command: [path.basename(cmd), ...args].join(' '), stop };
}

/** `mlflow models serve -m <dir> --env-manager local` from the repo's venv. */
export async function startMlflowServe(modelDir: string, workDir: string, workers: number): Promise<BenchProcess> {
  const port = await freePort();
  return launchServer(path.join(VENV_BIN, 'mlflow'), ['models', 'serve', '-m', modelDir, '--env-manager', 'local', '-h', '127.0.0.1', '-p', String(port), '-w', String(workers)], {
    port, cwd: workDir, logFile: path.join(workDir, 'mlflow-serve.log'), healthPath: '/ping', startTimeoutMs: 240_000, // mlflow execs `uvicorn` by name, so the venv's bin must lead PATH.
    env: { PYTHONUNBUFFERED: '1', MLFLOW_DISABLE_TELEMETRY: 'true', PATH: `${VENV_BIN}:${process.env.PATH ?? ''}` },
  });
}
