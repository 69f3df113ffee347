import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { invalid } from '../../core/errors.js';
import { csvValue, parseCsvLine } from '../codec/csv.js';

/** A slice of an input file: column names and rows of JSON values; `done` is the fraction read so far. */
export interface InputBatch {
  columns: string[];
  rows: unknown[][];
  done: number;
}

export type InputFormat = 'csv' | 'jsonl' | 'parquet';

/** A CSV record longer than this (a quote never closed) is refused rather than buffered without end. */
const MAX_RECORD_CHARS = 16 * 1024 * 1024;

/** The input format from a file name (`.csv`, `.jsonl` / `.ndjson`, `.parquet` / `.pq`). */
export function inputFormatOf(file: string): InputFormat {
  const lower = file.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.parquet') || lower.endsWith('.pq')) return 'parquet';
  throw invalid(`input '${file}': cannot tell its format from the extension; use .csv, .jsonl or .parquet, or pass --input-format`, 'input');
}

/** Batches of rows from a file, read as a stream (parquet: by row ranges), never whole in memory. */
export function readBatches(file: string, format: InputFormat, batchSize: number): AsyncGenerator<InputBatch> {
  if (format === 'parquet') return parquetBatches(file, batchSize);
  return format === 'csv' ? csvBatches(file, batchSize) : jsonlBatches(file, batchSize);
}

async function openLines(file: string): Promise<{ lines: AsyncIterable<string>; fraction: () => number }> {
  const size = (await fs.stat(file)).size || 1;
  const stream = createReadStream(file, { encoding: 'utf8' });
  let bytes = 0;
  stream.on('data', (chunk) => (bytes += Buffer.byteLength(chunk as string)));
  return { lines: createInterface({ input: stream, crlfDelay: Infinity }), fraction: () => Math.min(1, bytes / size) };
}

async function* csvBatches(file: string, batchSize: number): AsyncGenerator<InputBatch> {
  const { lines, fraction } = await openLines(file);
  let header: string[] | null = null;
  let rows: unknown[][] = [];
  let pending = '';
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    const text = pending === '' ? line : `${pending}\n${line}`;
    // A quoted cell may hold newlines: keep joining lines until the quote closes.
    const cells = parseCsvLine(text);
    if (cells === null) {
      if (text.length > MAX_RECORD_CHARS) throw invalid(`input line ${lineNo}: a quoted cell is still open after ${MAX_RECORD_CHARS} characters`, 'input');
      pending = text;
      continue;
    }
    pending = '';
    if (text.trim() === '') continue;
    if (!header) {
      header = cells.map((c) => c.trim());
      continue;
    }
    if (cells.length !== header.length) throw invalid(`input line ${lineNo}: ${cells.length} cells for ${header.length} columns`, 'input');
    rows.push(cells.map(csvValue));
    if (rows.length >= batchSize) {
      yield { columns: header, rows, done: fraction() };
      rows = [];
    }
  }
  if (pending !== '') throw invalid('input ends inside a quoted CSV cell', 'input');
  if (!header) throw invalid('input is empty: a CSV file needs a header row', 'input');
  if (rows.length > 0) yield { columns: header, rows, done: 1 };
}

async function* jsonlBatches(file: string, batchSize: number): AsyncGenerator<InputBatch> {
  const { lines, fraction } = await openLines(file);
  let records: Record<string, unknown>[] = [];
  const keys = new Set<string>();
  // JSON lines may differ in keys: a batch's columns are the union, missing values null.
  const flush = (done: number): InputBatch => {
    const columns = [...keys];
    const batch = { columns, rows: records.map((r) => columns.map((c) => r[c] ?? null)), done };
    records = [];
    keys.clear();
    return batch;
  };
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw invalid(`input line ${lineNo} is not JSON`, 'input');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`input line ${lineNo} must be a JSON object of column values`, 'input');
    for (const k of Object.keys(value)) keys.add(k);
    records.push(value as Record<string, unknown>);
    if (records.length >= batchSize) yield flush(fraction());
  }
  if (records.length > 0) yield flush(1);
}

async function* parquetBatches(file: string, batchSize: number): AsyncGenerator<InputBatch> {
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  const total = Number(metadata.num_rows);
  const columns = metadata.schema.slice(1).filter((s) => !s.num_children).map((s) => s.name);
  for (let start = 0; start < total; start += batchSize) {
    const end = Math.min(total, start + batchSize);
    const objects = await parquetReadObjects({ file: buffer, metadata, rowStart: start, rowEnd: end });
    yield { columns, rows: objects.map((o) => columns.map((c) => jsonValue(o[c]))), done: end / total };
  }
}

/** Parquet values as JSON values: INT64 bigints as numbers, timestamps as ISO strings. */
function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return v ?? null;
}
