/**
 * Start and stop the servers under test (the real MLflow tracking server and Ascent) on 127.0.0.1,
 * on free ports, each in its own process group so that stopping one also stops its workers.
 * Every process started here is registered and killed on exit, on error and on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VENV_BIN = path.join(REPO_ROOT, '.venv', 'bin');

export interface RunningProcess {
  name: string;
  url: string;
  port: number;
  pid: number;
  logFile: string;
  /** The command line, for the report. */
  command: string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // Negative pid: the process group this child leads (it was spawned detached).
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/** Kill every process this module started (synchronous: safe in an 'exit' handler). */
export function killAll(): void {
  for (const child of live) killGroup(child, 'SIGKILL');
  live.clear();
}

let hooksInstalled = false;
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** A free TCP port on 127.0.0.1 (asked of the OS, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `url` until it answers 200 or the deadline passes (or the process exits). */
export async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${url}: process exited (${child.exitCode ?? child.signalCode}) before becoming healthy; see ${logFile}:\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await sleep(250);
  }
  throw new Error(`${url} not healthy after ${timeoutMs} ms; see ${logFile}:\n${tail(logFile)}`);
}

function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function launch(name: string, cmd: string, args: string[], opts: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv; port: number; healthPath: string; startTimeoutMs: number }): Promise<RunningProcess> {
  installExitHooks();
  const out = fs.openSync(opts.logFile, 'a');
  const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  live.add(child);
  const url = `http://127.0.0.1:${opts.port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (!live.has(child)) return;
    killGroup(child, 'SIGTERM');
    const timedOut = await Promise.race([exited.then(() => false), sleep(10_000).then(() => true)]);
    if (timedOut) killGroup(child, 'SIGKILL');
    // Workers of the group may outlive the leader for a moment.
    killGroup(child, 'SIGKILL');
    live.delete(child);
  };
  try {
    await waitForHealth(url + opts.healthPath, child, opts.startTimeoutMs, opts.logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  return { name, url, port: opts.port, pid: child.pid!, logFile: opts.logFile, command: [cmd, ...args].join(' '), stop };
}

export interface MlflowOptions {
  /** Folder holding `mlflow.db` and `art/`. */
  dir: string;
  workers: number;
  startTimeoutMs?: number;
}

/** `mlflow server` on SQLite (the database may already be seeded). */
export async function startMlflow(o: MlflowOptions): Promise<RunningProcess> {
  const port = await freePort();
  const db = path.join(o.dir, 'mlflow.db');
  const art = path.join(o.dir, 'art');
  fs.mkdirSync(art, { recursive: true });
  const args = ['server', '--backend-store-uri', `sqlite:///${db}`, '--default-artifact-root', art, '--host', '127.0.0.1', '--port', String(port), '--workers', String(o.workers)];
  return launch('mlflow', path.join(VENV_BIN, 'mlflow'), args, {
    cwd: o.dir,
    logFile: path.join(o.dir, 'mlflow-server.log'),
    // Keep the access log out of the hot path as far as the server lets us.
    env: { PYTHONUNBUFFERED: '1' },
    port,
    healthPath: '/health',
    startTimeoutMs: o.startTimeoutMs ?? 240_000,
  });
}

export interface AscentOptions {
  dir: string;
  startTimeoutMs?: number;
}

/** Newest modification time (ms) of the files under `dir` whose name matches `re`. */
function newestMtime(dir: string, re: RegExp): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !re.test(entry.name)) continue;
    const m = fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs;
    if (m > newest) newest = m;
  }
  return newest;
}

export interface AscentEntry {
  cmd: string;
  args: string[];
  /** 'dist' = the built CLI (what users run), 'src' = the TypeScript source through tsx. */
  from: 'dist' | 'src';
  /** Why this entry point was chosen, for the report. */
  why: string;
}

let chosenEntry: AscentEntry | undefined;

/**
 * Which Ascent entry point to run: the built CLI (what users run) when dist/ is at least as new as
 * src/, otherwise the source through tsx (so a stale build is never measured by accident).
 * BENCH_ASCENT_FROM=dist|src forces one; BENCH_ASCENT_NODE_FLAGS adds node flags, e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server.
 */
export function ascentEntry(): AscentEntry {
  if (chosenEntry) return chosenEntry;
  const flags = (process.env.BENCH_ASCENT_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const built = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
  const source = ['--import', 'tsx', path.join(REPO_ROOT, 'src', 'cli', 'main.ts')];
  const forced = process.env.BENCH_ASCENT_FROM;
  let from: 'dist' | 'src';
  let why: string;
  if (forced === 'dist' || forced === 'src') {
    from = forced;
    why = `BENCH_ASCENT_FROM=${forced}`;
  } else if (!fs.existsSync(built)) {
    from = 'src';
    why = 'dist/ missing (run npm run build)';
  } else {
    const srcNewest = newestMtime(path.join(REPO_ROOT, 'src'), /\.ts$/);
    const builtAt = fs.statSync(built).mtimeMs;
    from = srcNewest > builtAt ? 'src' : 'dist';
    why = from === 'src' ? `dist/ older than src/ (built ${new Date(builtAt).toISOString()}, src changed ${new Date(srcNewest).toISOString()}): run npm run build first` : 'dist/ up to date';
  }
  chosenEntry = { cmd: process.execPath, args: from === 'dist' ? [...flags, built] : [...flags, ...source], from, why };
  return chosenEntry;
}

/** `ascent server` on its embedded SQLite database in `dir`. */
export async function startAscent(o: AscentOptions): Promise<RunningProcess> {
  const port = await freePort();
  const entry = ascentEntry();
  fs.mkdirSync(o.dir, { recursive: true });
  const args = [...entry.args, 'server', '--host', '127.0.0.1', '--port', String(port), '--data-dir', o.dir, '--log-level', 'warn'];
  return launch('ascent', entry.cmd, args, {
    cwd: REPO_ROOT,
    logFile: path.join(o.dir, 'ascent-server.log'),
    env: { NODE_OPTIONS: '' },
    port,
    healthPath: '/health',
    startTimeoutMs: o.startTimeoutMs ?? 60_000,
  });
}

/** Run a program to completion (bounded), returning its stdout; throws with its output on failure. */
export async function runToCompletion(cmd: string, args: string[], opts: { cwd: string; timeoutMs: number }): Promise<string> {
  installExitHooks();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${opts.timeoutMs} ms\n${stderr.slice(-2000)}`));
    }, opts.timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      live.delete(child);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${stderr.slice(-3000)}${stdout.slice(-1000)}`));
    });
  });
}
