import type { Command } from 'commander';
import { AscentError, type Run } from '../sdk/index.js';
import { clientFor, withUrl, type ClientOptions } from './client-command-context.js';
import { formatDuration, formatNumber, printJson, printLine, renderTable } from './client-command-output.js';

/** One compared param or metric: a value per run (null where the run lacks it). */
export interface ComparedValue<T> {
  key: string;
  values: (T | null)[];
  differs: boolean;
}

/** What `ascent runs compare --json` prints. */
export interface RunComparison {
  runs: { runId: string; runName: string; experimentId: string; status: string }[];
  params: ComparedValue<string>[];
  metrics: ComparedValue<number>[];
}

/** Params and latest metrics of several runs side by side, rows that differ marked. */
export function compareRuns(runs: Run[]): RunComparison {
  const keysOf = (pick: (r: Run) => { key: string }[]) => [...new Set(runs.flatMap((r) => pick(r).map((x) => x.key)))].sort();
  const row = <T>(key: string, lookup: (r: Run) => T | undefined): ComparedValue<T> => {
    const values = runs.map((r) => lookup(r) ?? null);
    // Object.is so that NaN equals NaN: two diverged runs are "the same" there.
    const differs = values.some((v) => !Object.is(v, values[0]));
    return { key, values, differs };
  };
  return {
    runs: runs.map((r) => ({ runId: r.info.runId, runName: r.info.runName, experimentId: r.info.experimentId, status: r.info.status })),
    params: keysOf((r) => r.data.params).map((key) => row(key, (r) => r.data.params.find((p) => p.key === key)?.value)),
    metrics: keysOf((r) => r.data.metrics).map((key) => row(key, (r) => r.data.metrics.find((m) => m.key === key)?.value)),
  };
}

/** `ascent runs compare RUN_ID RUN_ID...`. */
export function addRunsCompareCommand(runs: Command): void {
  withUrl(
    runs
      .command('compare')
      .description('params and latest metrics of runs side by side; * marks rows whose values differ')
      .argument('<runIds...>', 'two or more run ids')
      .option('--json', 'print JSON {runs, params, metrics} instead of a table'),
  ).action(async (runIds: string[], opts: ClientOptions & { json?: boolean }) => {
    if (runIds.length < 2) throw new AscentError('INVALID_ARGUMENT', 'compare needs at least two run ids', { field: 'runIds' });
    const client = clientFor(opts);
    const fetched = await Promise.all(runIds.map((id) => client.runs.get(id)));
    const comparison = compareRuns(fetched);
    if (opts.json) return printJson(comparison);

    const mark = (differs: boolean) => (differs ? '*' : '');
    const rows: string[][] = [
      ['', 'run id', ...fetched.map((r) => r.info.runId)],
      ['', 'status', ...fetched.map((r) => r.info.status)],
      ['', 'duration', ...fetched.map((r) => formatDuration(r.info.startTime, r.info.endTime))],
      ...comparison.params.map((p) => [mark(p.differs), `params.${p.key}`, ...p.values.map((v) => v ?? '-')]),
      ...comparison.metrics.map((m) => [mark(m.differs), `metrics.${m.key}`, ...m.values.map((v) => formatNumber(v))]),
    ];
    printLine(
      renderTable(
        [{ header: '', minWidth: 1 }, { header: 'KEY', minWidth: 14 }, ...fetched.map((r) => ({ header: r.info.runName, minWidth: 10 }))],
        rows,
      ),
    );
    const differing = comparison.params.filter((p) => p.differs).length + comparison.metrics.filter((m) => m.differs).length;
    printLine(differing === 0 ? 'No differences in params or metrics.' : `* ${differing} param/metric value(s) differ.`);
  });
}
