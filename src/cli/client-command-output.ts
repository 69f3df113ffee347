import Table from 'cli-table3';
import { nonFiniteReplacer } from '../sdk/metric-values.js';

/** One column of a people-facing table. */
export interface TableColumn {
  header: string;
  /** Never shrink below this many characters (a run id stays whole so it can be copied). Default 6. */
  minWidth?: number;
  align?: 'left' | 'right';
}

/** Width to fit tables in: the terminal's, or 100 columns when output is not a terminal. */
export function outputWidth(): number {
  return process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 100;
}

/**
 * Render rows as an aligned table no wider than `maxWidth`. Long values give way first: columns
 * shrink, widest first, down to their header's width, then further down to their `minWidth`;
 * values that no longer fit end in `…`. Control characters are flattened so a tag holding a
 * newline or an escape sequence cannot break the layout.
 */
export function renderTable(columns: TableColumn[], rows: string[][], maxWidth = outputWidth()): string {
  const cells = rows.map((row) => columns.map((_, i) => clean(row[i] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => (r[i] ?? '').length), 1));
  const hard = columns.map((c, i) => Math.min(widths[i] ?? 1, c.minWidth ?? 6));
  const soft = columns.map((c, i) => Math.min(widths[i] ?? 1, Math.max(hard[i] ?? 1, Math.min(c.header.length, 24))));
  const overhead = GAP.length * (columns.length - 1);
  let excess = widths.reduce((a, b) => a + b, 0) + overhead - maxWidth;
  for (const floor of [soft, hard]) {
    while (excess > 0) {
      let widest = -1;
      for (let i = 0; i < widths.length; i++) {
        if ((widths[i] ?? 0) > (floor[i] ?? 0) && (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0))) widest = i;
      }
      if (widest < 0) break;
      widths[widest] = (widths[widest] ?? 1) - 1;
      excess--;
    }
  }
  const table = new Table({
    head: columns.map((c, i) => truncate(c.header, widths[i] ?? 1)),
    colWidths: widths,
    colAligns: columns.map((c) => c.align ?? 'left'),
    chars: BORDERLESS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    wordWrap: false,
  });
  for (const row of cells) table.push(row.map((cell, i) => truncate(cell, widths[i] ?? 1)));
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

// Borderless columns, as `docker ps` and `kubectl get` print them: more room for values in 100
// columns, and lines stay easy to grep and cut.
const GAP = '  ';
const BORDERLESS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: GAP,
};

export function truncate(value: string, width: number): string {
  if (value.length <= width) return value;
  return width <= 1 ? '…' : `${value.slice(0, width - 1)}…`;
}

function clean(value: string): string {
  return value.replace(/\r?\n|\t/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '');
}

/** Print JSON for machines; NaN and ±Infinity keep the API's string form instead of turning into null. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, nonFiniteReplacer, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** `2025-03-01 14:05:09` in local time; `-` for no time. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** `850ms`, `12.3s`, `4m 05s`, `2h 03m`; `-` while a run has no end time. */
export function formatDuration(startMs: number, endMs: number | null | undefined): string {
  if (endMs === null || endMs === undefined) return '-';
  const ms = Math.max(0, endMs - startMs);
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** A metric value for people: integers whole, others to 6 significant digits, NaN/±Infinity spelled. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e9)) return value.toExponential(4);
  return String(Number(value.toPrecision(6)));
}

/** A titled table after a blank line, or `Title: none` when there are no rows. */
export function printSection(title: string, columns: TableColumn[], rows: string[][]): void {
  printLine();
  if (rows.length === 0) return printLine(`${title}: none`);
  printLine(title);
  printLine(renderTable(columns, rows));
}
