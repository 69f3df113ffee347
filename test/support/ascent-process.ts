import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/core/config.js';
import { buildApp } from '../../src/http/app.js';
import type { AppServices } from '../../src/http/app-services.js';
import { createServices } from '../../src/server.js';

/** The repository root (this file lives in `<root>/test/support`). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A port nobody listens on right now (the OS picks it; another process could still take it). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Poll `url` until it answers 200 or `timeoutMs` passes; `aborted()` stops the wait early. */
export async function waitForHealth(url: string, options: { timeoutMs?: number; aborted?: () => string | undefined } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const reason = options.aborted?.();
    if (reason) throw new Error(reason);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become healthy in time (${last})`);
}

export interface AscentProcessOptions {
  /** Extra environment for the server (on top of this process's environment). */
  env?: Record<string, string>;
  /** Extra `ascent server` arguments. */
  args?: string[];
  /** Data folder; a fresh temporary one (removed on stop) when omitted. */
  dataDir?: string;
  /** Copy the server's output to this process's stderr as it comes (default: env ASCENT_TEST_SERVER_LOGS=1). */
  echo?: boolean;
  /** How long to wait for `/health` (default 60 s). */
  startTimeoutMs?: number;
}

/** A real `ascent server` process started for a test. */
export interface AscentProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  proc: ChildProcess;
  dataDir: string;
  /** Everything the server printed so far (the last 256 KiB). */
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s; removes the data folder if it was created here. */
  stop(): Promise<void>;
}

const OUTPUT_LIMIT = 256 * 1024;

/**
 * Spawn `node --import tsx src/cli/main.ts server --host 127.0.0.1 --port <free> --data-dir <dir>`
 * and resolve once `/health` answers. A port taken between choosing and binding is retried.
 */
export async function startAscentProcess(options: AscentProcessOptions = {}): Promise<AscentProcess> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'ascent-proc-')));
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await spawnOnce(await freePort(), dataDir, ownDataDir, options);
    } catch (err) {
      lastError = err;
      if (!/EADDRINUSE/.test((err as Error).message)) break;
    }
  }
  if (ownDataDir) await fs.rm(dataDir, { recursive: true, force: true });
  throw lastError;
}

async function spawnOnce(port: number, dataDir: string, ownDataDir: boolean, options: AscentProcessOptions): Promise<AscentProcess> {
  const echo = options.echo ?? process.env.ASCENT_TEST_SERVER_LOGS === '1';
  const args = ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/main.ts'), 'server', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, ...(options.args ?? [])];
  const proc = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ASCENT_LOG_LEVEL: process.env.ASCENT_LOG_LEVEL ?? 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    if (echo) process.stderr.write(chunk);
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  // Should the test runner exit without calling stop(), take the server down with it.
  const killOnExit = () => proc.kill('SIGKILL');
  process.once('exit', killOnExit);
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) => {
    proc.once('exit', (code, signal) => {
      process.removeListener('exit', killOnExit);
      exited = `ascent server exited early (code ${code}, signal ${signal})`;
      resolve();
    });
  });

  const url = `http://127.0.0.1:${port}`;
  const kill = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(killer);
  };
  const stop = async () => {
    await kill();
    if (ownDataDir) await fs.rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(`${url}/health`, { timeoutMs: options.startTimeoutMs ?? 60_000, aborted: () => exited });
  } catch (err) {
    await kill(); // the caller removes the data folder, or reuses it for a retry on another port
    throw new Error(`${(err as Error).message}\n--- server output ---\n${output}`);
  }
  return { url, proc, dataDir, output: () => output, stop };
}

/** An Ascent app built in-process on a fresh SQLite file and artifact folder, for `app.inject()` tests. */
export interface AscentApp {
  app: FastifyInstance;
  services: AppServices;
  dataDir: string;
  close(): Promise<void>;
}

/** Build services exactly as `createServices` does for the server, from `loadConfig({ dataDir })`. */
export async function startAscentApp(options: { dataDir?: string } = {}): Promise<AscentApp> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'ascent-app-')));
  // An empty environment: a developer's ASCENT_* variables must not point tests at real data.
  const config = loadConfig({ dataDir, logLevel: 'silent' }, {});
  const { services, close } = await createServices(config);
  const app = await buildApp({ services, logger: false, serveUi: false });
  await app.ready();
  return {
    app,
    services,
    dataDir,
    close: async () => {
      await app.close();
      await close();
      if (ownDataDir) await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
