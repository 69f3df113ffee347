import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AscentError, invalid } from '../core/errors.js';
import type { ModelSignature } from '../registry/packages/manifest.js';
import { prepareInputs } from './codec/index.js';
import { outputRows } from './codec/output-decoder.js';
import type { LoadedModel } from './model-runtime.js';
import { inputFormatOf, readBatches, type InputFormat } from './batch/batch-readers.js';

/** Output formats of batch scoring. */
export type OutputFormat = 'jsonl' | 'csv';

/** What to score, where to write it, and how. */
export interface BatchScoreOptions {
  /** A loaded model and the signature requests are checked against (a `ServedModel` is both). */
  model: Pick<LoadedModel, 'metadata' | 'predict'> & { signature: ModelSignature | null };
  input: string;
  output: string;
  inputFormat?: InputFormat;
  outputFormat?: OutputFormat;
  /** Rows per prediction call (default 1000). */
  batchSize?: number;
  /** Batches in flight at once (default 2); output order is input order regardless. */
  concurrency?: number;
  /** Copy the input columns into each output row beside the predictions. */
  keepInput?: boolean;
  /** Called after each batch is written. */
  onProgress?: (progress: BatchProgress) => void;
  signal?: AbortSignal;
}

/** How far a scoring job is. */
export interface BatchProgress {
  rows: number;
  batches: number;
  /** Fraction of the input read (bytes for CSV/JSONL, rows for parquet). */
  fraction: number;
}

/** The finished job. */
export interface BatchScoreResult {
  rows: number;
  batches: number;
  output: string;
  columns: string[];
}

/** The output format from a file name (`.jsonl`/`.ndjson` or `.csv`). */
export function outputFormatOf(file: string): OutputFormat {
  const lower = file.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  throw invalid(`output '${file}': cannot tell its format from the extension; use .jsonl or .csv, or pass --output-format`, 'output');
}

/**
 * Score a file through a loaded model in batches, streaming: rows are read batch by batch, checked
 * against the signature and encoded by the same codec the HTTP protocols use, predicted with up to
 * `concurrency` batches in flight, and written in input order to a temporary file that is renamed
 * over `output` only when every row succeeded (a failed job leaves no partial output).
 */
export async function scoreFile(options: BatchScoreOptions): Promise<BatchScoreResult> {
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1_000_000) throw invalid('batch size must be an integer from 1 to 1000000', 'batchSize');
  const concurrency = Math.max(1, Math.min(64, options.concurrency ?? 2));
  const inputFormat = options.inputFormat ?? inputFormatOf(options.input);
  const outputFormat = options.outputFormat ?? outputFormatOf(options.output);
  await fs.access(options.input).catch(() => {
    throw new AscentError('NOT_FOUND', `input file '${options.input}' does not exist or cannot be read`);
  });
  const target = path.resolve(options.output);
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.partial`);
  const out = createWriteStream(temp, { flags: 'wx' });
  // A write error surfaces from RowWriter.end(); without a listener it would crash the process.
  let writeError: Error | null = null;
  out.on('error', (err) => (writeError ??= err));
  const writer = new RowWriter(out, outputFormat);
  let rows = 0;
  let batches = 0;
  let written = 0;
  const inFlight: { promise: Promise<Record<string, unknown>[]>; fraction: number }[] = [];
  const drainOne = async () => {
    const next = inFlight.shift()!;
    const scored = await next.promise;
    for (const row of scored) await writer.write(row);
    written += scored.length;
    batches++;
    options.onProgress?.({ rows: written, batches, fraction: next.fraction });
  };
  try {
    for await (const batch of readBatches(options.input, inputFormat, batchSize)) {
      options.signal?.throwIfAborted();
      const offset = rows;
      rows += batch.rows.length;
      const promise = scoreBatch(options, batch.columns, batch.rows, offset);
      promise.catch(() => undefined); // awaited in order by drainOne; avoid an unhandled rejection meanwhile
      inFlight.push({ promise, fraction: batch.done });
      if (inFlight.length >= concurrency) await drainOne();
    }
    while (inFlight.length > 0) await drainOne();
    await writer.end();
    if (writeError) throw writeError;
    await fs.rename(temp, target);
    return { rows, batches, output: target, columns: writer.columns ?? [] };
  } catch (err) {
    out.destroy();
    await fs.rm(temp, { force: true });
    throw err;
  }
}

async function scoreBatch(options: BatchScoreOptions, columns: string[], rows: unknown[][], offset: number): Promise<Record<string, unknown>[]> {
  let inputs;
  try {
    inputs = prepareInputs({ kind: 'columns', columns, rows }, options.model);
  } catch (err) {
    // The codec numbers rows within the batch; the user wants the row of the file (1-based, after the header).
    if (err instanceof AscentError) throw new AscentError(err.code, err.message.replace(/^inputs\[(\d+)\]/, (_, r: string) => `input row ${offset + Number(r) + 1}`), err.field ? { field: err.field } : {});
    throw err;
  }
  const outputs = await options.model.predict(inputs, options.signal ? { signal: options.signal } : {});
  const predicted = outputRows(outputs);
  if (predicted.length !== rows.length) throw new AscentError('INTERNAL', `The model returned ${predicted.length} rows for a batch of ${rows.length}`);
  if (!options.keepInput) return predicted;
  return predicted.map((p, r) => ({ ...Object.fromEntries(columns.map((c, j) => [c, rows[r]![j]])), ...p }));
}

/** Writes rows as JSON lines or CSV (header from the first row; nested values as JSON in a cell). */
class RowWriter {
  columns: string[] | null = null;
  constructor(private readonly out: WriteStream, private readonly format: OutputFormat) {}

  async write(row: Record<string, unknown>): Promise<void> {
    let line: string;
    if (this.format === 'jsonl') {
      this.columns ??= Object.keys(row);
      line = `${JSON.stringify(row)}\n`;
    } else {
      if (!this.columns) {
        this.columns = Object.keys(row);
        await this.put(`${this.columns.map(csvCell).join(',')}\n`);
      }
      line = `${this.columns.map((c) => csvCell(row[c])).join(',')}\n`;
    }
    await this.put(line);
  }

  private put(text: string): Promise<void> | void {
    if (this.out.write(text)) return;
    return new Promise((resolve) => this.out.once('drain', () => resolve()));
  }

  end(): Promise<void> {
    return new Promise((resolve) => this.out.end(() => resolve()));
  }
}

function csvCell(v: unknown): string {
  const text = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
