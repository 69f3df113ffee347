import fs from 'node:fs';
import type { Command } from 'commander';
import { invalid } from '../core/errors.js';
import type { MonitorReport } from '../sdk/index.js';
import { clientFor, optionsOf, withUrl } from './client-command-context.js';
import { printJson, printLine, renderTable } from './client-command-output.js';

/** `ascent monitor status|report|configure|alerts`: a running server's monitoring. */
export function addMonitorServerCommands(monitor: Command): void {
  withUrl(
    monitor
      .command('status')
      .description('every monitored deployment: latest window per variant, drift share, drifted features, accuracy, alerts')
      .option('--json', 'print the reports as JSON'),
  ).action(async (opts: { json?: boolean }, cmd: Command) => {
    const client = clientFor(optionsOf(cmd));
    const monitors = await client.monitoring.list();
    const reports = await Promise.all(monitors.map((m) => client.monitoring.report(m.deployment)));
    if (opts.json) return printJson(reports);
    if (reports.length === 0) return printLine('no monitored deployments (ascent monitor configure DEPLOYMENT)');
    const rows = reports.flatMap((r) =>
      r.variants.length === 0
        ? [[r.deployment, '-', 'no traffic yet', '', '', '', '', String(r.alerts.length)]]
        : r.variants.map((v) => [
            r.deployment, v.variant, `${new Date(v.start).toISOString().slice(0, 16)}Z${v.closed ? '' : ' (open)'}`, String(v.rows),
            v.drift ? v.drift.driftShare.toFixed(2) : '-', (v.drift?.features ?? []).filter((f) => f.drifted).map((f) => f.feature).join(',') || '-',
            v.metrics.accuracy !== null ? v.metrics.accuracy.toFixed(3) : v.metrics.rmse !== null ? `rmse ${v.metrics.rmse.toPrecision(4)}` : '-', String(r.alerts.length),
          ]),
    );
    printLine(renderTable([{ header: 'DEPLOYMENT' }, { header: 'VARIANT' }, { header: 'WINDOW' }, { header: 'ROWS', align: 'right' }, { header: 'DRIFT SHARE', align: 'right' }, { header: 'DRIFTED' }, { header: 'PERFORMANCE' }, { header: 'ALERTS', align: 'right' }], rows));
  });

  withUrl(
    monitor
      .command('report')
      .description('one deployment: drift table per feature, data quality, performance over time, recent alerts')
      .argument('<deployment>')
      .option('--variant <name>', 'only this variant')
      .option('--json', 'print the report as JSON'),
  ).action(async (deployment: string, opts: { variant?: string; json?: boolean }, cmd: Command) => {
    const report = await clientFor(optionsOf(cmd)).monitoring.report(deployment, opts.variant ? { variant: opts.variant } : {});
    if (opts.json) return printJson(report);
    printLine(renderReport(report));
  });

  withUrl(
    monitor
      .command('configure')
      .description('create or replace a deployment monitor from a JSON file and/or flags')
      .argument('<deployment>')
      .option('--file <config.json>', 'monitor configuration (windowSeconds, task, positiveLabel, drift, rules)')
      .option('--window <seconds>', 'window length in seconds')
      .option('--task <task>', 'classification | regression (enables performance from delayed labels)')
      .option('--json', 'print the stored monitor as JSON'),
  ).action(async (deployment: string, opts: { file?: string; window?: string; task?: string; json?: boolean }, cmd: Command) => {
    const config: Record<string, unknown> = opts.file ? readJson(opts.file) : {};
    if (opts.window !== undefined) config.windowSeconds = Number(opts.window);
    if (opts.task !== undefined) config.task = opts.task;
    const m = await clientFor(optionsOf(cmd)).monitoring.configure(deployment, config);
    if (opts.json) return printJson(m);
    printLine(`monitoring ${m.deployment}: ${m.config.windowSeconds}s windows, ${m.config.rules.length} alert rule(s)`);
  });

  withUrl(
    monitor.command('alerts').description('alert history of a deployment').argument('<deployment>').option('--limit <n>', 'at most this many', '50').option('--json', 'print as JSON'),
  ).action(async (deployment: string, opts: { limit: string; json?: boolean }, cmd: Command) => {
    const alerts = await clientFor(optionsOf(cmd)).monitoring.alerts(deployment, { limit: Number(opts.limit) });
    if (opts.json) return printJson(alerts);
    printLine(renderTable([{ header: 'TIME' }, { header: 'VARIANT' }, { header: 'RULE' }, { header: 'METRIC' }, { header: 'VALUE', align: 'right' }, { header: 'CONDITION' }], alerts.map((a) => [new Date(a.time).toISOString().slice(0, 19), a.variant, a.rule, a.metric, a.value.toPrecision(4), `${a.op} ${a.threshold}`])));
  });
}

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw invalid(`--file: cannot read ${file} as JSON (${err instanceof Error ? err.message : String(err)})`, 'file');
  }
}

function renderReport(r: MonitorReport): string {
  const out: string[] = [`${r.deployment}: ${r.windowSeconds}s windows`];
  for (const v of r.variants) {
    out.push('', `variant ${v.variant} (${v.modelName} v${v.modelVersion}), window ${new Date(v.start).toISOString()}${v.closed ? '' : ' (open)'}, ${v.rows} rows`);
    if (v.drift) {
      out.push(renderTable([{ header: 'FEATURE' }, { header: 'TEST' }, { header: 'SCORE', align: 'right' }, { header: 'THRESHOLD', align: 'right' }, { header: 'DRIFT' }, { header: 'MISSING', align: 'right' }],
        v.drift.features.map((f) => [f.feature, f.test, f.pValue !== null ? `p=${f.pValue.toPrecision(3)}` : f.distance !== null ? f.distance.toPrecision(3) : '-', String(f.threshold), f.drifted ? 'yes' : 'no', (v.quality.features[f.feature]?.missingRate ?? 0).toFixed(3)])));
      out.push(`dataset drift: ${v.drift.datasetDrift ? 'yes' : 'no'} (${v.drift.driftedCount}/${v.drift.features.length})`);
    } else out.push('no reference profile for this model version: drift not computed');
    const m = v.metrics;
    const perf = Object.entries(m).filter(([, x]) => x !== null).map(([k, x]) => `${k} ${(x as number).toPrecision(4)}`);
    out.push(`quality: missing ${(v.quality.missingRate * 100).toFixed(2)} %, type errors ${v.quality.typeErrors}, out of range ${v.quality.outOfRange}, unseen categories ${v.quality.unseenCategories}, schema violations ${v.quality.schemaViolations}`);
    out.push(`performance: ${perf.join(', ') || 'no labels yet'}`);
  }
  if (r.alerts.length) out.push('', 'recent alerts:', ...r.alerts.slice(0, 10).map((a) => `  ${new Date(a.time).toISOString().slice(0, 19)} ${a.message}`));
  return out.join('\n');
}
