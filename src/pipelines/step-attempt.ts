import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline as pump } from 'node:stream/promises';
import type { ArtifactStore } from '../storage/artifacts/artifact-store.js';
import { listFiles, pathDigest } from './content-digest.js';
import { loadStepFunction, type StepContext } from './step-function.js';
import type { StepAttemptResult, StepExecutionHooks, StepOutputRecord, StepTask } from './step-executor.js';

/** Where an attempt runs: the artifact store it moves data through and a scratch folder. */
export interface StepAttemptEnvironment {
  artifacts: ArtifactStore;
  /** Scratch root; each attempt gets its own folder below it, removed afterwards. */
  workRoot: string;
  /** Recorded as `executedBy` (default `local`). */
  executedBy?: string;
  /** Keep the attempt's folder (for debugging). */
  keepWorkDir?: boolean;
}

const MAX_LINE = 64 * 1024;
const KILL_GRACE_MS = 2_000;

/**
 * Run one attempt of a step anywhere: fetch its inputs from the artifact store into a fresh
 * folder, run the command or function with the step's environment, a timeout and cancellation,
 * stream log lines, then hash and upload the declared outputs under `task.outputPrefix`.
 * Outputs are uploaded only after the step succeeded, and returned only when all of them are stored.
 */
export async function runStepAttempt(task: StepTask, hooks: StepExecutionHooks, env: StepAttemptEnvironment): Promise<StepAttemptResult> {
  const executedBy = env.executedBy ?? 'local';
  const workDir = path.join(env.workRoot, `${safe(task.stepRunId)}-a${task.attempt}`);
  const inputDir = path.join(workDir, 'in');
  const outputDir = path.join(workDir, 'out');
  const result = (status: StepAttemptResult['status'], extra: Partial<StepAttemptResult> = {}): StepAttemptResult => ({ status, outputs: [], executedBy, ...extra });
  try {
    await fs.promises.rm(workDir, { recursive: true, force: true });
    await fs.promises.mkdir(inputDir, { recursive: true });
    await fs.promises.mkdir(outputDir, { recursive: true });
    const inputPaths: Record<string, string> = {};
    for (const input of task.inputs) {
      // `model/0`, `model/1`: the items of a foreach step's output, gathered in one folder.
      const segments = input.name.split('/').map(safe);
      await download(env.artifacts, input.artifactPath, path.join(inputDir, ...segments), input.isDir);
      inputPaths[input.name.split('/')[0]!] = path.join(inputDir, segments[0]!);
    }
    const outputPaths: Record<string, string> = {};
    for (const output of task.outputs) {
      const dest = insideOrThrow(outputDir, output.path, `output '${output.name}'`);
      await fs.promises.mkdir(output.isDir ? dest : path.dirname(dest), { recursive: true });
      outputPaths[output.name] = dest;
    }
    const stepEnv: Record<string, string> = { ...task.env, ASCENT_INPUT_DIR: inputDir, ASCENT_OUTPUT_DIR: outputDir, ASCENT_ATTEMPT: String(task.attempt) };
    for (const [name, p] of Object.entries(inputPaths)) stepEnv[`ASCENT_INPUT_${envName(name)}`] = p;
    for (const [name, p] of Object.entries(outputPaths)) stepEnv[`ASCENT_OUTPUT_${envName(name)}`] = p;
    if (hooks.signal.aborted) return result('cancelled', { error: 'cancelled before start' });
    const outcome = task.kind === 'command'
      ? await runCommand(task, stepEnv, hooks)
      : await runFunction(task, stepEnv, hooks, { inputDir, outputDir, inputs: inputPaths, outputs: outputPaths });
    if (outcome.status !== 'succeeded') return result(outcome.status, { exitCode: outcome.exitCode ?? null, error: outcome.error ?? outcome.status });
    const outputs: StepOutputRecord[] = [];
    for (const output of task.outputs) {
      const local = outputPaths[output.name]!;
      if (!fs.existsSync(local)) return result('failed', { exitCode: outcome.exitCode ?? 0, error: `declared output '${output.name}' (${output.path}) was not produced` });
      const artifactPath = `${task.outputPrefix.replace(/\/+$/, '')}/${output.path.replace(/^\.?\/+/, '').replace(/\/+$/, '')}`;
      outputs.push({ name: output.name, artifactPath, ...(await upload(env.artifacts, local, artifactPath)) });
    }
    return result('succeeded', { exitCode: outcome.exitCode ?? 0, outputs });
  } catch (err) {
    return result(hooks.signal.aborted ? 'cancelled' : 'failed', { error: (err as Error).message });
  } finally {
    if (!env.keepWorkDir) await fs.promises.rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

interface Outcome {
  status: StepAttemptResult['status'];
  exitCode?: number | null;
  error?: string;
}

function runCommand(task: StepTask, env: Record<string, string>, hooks: StepExecutionHooks): Promise<Outcome> {
  const argv = task.command ?? [];
  if (argv.length === 0) return Promise.resolve({ status: 'failed', error: 'empty command' });
  return new Promise((resolve) => {
    // Own process group, so a timeout or cancel also stops what the command started.
    const child = spawn(argv[0]!, argv.slice(1), { cwd: task.cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    let ended: Outcome | null = null;
    const kill = (why: Outcome) => {
      ended ??= why;
      signalGroup(child.pid, 'SIGTERM');
      setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref();
    };
    const timer = task.timeoutMs > 0 ? setTimeout(() => kill({ status: 'timed_out', error: `timed out after ${task.timeoutMs} ms` }), task.timeoutMs) : null;
    const onAbort = () => kill({ status: 'cancelled', error: 'cancelled' });
    hooks.signal.addEventListener('abort', onAbort, { once: true });
    const outDone = lines(child.stdout, (l) => hooks.onLog('stdout', l));
    const errDone = lines(child.stderr, (l) => hooks.onLog('stderr', l));
    child.on('error', (err) => {
      ended ??= { status: 'failed', error: `could not start '${argv[0]}': ${err.message}` };
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      hooks.signal.removeEventListener('abort', onAbort);
      void Promise.all([outDone, errDone]).then(() => {
        if (ended) return resolve({ ...ended, exitCode: code });
        if (code === 0) return resolve({ status: 'succeeded', exitCode: 0 });
        resolve({ status: 'failed', exitCode: code, error: signal ? `killed by ${signal}` : `exited with code ${code}` });
      });
    });
  });
}

async function runFunction(task: StepTask, env: Record<string, string>, hooks: StepExecutionHooks, dirs: Pick<StepContext, 'inputDir' | 'outputDir' | 'inputs' | 'outputs'>): Promise<Outcome> {
  const fn = await loadStepFunction(task.module ?? '', task.exportName ?? 'default');
  const controller = new AbortController();
  const onAbort = () => controller.abort(new Error('cancelled'));
  hooks.signal.addEventListener('abort', onAbort, { once: true });
  const log = (...args: unknown[]) => {
    for (const l of args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ').split('\n')) hooks.onLog('stdout', l.slice(0, MAX_LINE));
  };
  const trackingUri = env.MLFLOW_TRACKING_URI;
  const runId = env.MLFLOW_RUN_ID ?? '';
  const logMetric = async (key: string, value: number, step = 0): Promise<void> => {
    if (hooks.logMetric) return hooks.logMetric(key, value, step);
    if (!trackingUri) throw new Error('no MLFLOW_TRACKING_URI to log metrics to');
    const res = await fetch(`${trackingUri.replace(/\/+$/, '')}/api/2.0/mlflow/runs/log-metric`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ run_id: runId, key, value, timestamp: Date.now(), step }),
    });
    if (!res.ok) throw new Error(`logging metric '${key}' failed: HTTP ${res.status} ${await res.text()}`);
  };
  const ctx: StepContext = {
    ...dirs,
    params: task.params,
    item: env.ASCENT_ITEM === undefined ? undefined : (JSON.parse(env.ASCENT_ITEM) as unknown),
    env,
    runId,
    experimentId: env.MLFLOW_EXPERIMENT_ID ?? '',
    signal: controller.signal,
    log,
    logMetric,
  };
  let timer: NodeJS.Timeout | undefined;
  // A function cannot be killed: on timeout or cancel the step ends and its signal is aborted.
  const stop = new Promise<Outcome>((resolve) => {
    if (task.timeoutMs > 0) timer = setTimeout(() => {
      controller.abort(new Error('timed out'));
      resolve({ status: 'timed_out', error: `timed out after ${task.timeoutMs} ms` });
    }, task.timeoutMs);
    controller.signal.addEventListener('abort', () => resolve({ status: hooks.signal.aborted ? 'cancelled' : 'timed_out', error: hooks.signal.aborted ? 'cancelled' : `timed out after ${task.timeoutMs} ms` }), { once: true });
  });
  try {
    return await Promise.race([
      Promise.resolve().then(() => fn(ctx)).then((): Outcome => ({ status: 'succeeded' })),
      stop,
    ]);
  } catch (err) {
    const e = err as Error;
    for (const l of String(e.stack ?? e.message).split('\n')) hooks.onLog('stderr', l);
    return { status: 'failed', error: e.message.slice(0, 2000) };
  } finally {
    if (timer) clearTimeout(timer);
    hooks.signal.removeEventListener('abort', onAbort);
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
  } catch {
    // Already gone.
  }
}

async function lines(stream: NodeJS.ReadableStream, emit: (line: string) => void): Promise<void> {
  let buffer = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) {
    buffer += chunk as string;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      emit(buffer.slice(0, nl).replace(/\r$/, '').slice(0, MAX_LINE));
      buffer = buffer.slice(nl + 1);
    }
    // A line without a newline is cut so one runaway write cannot grow memory without bound.
    if (buffer.length > MAX_LINE) {
      emit(buffer.slice(0, MAX_LINE));
      buffer = '';
    }
  }
  if (buffer) emit(buffer);
}

async function download(artifacts: ArtifactStore, from: string, to: string, isDir: boolean): Promise<void> {
  if (!isDir) {
    await fs.promises.mkdir(path.dirname(to), { recursive: true });
    await pump(await artifacts.get(from), fs.createWriteStream(to));
    return;
  }
  await fs.promises.mkdir(to, { recursive: true });
  for (const entry of await artifacts.list(from)) {
    const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
    await download(artifacts, entry.path, path.join(to, name), entry.isDir);
  }
}

async function upload(artifacts: ArtifactStore, local: string, artifactPath: string): Promise<{ digest: string; sizeBytes: number; isDir: boolean }> {
  const digest = await pathDigest(local);
  if (!digest.isDir) {
    await artifacts.put(artifactPath, fs.createReadStream(local), { contentLength: digest.sizeBytes });
  } else {
    for (const rel of await listFiles(local)) {
      const file = path.join(local, rel);
      await artifacts.put(`${artifactPath}/${rel}`, fs.createReadStream(file), { contentLength: (await fs.promises.stat(file)).size });
    }
  }
  return digest;
}

function insideOrThrow(root: string, rel: string, what: string): string {
  const resolved = path.resolve(root, rel);
  if (resolved !== root && !resolved.startsWith(root + path.sep)) throw new Error(`${what}: path '${rel}' leaves the output folder`);
  return resolved;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_');
/** `train-set` → `TRAIN_SET`. */
export const envName = (name: string): string => name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
