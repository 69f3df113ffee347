import type { Run } from '../sdk/index.js';
import { formatDuration, formatNumber, formatTime, printLine, renderTable } from './client-command-output.js';

const DATASET_CONTEXT_TAG = 'mlflow.data.context';

/** The people-facing form of `ascent runs show`: one table per section. */
export function printRunDetails(run: Run): void {
  const { info, data, inputs } = run;
  printLine(`Run ${info.runId}`);
  printLine(
    renderTable(
      [{ header: 'FIELD', minWidth: 12 }, { header: 'VALUE' }],
      [
        ['name', info.runName],
        ['experiment', info.experimentId],
        ['status', info.status],
        ['stage', info.lifecycleStage],
        ['user', info.userId],
        ['started', formatTime(info.startTime)],
        ['ended', formatTime(info.endTime)],
        ['duration', formatDuration(info.startTime, info.endTime)],
        ['parent run', info.parentRunId ?? '-'],
        ['artifacts', info.artifactUri],
      ],
    ),
  );
  section(
    'Params',
    ['KEY', 'VALUE'],
    sortByKey(data.params).map((p) => [p.key, p.value]),
  );
  section(
    'Metrics (latest)',
    ['KEY', 'VALUE', 'STEP', 'TIME'],
    sortByKey(data.metrics).map((m) => [m.key, formatNumber(m.value), String(m.step), formatTime(m.timestamp)]),
    [undefined, 'right', 'right'],
  );
  section(
    'Tags',
    ['KEY', 'VALUE'],
    sortByKey(data.tags).map((t) => [t.key, t.value]),
  );
  section(
    'Dataset inputs',
    ['NAME', 'DIGEST', 'CONTEXT', 'SOURCE'],
    inputs.datasetInputs.map((d) => [
      d.dataset.name,
      d.dataset.digest,
      d.tags.find((t) => t.key === DATASET_CONTEXT_TAG)?.value ?? '-',
      `${d.dataset.sourceType}: ${d.dataset.source}`,
    ]),
  );
}

function section(title: string, headers: string[], rows: string[][], aligns: ('left' | 'right' | undefined)[] = []): void {
  printLine();
  if (rows.length === 0) return printLine(`${title}: none`);
  printLine(title);
  printLine(renderTable(headers.map((header, i) => ({ header, minWidth: i === 0 ? 16 : 8, align: aligns[i] ?? 'left' })), rows));
}

function sortByKey<T extends { key: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => a.key.localeCompare(b.key));
}
