/**
 * `npm run bench:monitoring`: Evidently's DataDriftPreset report and `ascent monitor compare` on
 * the same generated files (default 100k reference rows, 1M current rows, 20 numeric + 5
 * categorical features), one after the other on this machine. Each runs under /usr/bin/time -v:
 * wall time and peak RSS, as ratios, and whether the per-feature verdicts agree. Writes its own
 * section of bench/RESULTS.md.
 *
 * Env: BENCH_MONITORING_REF_ROWS / BENCH_MONITORING_CUR_ROWS change the sizes (regenerates);
 * ASCENT_PYTHON_VENV points at the venv (default .venv); BENCH_MONITORING_REUSE_EVIDENTLY=1 keeps
 * Evidently's figure and report from last-run.json (same sizes; it takes about 2 minutes) and
 * measures Ascent alone, which the results section then says. BENCH_MONITORING_ASCENT_RUNS
 * (default 5): Ascent runs that many times, about half before Evidently and the rest after it, and
 * the median run is the reported one (all are listed): this shared 2-CPU host's speed moves by
 * tens of percent from one minute to the next, so runs on both sides of Evidently's see the host
 * it saw.
 * Each run also records the machine's CPU steal (time the hypervisor gave another guest).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type MonitoringResult, writeMonitoringSection } from './results-section.js';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const WORK = path.join(REPO, 'bench', '.work', 'monitoring');
const PYTHON = path.join(process.env.ASCENT_PYTHON_VENV || path.join(REPO, '.venv'), 'bin', 'python');
const REF_ROWS = Number(process.env.BENCH_MONITORING_REF_ROWS ?? 100_000);
const CUR_ROWS = Number(process.env.BENCH_MONITORING_CUR_ROWS ?? 1_000_000);
const ASCENT_RUNS = Math.max(1, Number(process.env.BENCH_MONITORING_ASCENT_RUNS ?? 5));

/** The machine's CPU ticks so far: [steal, all] from /proc/stat (null where there is none). */
function cpuTicks(): [number, number] | null {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return [f[7] ?? 0, f.reduce((a, b) => a + b, 0)];
  } catch {
    return null;
  }
}

interface Measured {
  wallSeconds: number;
  peakRssMb: number;
  /** User + system CPU seconds. */
  cpuSeconds?: number;
  /** 1-minute load average just before the run (others share this machine). */
  loadBefore?: number;
  /** When it was measured. */
  date?: string;
  /** Share of the machine's CPU time the hypervisor gave elsewhere during the run. */
  stealShare?: number;
}

function timed(cmd: string, args: string[]): Measured {
  const loadBefore = os.loadavg()[0]!;
  const date = new Date().toISOString();
  const ticks0 = cpuTicks();
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 26 });
  const ticks1 = cpuTicks();
  const stealShare = ticks0 && ticks1 && ticks1[1] > ticks0[1] ? (ticks1[0] - ticks0[0]) / (ticks1[1] - ticks0[1]) : undefined;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (.+)/.exec(r.stderr)?.[1];
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1];
  const user = Number(/User time \(seconds\): ([\d.]+)/.exec(r.stderr)?.[1] ?? Number.NaN);
  const sys = Number(/System time \(seconds\): ([\d.]+)/.exec(r.stderr)?.[1] ?? Number.NaN);
  if (!wall || !rss) throw new Error(`could not read /usr/bin/time output:\n${r.stderr.slice(-2000)}`);
  const parts = wall.trim().split(':').map(Number);
  const seconds = parts.reduce((acc, p) => acc * 60 + p, 0);
  return { wallSeconds: seconds, peakRssMb: Number(rss) / 1024, cpuSeconds: user + sys, loadBefore, date, ...(stealShare !== undefined ? { stealShare } : {}) };
}

function ensureData(): { reference: string; current: string } {
  const reference = path.join(WORK, 'reference.csv');
  const current = path.join(WORK, 'current.csv');
  const stamp = path.join(WORK, 'sizes.json');
  const want = JSON.stringify({ REF_ROWS, CUR_ROWS });
  if (!fs.existsSync(current) || !fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== want) {
    console.log(`generating ${REF_ROWS} reference and ${CUR_ROWS} current rows in ${WORK} …`);
    const r = spawnSync(PYTHON, [path.join(REPO, 'bench', 'monitoring', 'generate_data.py'), WORK, String(REF_ROWS), String(CUR_ROWS)], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('data generation failed');
    fs.writeFileSync(stamp, want);
  }
  return { reference, current };
}

interface Verdicts {
  [column: string]: { drifted: boolean; score: number; method: string };
}

function evidentlyVerdicts(file: string): Verdicts {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { columns: Record<string, { method: string; score: number; threshold: number }> };
  const out: Verdicts = {};
  for (const [col, v] of Object.entries(raw.columns)) {
    const pValue = v.method.includes('p_value');
    out[col] = { method: v.method, score: v.score, drifted: pValue ? v.score < v.threshold : v.score >= v.threshold };
  }
  return out;
}

function ascentVerdicts(file: string): Verdicts {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { drift: { features: { feature: string; test: string; drifted: boolean; pValue: number | null; distance: number | null }[] } };
  const out: Verdicts = {};
  for (const f of raw.drift.features) out[f.feature] = { method: f.test, score: (f.pValue ?? f.distance)!, drifted: f.drifted };
  return out;
}

function main(): void {
  const cli = path.join(REPO, 'dist', 'cli', 'monitor-command.js');
  if (!fs.existsSync(cli)) throw new Error('dist/ has no monitor command: run `npm run build` first');
  fs.mkdirSync(WORK, { recursive: true });
  const { reference, current } = ensureData();
  const evOut = path.join(WORK, 'evidently.json');
  const asOut = path.join(WORK, 'ascent.json');
  const lastFile = path.join(REPO, 'bench', 'monitoring', 'last-run.json');
  const runs: Measured[] = [];
  const runAscent = (count: number) => {
    for (let i = 0; i < count; i++) {
      console.log(`running ascent monitor compare (${runs.length + 1} of ${ASCENT_RUNS}) …`);
      const run = timed(process.execPath, [path.join(REPO, 'dist', 'cli', 'main.js'), 'monitor', 'compare', '--reference', reference, '--current', current, '--format', 'json', '--out', asOut]);
      console.log(`  ${run.wallSeconds.toFixed(1)} s, ${run.peakRssMb.toFixed(0)} MB, ${run.cpuSeconds?.toFixed(1)} s CPU`);
      runs.push(run);
    }
  };
  let ev: Measured;
  let evidentlyReused = false;
  if (process.env.BENCH_MONITORING_REUSE_EVIDENTLY === '1') {
    const last = JSON.parse(fs.readFileSync(lastFile, 'utf8')) as MonitoringResult;
    if (last.referenceRows !== REF_ROWS || last.currentRows !== CUR_ROWS || !fs.existsSync(evOut)) {
      throw new Error('BENCH_MONITORING_REUSE_EVIDENTLY=1: last-run.json or evidently.json is for other sizes or missing; run without it');
    }
    ev = { ...last.evidently, date: last.evidently.date ?? last.date };
    evidentlyReused = true;
    console.log(`Evidently: reusing the figure measured ${ev.date}: ${ev.wallSeconds.toFixed(1)} s, ${ev.peakRssMb.toFixed(0)} MB`);
  } else {
    runAscent(Math.floor(ASCENT_RUNS / 2));
    console.log('running Evidently DataDriftPreset …');
    ev = timed(PYTHON, [path.join(REPO, 'bench', 'monitoring', 'evidently_drift.py'), reference, current, evOut]);
    console.log(`  ${ev.wallSeconds.toFixed(1)} s, ${ev.peakRssMb.toFixed(0)} MB`);
  }
  runAscent(ASCENT_RUNS - runs.length);
  // The median run by wall time (the upper one of an even count): not the luckiest.
  const as = [...runs].sort((p, q) => p.wallSeconds - q.wallSeconds)[Math.floor(runs.length / 2)]!;

  const e = evidentlyVerdicts(evOut);
  const a = ascentVerdicts(asOut);
  const columns = Object.keys(e);
  const disagree = columns.filter((c) => !a[c] || a[c].drifted !== e[c]!.drifted);
  const maxScoreDiff = Math.max(...columns.map((c) => (a[c] ? Math.abs(a[c].score - e[c]!.score) : Infinity)));
  const drifted = columns.filter((c) => e[c]!.drifted);
  const speed = ev.wallSeconds / as.wallSeconds;
  const memory = ev.peakRssMb / as.peakRssMb;
  const result: MonitoringResult = {
    date: new Date().toISOString(),
    evidentlyReused,
    machine: `${os.cpus().length} CPU (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM, node ${process.version}`,
    referenceRows: REF_ROWS,
    currentRows: CUR_ROWS,
    evidently: ev,
    ascent: as,
    ascentRuns: runs,
    speedRatio: speed,
    memoryRatio: memory,
    columns: columns.length,
    driftedColumns: drifted,
    disagreements: disagree,
    maxScoreDifference: maxScoreDiff,
  };
  fs.writeFileSync(lastFile, `${JSON.stringify(result, null, 2)}\n`);
  writeMonitoringSection(path.join(REPO, 'bench', 'RESULTS.md'), result);
  console.log(JSON.stringify(result, null, 2));
}

main();
