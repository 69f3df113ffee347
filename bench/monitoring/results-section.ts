/** This benchmark's section of bench/RESULTS.md (between its own markers; other sections untouched). */
import fs from 'node:fs';

const START = '<!-- bench:monitoring:start -->';
const END = '<!-- bench:monitoring:end -->';

/** What one run of bench/monitoring measured. */
export interface MonitoringResult {
  date: string;
  /** Evidently's figure was taken from an earlier run (see evidently.date), Ascent measured now. */
  evidentlyReused?: boolean;
  machine: string;
  referenceRows: number;
  currentRows: number;
  evidently: ToolRun;
  /** The reported Ascent run is the median of these (by wall time). */
  ascentRuns?: ToolRun[];
  ascent: ToolRun;
  speedRatio: number;
  memoryRatio: number;
  columns: number;
  driftedColumns: string[];
  disagreements: string[];
  maxScoreDifference: number;
}

/** One tool's run: wall time, peak RSS, CPU time and the machine's 1-minute load average before it. */
export interface ToolRun {
  wallSeconds: number;
  peakRssMb: number;
  cpuSeconds?: number;
  loadBefore?: number;
  date?: string;
  /** Share of the machine's CPU time stolen by the hypervisor during the run (/proc/stat). */
  stealShare?: number;
}

const x = (n: number) => (n >= 10 ? `${Math.round(n)}×` : `${n.toFixed(2)}×`);
const yes = (ok: boolean) => (ok ? '✅ yes' : '❌ no');

export function writeMonitoringSection(file: string, r: MonitoringResult): void {
  const md = [
    '## Monitoring: offline drift report (`npm run bench:monitoring`)',
    '',
    `Evidently 0.7 \`Report([DataDriftPreset()])\` (pandas reads the CSVs) vs \`ascent monitor compare --format json\` on the same generated files: ` +
      `${r.referenceRows.toLocaleString('en-US')} reference rows, ${r.currentRows.toLocaleString('en-US')} current rows, 20 numeric + 5 categorical features ` +
      `(bench/monitoring/generate_data.py). Wall time and peak RSS from /usr/bin/time -v, each tool run alone. ${r.date.slice(0, 16)}Z, ${r.machine}.`,
    '',
    '| measure | Evidently | Ascent | ratio (Ascent advantage) | target | met? |',
    '|---|---:|---:|---:|---|---|',
    `| wall time | ${r.evidently.wallSeconds.toFixed(1)} s | ${r.ascent.wallSeconds.toFixed(1)} s | ${x(r.speedRatio)} | ≥ 20× | ${yes(r.speedRatio >= 20)} |`,
    `| peak memory (RSS) | ${r.evidently.peakRssMb.toFixed(0)} MB | ${r.ascent.peakRssMb.toFixed(0)} MB | ${x(r.memoryRatio)} | ≥ 10× | ${yes(r.memoryRatio >= 10)} |`,
    `| same verdicts | | | ${r.columns - r.disagreements.length}/${r.columns} features | all | ${yes(r.disagreements.length === 0)} |`,
    '',
    `- Drifted features (both tools): ${r.driftedColumns.join(', ') || 'none'}${r.disagreements.length ? `; disagreements: ${r.disagreements.join(', ')}` : ''}.`,
    `- Largest difference between the two tools' per-feature scores: ${r.maxScoreDifference.toExponential(2)}.`,
    ...(r.ascentRuns && r.ascentRuns.length > 1
      ? [`- Ascent ran ${r.ascentRuns.length} times${r.evidentlyReused ? '' : ', about half before Evidently and the rest after it'}; the table reports the median run. All runs: ${r.ascentRuns.map((t) => `${t.wallSeconds.toFixed(1)} s (${t.cpuSeconds?.toFixed(1)} s CPU)`).join(', ')}, i.e. ${x(r.evidently.wallSeconds / Math.max(...r.ascentRuns.map((t) => t.wallSeconds)))} to ${x(r.evidently.wallSeconds / Math.min(...r.ascentRuns.map((t) => t.wallSeconds)))} against Evidently's one run.`]
      : []),
    `- Ascent reads the current file on its default threads (one per CPU, at most 4: here ${Math.min(4, Number(/^(\d+) CPU/.exec(r.machine)?.[1] ?? 1))}); its CPU time counts all of them.`,
    `- When and how loaded (2 CPUs shared with other work): ${runLine('Evidently', r.evidently)}; ${runLine('Ascent', r.ascent)}.` +
      (r.evidentlyReused ? ' Evidently was not re-run for this section (it takes about 11 minutes): its figure is the one measured at that date on the same files; Ascent was measured again.' : ''),
    '',
  ].join('\n');
  const block = `${START}\n${md.trim()}\n${END}\n`;
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmark results\n';
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) text = text.slice(0, a) + block + text.slice(b + END.length + 1);
  else text = `${text.trimEnd()}\n\n${block}`;
  fs.writeFileSync(file, text);
}

function runLine(name: string, t: ToolRun): string {
  const when = t.date ? `${t.date.slice(0, 16)}Z` : 'date not recorded';
  const load = t.loadBefore !== undefined ? `load average ${t.loadBefore.toFixed(2)} before` : 'load not recorded';
  const cpu = t.cpuSeconds !== undefined && Number.isFinite(t.cpuSeconds) ? `, ${t.cpuSeconds.toFixed(1)} s CPU` : '';
  const steal = t.stealShare !== undefined ? `, CPU steal ${(t.stealShare * 100).toFixed(1)} %` : '';
  return `${name} ${when}, ${load}${cpu}${steal}`;
}
