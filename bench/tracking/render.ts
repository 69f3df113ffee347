/** The tracking benchmark's section of bench/RESULTS.md, rendered from a run record (JSON). */
import type { MachineFacts } from '../support/proc.js';
import { scenarioMarkdown, type ScenarioReport } from '../support/report.js';

export interface RunRecord {
  facts: MachineFacts;
  /** Command-line arguments given to run.ts ('' = the defaults, i.e. `npm run bench:tracking`). */
  argv: string;
  minutes: number;
  mlflowWorkers: number;
  entry: { from: 'dist' | 'src'; why: string };
  reports: ScenarioReport[];
}

const READING = [
  '**Reading the figures.** The machine is shared with other work; its load average is recorded with every scenario, and both servers\' wall-clock figures move a lot with it (MLflow\'s 4-client figure most: its request-serving process spends most of a request waiting rather than computing; compare its CPU-seconds with its latency). The "server CPU-seconds per 1M points" row compares the work each server does per point and moves little with load. The previous run is summarized at the end for that reason.',
];

function ascentLine(r: RunRecord): string {
  const how = r.entry.from === 'dist' ? '`node dist/cli/main.js server`' : `\`node --import tsx src/cli/main.ts server\` (${r.entry.why})`;
  return `${r.facts.ascentVersion} at ${r.facts.gitCommit}${r.facts.gitDirty ? ' + uncommitted changes' : ''}, ${how}, embedded SQLite, \`--log-level warn\``;
}

export function renderMarkdown(current: RunRecord, previous?: RunRecord): string {
  const { facts, argv } = current;
  const command = argv ? `node --import tsx bench/tracking/run.ts ${argv}` : 'npm run bench:tracking';
  const lines = [
    '## Tracking: Ascent vs the MLflow tracking server',
    '',
    `Command: \`${command}\` (= \`node --import tsx bench/tracking/run.ts${argv ? ' ' + argv : ''}\`), run ${facts.date}, took ${current.minutes.toFixed(1)} min.`,
    '',
    '| machine | |',
    '|---|---|',
    `| CPUs (nproc) | ${facts.cpus} × ${facts.cpuModel} |`,
    `| memory | ${facts.memoryGiB} GiB |`,
    `| OS | ${facts.os} |`,
    `| load average at start (1/5/15 min) | ${facts.loadAverage} |`,
    `| Node | ${facts.node} |`,
    `| Python | ${facts.python} |`,
    `| MLflow | ${facts.mlflow} (\`mlflow server\`, SQLite backend, \`--workers ${current.mlflowWorkers}\`, uvicorn, default security middleware) |`,
    `| Ascent | ${ascentLine(current)} |`,
    '',
    "Both servers run on 127.0.0.1 of the same machine with their SQLite database in a fresh temporary folder, one at a time, driven by the same Node load generator (node:http keep-alive, one connection per client) through the MLflow REST API `/api/2.0/mlflow/...`. Ratios are Ascent's advantage: throughput Ascent ÷ MLflow, latency MLflow ÷ Ascent.",
    '',
    ...READING,
    '',
    ...current.reports.map(scenarioMarkdown),
  ];
  if (previous) {
    lines.push(
      `### Previous run (${previous.facts.date}, load average at start ${previous.facts.loadAverage}, Ascent ${previous.facts.gitCommit})`,
      '',
      '| measure | MLflow | Ascent | ratio | target | met? |',
      '|---|---:|---:|---:|---|---|',
    );
    for (const report of previous.reports) {
      for (const row of report.rows) {
        if (row.target === '—' && !row.measure.startsWith('server CPU')) continue;
        lines.push(`| ${report.id}: ${row.measure.replace(/\*\*/g, '')} | ${row.mlflow} | ${row.ascent} | ${row.ratio} | ${row.target} | ${row.met} |`);
      }
    }
    lines.push('');
  }
  return lines.join('\n');
}
