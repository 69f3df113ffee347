/**
 * Tracking benchmark: the real MLflow tracking server and Ascent side by side on this machine,
 * the same client load against each one's MLflow REST API, figures written to bench/RESULTS.md.
 *
 *   npm run bench:tracking                       (= node --import tsx bench/tracking/run.ts)
 *   node --import tsx bench/tracking/run.ts --only throughput --duration 5
 *
 * Options: --duration <s> (15)  --clients 1,4  --max-batches <n> (6000)  --search-runs <n> (10000)
 *          --search-reps <n> (10)  --history-points <n> (1000000)  --mlflow-workers <n> (1)
 *          --only throughput,search,history  --servers mlflow,ascent  --out <file> (bench/RESULTS.md)
 *          --keep (keep the temporary data folder)
 *   node --import tsx bench/tracking/run.ts --render   (re-render RESULTS.md from last-run.json
 *                                                        and previous-run.json, runs nothing)
 * Env: BENCH_ASCENT_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the Ascent server.
 *
 * Bounded: every loop has a count and a time limit, only 127.0.0.1 is targeted, and every server
 * process started here is killed at the end, on error and on Ctrl-C.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineFacts } from '../support/proc.js';
import { writeSection, type ScenarioReport } from '../support/report.js';
import { REPO_ROOT, VENV_BIN, ascentEntry, killAll } from '../support/servers.js';
import type { BenchContext, Options } from './context.js';
import { historyScenario } from './history.js';
import { renderMarkdown, type RunRecord } from './render.js';
import { searchScenario } from './search.js';
import { throughputScenario } from './throughput.js';

const SCENARIOS = ['throughput', 'search', 'history'] as const;

function parseArgs(argv: string[]): Options {
  const o: Options = {
    durationS: 15,
    clientCounts: [1, 4],
    maxBatchesPerConfig: 6000,
    searchRuns: 10_000,
    searchReps: 10,
    historyPoints: 1_000_000,
    mlflowWorkers: 1,
    scenarios: new Set(SCENARIOS),
    servers: ['mlflow', 'ascent'],
    out: DEFAULT_OUT,
    keep: false,
  };
  const int = (v: string | undefined, name: string, min: number, max: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer in [${min}, ${max}], got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    switch (a) {
      case '--duration': o.durationS = int(v(), a, 1, 300); break;
      case '--clients': o.clientCounts = (v() ?? '').split(',').map((s) => int(s, a, 1, 32)); break;
      case '--max-batches': o.maxBatchesPerConfig = int(v(), a, 10, 20_000); break;
      case '--search-runs': o.searchRuns = int(v(), a, 20, 100_000); break;
      case '--search-reps': o.searchReps = int(v(), a, 1, 100); break;
      case '--history-points': o.historyPoints = int(v(), a, 1000, 5_000_000); break;
      case '--mlflow-workers': o.mlflowWorkers = int(v(), a, 1, 16); break;
      case '--only': {
        const names = (v() ?? '').split(',');
        for (const n of names) if (!(SCENARIOS as readonly string[]).includes(n)) throw new Error(`unknown scenario ${n}; one of ${SCENARIOS.join(', ')}`);
        o.scenarios = new Set(names);
        break;
      }
      case '--servers': {
        const names = (v() ?? '').split(',');
        for (const n of names) if (n !== 'mlflow' && n !== 'ascent') throw new Error(`unknown server ${n}; mlflow or ascent`);
        o.servers = names as Options['servers'];
        break;
      }
      case '--out': o.out = path.resolve(v() ?? ''); break;
      case '--keep': o.keep = true; break;
      case '--help':
      case '-h':
        console.log(fs.readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0]);
        process.exit(0);
        break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  if (o.historyPoints % 1000 !== 0) throw new Error('--history-points must be a multiple of 1000');
  return o;
}

const DEFAULT_OUT = path.join(REPO_ROOT, 'bench', 'RESULTS.md');
const LAST_RUN = path.join(REPO_ROOT, 'bench', 'tracking', 'last-run.json');
const PREVIOUS_RUN = path.join(REPO_ROOT, 'bench', 'tracking', 'previous-run.json');

function readRecord(file: string): RunRecord | undefined {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord) : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--render') {
    // Re-render RESULTS.md from the stored records, without running anything.
    const current = readRecord(LAST_RUN);
    if (!current) throw new Error(`no ${LAST_RUN}`);
    writeSection(DEFAULT_OUT, renderMarkdown(current, readRecord(PREVIOUS_RUN)));
    return;
  }
  const opts = parseArgs(args);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-bench-tracking-'));
  const started = Date.now();
  const log = (msg: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
  const ctx: BenchContext = { workDir, opts, log };
  const facts = machineFacts(REPO_ROOT, VENV_BIN);
  const entry = ascentEntry();
  log(`work dir ${workDir}; ${facts.cpus} CPUs, load ${facts.loadAverage}; Ascent from ${entry.from}/ (${entry.why})`);
  const cleanup = () => {
    killAll();
    if (!opts.keep) fs.rmSync(workDir, { recursive: true, force: true });
    process.exit(130);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.prependListener(signal, cleanup);
  const reports: ScenarioReport[] = [];
  try {
    if (opts.scenarios.has('throughput')) reports.push(await throughputScenario(ctx));
    if (opts.scenarios.has('search')) reports.push(await searchScenario(ctx));
    if (opts.scenarios.has('history')) reports.push(await historyScenario(ctx));
  } finally {
    killAll();
    const record: RunRecord = {
      facts,
      argv: process.argv.slice(2).join(' '),
      minutes: (Date.now() - started) / 60_000,
      mlflowWorkers: opts.mlflowWorkers,
      entry: { from: entry.from, why: entry.why },
      reports,
    };
    // The records beside RESULTS.md keep the last two full-output runs; other outputs get their own.
    const isDefaultOut = opts.out === DEFAULT_OUT;
    const previous = isDefaultOut ? readRecord(LAST_RUN) : undefined;
    writeSection(opts.out, renderMarkdown(record, previous));
    if (previous) fs.writeFileSync(PREVIOUS_RUN, JSON.stringify(previous, null, 2) + '\n');
    fs.writeFileSync(isDefaultOut ? LAST_RUN : `${opts.out}.json`, JSON.stringify(record, null, 2) + '\n');
    log(`wrote ${path.relative(REPO_ROOT, opts.out)}`);
    if (opts.keep) log(`kept ${workDir}`);
    else fs.rmSync(workDir, { recursive: true, force: true });
  }
  const failed = reports.filter((r) => r.error);
  if (failed.length > 0) {
    console.error(`failed scenarios: ${failed.map((r) => r.id).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  killAll();
  console.error(err);
  process.exit(1);
});
