/**
 * bench/pipelines: the per-step overhead of Ascent's embedded pipeline executor, side by side with
 * Metaflow local runs of the same trivial steps (installed from PyPI into bench/.work/metaflow-venv).
 * Measures: a sequential chain (per-step wall time, dispatch to start), cache-hit resolution, and
 * a 500-item fan-out. Writes its own section of bench/RESULTS.md.
 *
 *   npm run bench:pipelines        (env BENCH_CHAIN, BENCH_FANOUT; METAFLOW_PYTHON to reuse a venv)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPipelineHarness, type PipelineHarness } from '../../src/pipelines/pipeline-harness.js';
import { fmtMs, fmtRatio, met, type Row } from '../support/report.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHAIN = Number(process.env.BENCH_CHAIN ?? 30);
const FANOUT = Number(process.env.BENCH_FANOUT ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
// Metaflow starts one Python process per task (~2 s each here): its fan-out is measured on fewer items.
const METAFLOW_FANOUT = Math.min(FANOUT, Number(process.env.BENCH_METAFLOW_FANOUT ?? 100));
const WORK = path.join(REPO, 'bench', '.work');
const METAFLOW_VENV = path.join(WORK, 'metaflow-venv');

declare global {
  var ascentBenchStarts: number[] | undefined;
}

const STEP_MODULE = `export function noop() { (globalThis.ascentBenchStarts ??= []).push(performance.timeOrigin + performance.now()); }\n`;
const chain = (name: string, kind: 'function' | 'command', cache: boolean) =>
  `name: ${name}\nsteps:\n${Array.from({ length: CHAIN }, (_, i) => `  s${i}: { ${kind === 'function' ? 'function: { module: steps.mjs, export: noop }' : 'run: "true"'}, cache: ${cache}${i > 0 ? `, needs: [s${i - 1}]` : ''} }`).join('\n')}\n`;
const fan = (name: string) =>
  `name: ${name}\nconcurrency: ${CONCURRENCY}\nparams:\n  items: { type: list, default: [${Array.from({ length: FANOUT }, (_, i) => i).join(', ')}] }\nsteps:\n  work: { function: { module: steps.mjs, export: noop }, foreach: params.items, cache: false }\n`;

async function timed(h: PipelineHarness, name: string): Promise<{ ms: number; dispatchToStart: number[] }> {
  globalThis.ascentBenchStarts = [];
  const t0 = performance.now();
  const run = await h.pipelines.startRun({ pipeline: name });
  const d = await h.pipelines.waitForRun(run.runId, 60 * 60_000);
  const ms = performance.now() - t0;
  if (d.run.status !== 'succeeded') throw new Error(`${name} ended ${d.run.status}: ${d.run.error}`);
  // Dispatch to start: from the step run's recorded start (the scheduler picked it) to the body running.
  const starts = globalThis.ascentBenchStarts ?? [];
  const steps = [...d.steps].filter((s) => s.cacheStatus !== 'hit').sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
  const dispatchToStart = starts.length === steps.length ? steps.map((s, i) => starts[i]! - s.startedAt!) : [];
  return { ms, dispatchToStart };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};

interface AscentFigures {
  fnStep: number;
  dispatchToStart: number;
  cmdStep: number;
  cacheHit: number;
  fanoutTotal: number;
  fanoutStep: number;
}

async function ascent(): Promise<AscentFigures> {
  const h = await openPipelineHarness();
  try {
    h.write('steps.mjs', STEP_MODULE);
    for (const yaml of [chain('fn-chain', 'function', false), chain('cmd-chain', 'command', false), chain('cached-chain', 'function', true), fan('fanout')]) {
      await h.pipelines.registerPipeline({ yaml, baseDir: h.dir });
    }
    await timed(h, 'fn-chain'); // warm-up: module import, SQLite statement cache
    const fnChain = await timed(h, 'fn-chain');
    const cmdChain = await timed(h, 'cmd-chain');
    await timed(h, 'cached-chain');
    const hits = await timed(h, 'cached-chain');
    const fanout = await timed(h, 'fanout');
    return {
      fnStep: fnChain.ms / CHAIN,
      dispatchToStart: median(fnChain.dispatchToStart),
      cmdStep: cmdChain.ms / CHAIN,
      cacheHit: hits.ms / CHAIN,
      fanoutTotal: fanout.ms,
      fanoutStep: fanout.ms / FANOUT,
    };
  } finally {
    await h.close();
  }
}

function metaflowPython(): string | null {
  if (process.env.METAFLOW_PYTHON) return process.env.METAFLOW_PYTHON;
  const py = path.join(METAFLOW_VENV, 'bin', 'python');
  if (!fs.existsSync(py)) {
    fs.mkdirSync(WORK, { recursive: true });
    const made = spawnSync('python3', ['-m', 'venv', METAFLOW_VENV], { stdio: 'inherit' });
    if (made.status !== 0) return null;
  }
  const check = spawnSync(py, ['-c', 'import metaflow'], { stdio: 'ignore' });
  if (check.status !== 0 && spawnSync(path.join(METAFLOW_VENV, 'bin', 'pip'), ['install', '-q', 'metaflow'], { stdio: 'inherit' }).status !== 0) return null;
  return py;
}

/** The same trivial steps as Metaflow flows, run with `python flow.py run` (local runtime, local datastore). */
function metaflow(py: string): { chainStep: number; fanoutTotal: number; fanoutStep: number; version: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-bench-metaflow-'));
  try {
    const steps = Array.from({ length: CHAIN }, (_, i) => i);
    const chainFlow = ['from metaflow import FlowSpec, step', 'class ChainFlow(FlowSpec):',
      ...steps.map((i) => `    @step\n    def ${i === 0 ? 'start' : `s${i}`}(self):\n        self.next(self.${i === CHAIN - 1 ? 'end' : `s${i + 1}`})`),
      '    @step\n    def end(self):\n        pass', 'if __name__ == "__main__":\n    ChainFlow()'].join('\n');
    const fanFlow = ['from metaflow import FlowSpec, step', 'class FanFlow(FlowSpec):',
      `    @step\n    def start(self):\n        self.items = list(range(${METAFLOW_FANOUT}))\n        self.next(self.work, foreach="items")`,
      '    @step\n    def work(self):\n        self.next(self.join)', '    @step\n    def join(self, inputs):\n        self.next(self.end)',
      '    @step\n    def end(self):\n        pass', 'if __name__ == "__main__":\n    FanFlow()'].join('\n');
    fs.writeFileSync(path.join(dir, 'chain_flow.py'), chainFlow);
    fs.writeFileSync(path.join(dir, 'fan_flow.py'), fanFlow);
    const env = { ...process.env, USERNAME: 'bench', METAFLOW_DEFAULT_DATASTORE: 'local', METAFLOW_DEFAULT_METADATA: 'local' };
    const run = (file: string, extra: string[] = []) => {
      const t0 = performance.now();
      execFileSync(py, [file, '--no-pylint', 'run', ...extra], { cwd: dir, env, stdio: 'ignore', timeout: 60 * 60_000 });
      return performance.now() - t0;
    };
    run('chain_flow.py'); // warm-up: datastore creation, bytecode
    const chainMs = run('chain_flow.py');
    const fanMs = run('fan_flow.py', ['--max-workers', String(CONCURRENCY), '--max-num-splits', String(Math.max(FANOUT, 100))]);
    const version = execFileSync(py, ['-c', 'import metaflow; print(metaflow.__version__)'], { encoding: 'utf8' }).trim();
    // A chain of CHAIN steps is CHAIN + 1 Metaflow tasks (start … end).
    return { chainStep: chainMs / (CHAIN + 1), fanoutTotal: fanMs, fanoutStep: fanMs / (METAFLOW_FANOUT + 3), version };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const load = () => os.loadavg()[0]!.toFixed(1);
  const loadAscent = [load()];
  const a = await ascent();
  loadAscent.push(load());
  console.log('ascent', a);
  const py = metaflowPython();
  let m: ReturnType<typeof metaflow> | null = null;
  let error: string | undefined;
  const loadMetaflow = [load()];
  try {
    m = py ? metaflow(py) : null;
    loadMetaflow.push(load());
  } catch (err) {
    error = (err as Error).message.split('\n')[0];
  }
  console.log('metaflow', m ?? error);
  const ratio = (anchor: number | undefined, ours: number) => (anchor === undefined ? 'n/a' : fmtRatio(anchor / ours));
  const rows: Row[] = [
    { measure: `per-step wall time, chain of ${CHAIN} no-op steps (Ascent: in-process function steps)`, mlflow: m ? fmtMs(m.chainStep) : 'n/a', ascent: fmtMs(a.fnStep), ratio: ratio(m?.chainStep, a.fnStep), target: '< 50 ms and ≥ 10× lower', met: met(a.fnStep < 50 && (m ? m.chainStep / a.fnStep >= 10 : undefined)) },
    { measure: `per-step wall time, chain of ${CHAIN} command steps (\`true\`, one process each)`, mlflow: m ? fmtMs(m.chainStep) : 'n/a', ascent: fmtMs(a.cmdStep), ratio: ratio(m?.chainStep, a.cmdStep), target: '< 50 ms and ≥ 10× lower', met: met(a.cmdStep < 50 && (m ? m.chainStep / a.cmdStep >= 10 : undefined)) },
    { measure: 'dispatch to start (scheduler picks the step → its body runs), median', mlflow: 'n/a', ascent: fmtMs(a.dispatchToStart), ratio: '—', target: '< 50 ms', met: met(a.dispatchToStart < 50) },
    { measure: `cache-hit resolution per step (key, entry, outputs verified in the store), chain of ${CHAIN}`, mlflow: 'no cross-run cache', ascent: fmtMs(a.cacheHit), ratio: '—', target: '< 50 ms', met: met(a.cacheHit < 50) },
    { measure: `fan-out, ${CONCURRENCY} at a time: total (Ascent ${FANOUT} steps, Metaflow ${METAFLOW_FANOUT} tasks)`, mlflow: m ? fmtMs(m.fanoutTotal) : 'n/a', ascent: fmtMs(a.fanoutTotal), ratio: '—', target: '—', met: '—' },
    { measure: 'fan-out: wall time per step', mlflow: m ? fmtMs(m.fanoutStep) : 'n/a', ascent: fmtMs(a.fanoutStep), ratio: ratio(m?.fanoutStep, a.fanoutStep), target: '< 50 ms and ≥ 10× lower', met: met(a.fanoutStep < 50 && (m ? m.fanoutStep / a.fanoutStep >= 10 : undefined)) },
  ];
  const lines = [
    '### Pipelines: per-step overhead, embedded executor vs Metaflow local runs',
    '',
    '| measure | Metaflow | Ascent | ratio (Ascent advantage) | target | met? |',
    '|---|---:|---:|---:|---|---|',
    ...rows.map((r) => `| ${r.measure} | ${r.mlflow} | ${r.ascent} | ${r.ratio} | ${r.target} | ${r.met} |`),
    '',
    `- Machine: ${os.cpus().length} CPU cores (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; shared with other work, so figures move between runs.`,
    `- Ascent: embedded default (SQLite file, artifacts on disk, LocalExecutor), in process; every step still gets its own tracked child run, cache key (parts recorded), log and state rows. Metaflow ${m?.version ?? '(not run)'}: \`python flow.py run\` with the local datastore and metadata, the same no-op steps (a linear flow of ${CHAIN + 1} tasks; a foreach of ${METAFLOW_FANOUT} with --max-workers ${CONCURRENCY}, fewer than Ascent's ${FANOUT} because each Metaflow task is a new Python process), wall time of the whole command divided by its tasks.`,
    `- Load average (1 min) at start/end of each side: Ascent ${loadAscent.join(' / ')}, Metaflow ${loadMetaflow.join(' / ')}; other work on the machine inflates both sides' figures, unevenly.`,
    '- Metaflow has no cross-run step cache (only `resume`), so the cache-hit row has no anchor figure.',
    ...(error ? [`- Metaflow run failed: \`${error}\``] : []),
    `- Reproduce: \`npm run bench:pipelines\` (env BENCH_CHAIN, BENCH_FANOUT, BENCH_METAFLOW_FANOUT, BENCH_CONCURRENCY; METAFLOW_PYTHON to use an existing venv).`,
  ];
  writeSection(path.join(REPO, 'bench', 'RESULTS.md'), lines.join('\n'));
  console.log(lines.join('\n'));
}

const START = '<!-- bench:pipelines:start -->';
const END = '<!-- bench:pipelines:end -->';

/** Replace only this benchmark's section of RESULTS.md. */
function writeSection(file: string, markdown: string): void {
  const block = `${START}\n${markdown.trim()}\n${END}\n`;
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmark results\n\n';
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) text = text.slice(0, a) + block + text.slice(b + END.length + 1);
  else text = text.trimEnd() + '\n\n' + block;
  fs.writeFileSync(file, text);
}

await main();
