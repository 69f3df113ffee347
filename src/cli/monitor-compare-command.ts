import fs from 'node:fs';
import type { Command } from 'commander';
import { invalid } from '../core/errors.js';
import { compareFiles, type CompareOptions, type CompareReport } from '../monitoring/compare/compare-datasets.js';
import { renderHtmlReport } from '../monitoring/compare/html-report.js';
import { DRIFT_TESTS, type DriftTestName } from '../monitoring/stats/drift-engine.js';
import { printLine, renderTable } from './client-command-output.js';

interface CompareFlags {
  reference: string;
  current: string;
  format: string;
  json?: boolean;
  out?: string;
  stattest?: string;
  threshold?: string;
  test: string[];
  featureThreshold: string[];
  driftShare?: string;
  columns?: string;
  exclude?: string;
  failOnDrift?: boolean;
  threads?: string;
}

const collect = (value: string, prev: string[]) => [...prev, value];

/** `ascent monitor compare`: offline drift report between two CSV or Parquet files (no server needed). */
export function addMonitorCompareCommand(monitor: Command): void {
  monitor
    .command('compare')
    .description('compare two CSV/Parquet files feature by feature with Evidently-compatible drift tests')
    .requiredOption('--reference <file>', 'reference data (.csv, or .parquet)')
    .requiredOption('--current <file>', 'current data (.csv, or .parquet)')
    .option('--format <format>', 'table | json | html', 'table')
    .option('--json', 'same as --format json')
    .option('--out <file>', 'write the report to this file instead of stdout')
    .option('--stattest <test>', `test for every feature instead of the default choice (${DRIFT_TESTS.join(', ')})`)
    .option('--threshold <value>', 'threshold for every feature (default 0.05 for p-values, 0.1 for distances)')
    .option('--test <feature=test>', 'test for one feature (repeatable)', collect, [])
    .option('--feature-threshold <feature=value>', 'threshold for one feature (repeatable)', collect, [])
    .option('--drift-share <share>', 'dataset drift when at least this share of features drifted', '0.5')
    .option('--columns <names>', 'comma-separated columns to compare (default: all)')
    .option('--exclude <names>', 'comma-separated columns to leave out (ids, targets)')
    .option('--fail-on-drift', 'exit with status 3 when the dataset drifted (for pipelines and CI)')
    .option('--threads <n>', 'threads reading a current CSV file (default: one per CPU, at most 4, for files of 32 MB or more)')
    .action(async (flags: CompareFlags) => {
      const format = flags.json ? 'json' : flags.format;
      if (!['table', 'json', 'html'].includes(format)) throw invalid(`--format must be table, json or html, not '${format}'`, 'format');
      const report = await compareFiles(flags.reference, flags.current, compareOptions(flags));
      const text = format === 'json' ? `${JSON.stringify(report, nanToNull, 2)}\n` : format === 'html' ? renderHtmlReport(report) : `${renderSummary(report)}\n`;
      if (flags.out) fs.writeFileSync(flags.out, text);
      else process.stdout.write(text);
      if (flags.out && format !== 'table') printLine(`${report.drift.datasetDrift ? 'dataset drift' : 'no dataset drift'}: ${report.drift.driftedCount}/${report.drift.features.length} features drifted; report written to ${flags.out}`);
      if (flags.failOnDrift && report.drift.datasetDrift) process.exitCode = 3;
    });
}

/** Parse the flags into drift options, rejecting unknown tests and bad numbers by name. */
export function compareOptions(flags: Omit<CompareFlags, 'reference' | 'current' | 'format'>): CompareOptions {
  const options: CompareOptions = { features: {} };
  if (flags.stattest !== undefined) options.test = testName(flags.stattest, 'stattest');
  if (flags.threshold !== undefined) options.threshold = number(flags.threshold, 'threshold');
  if (flags.driftShare !== undefined) options.driftShare = number(flags.driftShare, 'drift-share', 1);
  for (const pair of flags.test) {
    const [feature, test] = split(pair, 'test');
    options.features![feature] = { ...options.features![feature], test: testName(test, 'test') };
  }
  for (const pair of flags.featureThreshold) {
    const [feature, value] = split(pair, 'feature-threshold');
    options.features![feature] = { ...options.features![feature], threshold: number(value, 'feature-threshold') };
  }
  if (flags.columns) options.columns = flags.columns.split(',').map((s) => s.trim()).filter(Boolean);
  if (flags.exclude) options.exclude = flags.exclude.split(',').map((s) => s.trim()).filter(Boolean);
  if (flags.threads !== undefined) {
    const n = Number(flags.threads);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw invalid(`--threads must be a whole number from 1 to 64, got '${flags.threads}'`, 'threads');
    options.threads = n;
  }
  return options;
}

function split(pair: string, field: string): [string, string] {
  const at = pair.lastIndexOf('=');
  if (at <= 0) throw invalid(`--${field} takes feature=value, got '${pair}'`, field);
  return [pair.slice(0, at), pair.slice(at + 1)];
}

function testName(name: string, field: string): DriftTestName {
  if (!(DRIFT_TESTS as readonly string[]).includes(name)) throw invalid(`--${field}: unknown test '${name}' (one of ${DRIFT_TESTS.join(', ')})`, field);
  return name as DriftTestName;
}

function number(text: string, field: string, max = Infinity): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > max) throw invalid(`--${field} must be a number between 0 and ${max}, got '${text}'`, field);
  return n;
}

const nanToNull = (_key: string, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value);

function renderSummary(report: CompareReport): string {
  const d = report.drift;
  const table = renderTable(
    [{ header: 'FEATURE' }, { header: 'TYPE' }, { header: 'TEST' }, { header: 'STATISTIC', align: 'right' }, { header: 'P-VALUE', align: 'right' }, { header: 'DISTANCE', align: 'right' }, { header: 'THRESHOLD', align: 'right' }, { header: 'DRIFT' }],
    d.features.map((f) => [f.feature, f.type, f.test, fmt(f.statistic), f.pValue === null ? '' : fmt(f.pValue), f.distance === null ? '' : fmt(f.distance), String(f.threshold), f.drifted ? 'yes' : 'no']),
  );
  const skipped = report.schema.skipped.map((s) => `skipped ${s.feature}: ${s.reason}`);
  const missing = report.schema.missingInCurrent.map((c) => `missing in current: ${c}`);
  const verdict = `${d.datasetDrift ? 'DATASET DRIFT' : 'no dataset drift'}: ${d.driftedCount} of ${d.features.length} features drifted (share ${fmt(d.driftShare)} vs ${d.shareThreshold})`;
  return [table, ...skipped, ...missing, verdict].join('\n');
}

const fmt = (x: number): string => (Number.isNaN(x) ? '—' : Math.abs(x) >= 1e-4 || x === 0 ? x.toPrecision(4) : x.toExponential(3));
