import { invalid } from '../../core/errors.js';
import { MAX_REQUEST_ROWS, type ModelRequest } from './model-request.js';

/**
 * CSV as MLflow's scoring server reads it (`text/csv`, pandas `read_csv`): a header row, then
 * values; numbers become numbers, `true`/`false` booleans, empty cells null, the rest strings.
 */

/** One CSV line split into cells (RFC 4180 quoting); `null` while a quoted cell spans lines. */
export function parseCsvLine(line: string): string[] | null {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  if (quoted) return null;
  cells.push(cell.replace(/\r$/, ''));
  return cells;
}

/** A cell's JSON value. */
export function csvValue(cell: string): unknown {
  const t = cell.trim();
  if (t === '') return null;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (t === 'true' || t === 'True') return true;
  if (t === 'false' || t === 'False') return false;
  return cell;
}

/** Split CSV text into logical lines, joining quoted cells that hold newlines. */
export function* csvRecords(lines: Iterable<string>): Generator<string[]> {
  let pending = '';
  for (const line of lines) {
    const text = pending === '' ? line : `${pending}\n${line}`;
    const cells = parseCsvLine(text);
    if (cells === null) {
      pending = text;
      continue;
    }
    pending = '';
    if (text.trim() !== '') yield cells;
  }
  if (pending !== '') throw invalid('CSV ends inside a quoted cell', 'body');
}

/** A whole CSV body (header + rows) as a table request. */
export function csvRequest(text: string): ModelRequest {
  const records = [...csvRecords(text.split('\n'))];
  if (records.length < 2) throw invalid('CSV needs a header row and at least one data row', 'body');
  const [header, ...rows] = records as [string[], ...string[][]];
  if (rows.length > MAX_REQUEST_ROWS) throw invalid(`CSV: at most ${MAX_REQUEST_ROWS} rows per request`, 'body');
  return {
    kind: 'columns',
    columns: header.map((h) => h.trim()),
    rows: rows.map((r, i) => {
      if (r.length !== header.length) throw invalid(`CSV row ${i + 1} has ${r.length} cells for ${header.length} columns`, `rows[${i}]`);
      return r.map(csvValue);
    }),
  };
}
