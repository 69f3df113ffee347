import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AscentError, invalid } from '../../core/errors.js';
import { packageRoot } from '../../core/package-info.js';
import type { LoadedModel, ModelExecution, ModelMetadata, ModelRuntime, PredictOptions, RuntimeLoadOptions, Tensor } from '../model-runtime.js';
import { oipInfer, oipMetadata, type OipTarget } from './oip-client.js';
import { readLocalPackage } from './package-dir.js';
import { Semaphore, checkInputs, checkOutputNames, unavailable } from './tensor-checks.js';

/**
 * The Python runtime serves MLflow pyfunc packages from a managed Python process per loaded model:
 * python/ascent_pyfunc_server.py, which speaks the Open Inference Protocol over HTTP on a loopback
 * port. HTTP rather than stdio framing because the server answers many requests at once (threaded),
 * the same OIP client serves this and the `http` runtime, and an operator can curl it to debug; a
 * random bearer token keeps other local users out.
 */

/** How the operator's Python is found and supervised. */
export interface PythonRuntimeOptions {
  /** Interpreter with mlflow and the model's dependencies; default `$ASCENT_PYTHON` or `python3`. */
  pythonExecutable?: string;
  /** The server script; default python/ascent_pyfunc_server.py of this package. */
  script?: string;
  /** How long a start (importing mlflow, loading the model) may take. */
  startTimeoutMs?: number;
  /** First and largest delay between restarts of a crashed process. */
  restartBackoffMs?: { initial: number; max: number };
  /** Per-request timeout towards the process. */
  requestTimeoutMs?: number;
  /** Extra environment for the process. */
  env?: Record<string, string>;
}

/** Serves `python_function` packages through a supervised Python process each. */
export class PythonRuntime implements ModelRuntime {
  readonly kind = 'python' as const;
  private readonly loaded = new Set<PythonLoadedModel>();
  constructor(private readonly options: PythonRuntimeOptions = {}) {}

  async load(options: RuntimeLoadOptions): Promise<LoadedModel> {
    const pkg = await readLocalPackage(options.packageDir);
    if (!pkg.manifest.flavors.python_function) throw invalid(`The package of '${options.name}' has no python_function flavor`, 'flavors.python_function');
    const model = new PythonLoadedModel(options, pkg.dir, this.options, () => this.loaded.delete(model));
    await model.start();
    this.loaded.add(model);
    return model;
  }

  async close(): Promise<void> {
    await Promise.all([...this.loaded].map((m) => m.close()));
  }
}

/** A pyfunc model in its Python process; a crash is followed by restarts with exponential backoff. */
export class PythonLoadedModel implements LoadedModel {
  metadata!: ModelMetadata;
  private child: ChildProcess | null = null;
  private target: OipTarget | null = null;
  private closed = false;
  private up = false;
  private backoff: number;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly slots: Semaphore;
  private readonly token = randomBytes(24).toString('hex');
  private output = '';
  /** Restarts since load (observable by metrics and tests). */
  restarts = 0;

  constructor(private readonly load: RuntimeLoadOptions, private readonly dir: string, private readonly options: PythonRuntimeOptions, private readonly onClose: () => void) {
    this.slots = new Semaphore(Math.max(1, load.concurrency ?? 4));
    this.backoff = options.restartBackoffMs?.initial ?? 500;
  }

  /** The process id while one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  ready(): boolean {
    return !this.closed && this.up;
  }

  execution(): ModelExecution {
    return { where: 'process' };
  }

  async start(): Promise<void> {
    const python = this.options.pythonExecutable ?? process.env.ASCENT_PYTHON ?? 'python3';
    const script = this.options.script ?? path.join(packageRoot(), 'python', 'ascent_pyfunc_server.py');
    const child = spawn(python, [script, '--model-dir', this.dir, '--name', this.load.name, '--version', this.load.version, '--exit-on-stdin-eof'], {
      env: { ...process.env, ...this.options.env, ASCENT_PYFUNC_TOKEN: this.token, PYTHONUNBUFFERED: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stderr!.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-8000)));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => fail(`did not start within ${this.options.startTimeoutMs ?? 180_000} ms`), this.options.startTimeoutMs ?? 180_000);
      const lines = createInterface({ input: child.stdout! });
      const fail = (why: string) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new AscentError('INVALID_STATE', `The Python runtime for '${this.load.name}' (${python}) ${why}: ${this.output.trim().split('\n').slice(-5).join(' | ')}`));
      };
      lines.on('line', (line) => {
        const m = /^ASCENT_PYFUNC_READY (\d+)$/.exec(line.trim());
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.once('error', (err) => fail(`could not be started (${err.message})`));
      child.once('exit', (code, signal) => fail(`exited with ${signal ?? `code ${code}`} while loading`));
    });
    child.removeAllListeners('exit').removeAllListeners('error');
    child.on('exit', () => this.crashed(child));
    this.target = { baseUrl: `http://127.0.0.1:${port}`, model: this.load.name, headers: { authorization: `Bearer ${this.token}` }, timeoutMs: this.options.requestTimeoutMs ?? 60_000 };
    this.metadata = await oipMetadata(this.target);
    this.metadata.versions = [this.load.version];
    this.up = true;
    this.backoff = this.options.restartBackoffMs?.initial ?? 500;
  }

  private crashed(child: ChildProcess): void {
    if (this.child !== child) return;
    this.up = false;
    this.child = null;
    if (this.closed) return;
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.options.restartBackoffMs?.max ?? 30_000);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.restarts++;
      this.start().catch(() => this.crashed(this.child ?? child));
    }, delay);
    this.restartTimer.unref();
  }

  async predict(inputs: Tensor[], options: PredictOptions = {}): Promise<Tensor[]> {
    if (this.closed) throw unavailable(`Model '${this.load.name}' is closed`);
    checkInputs(inputs, this.metadata.inputs, { allowMissing: true });
    checkOutputNames(options.outputs, this.metadata.outputs);
    if (!this.up || !this.target) throw unavailable(`The Python process of model '${this.load.name}' is restarting`);
    const target = this.target;
    return this.slots.run(() => oipInfer(target, inputs, options));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.up = false;
    this.onClose();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
