import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { invalid } from '../../core/errors.js';
import { ColumnBuilder } from '../compare/column-builder.js';
import { readColumns } from '../compare/compare-datasets.js';
import type { FileColumns } from '../compare/csv-columns.js';

/** File formats a training dataset can be profiled from, by extension. */
export const DATASET_FORMATS: Record<string, 'csv' | 'parquet' | 'jsonl'> = { '.csv': 'csv', '.parquet': 'parquet', '.pq': 'parquet', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };

/** The format of a dataset file from its name, or null when it is not one Ascent reads. */
export function datasetFormat(file: string): 'csv' | 'parquet' | 'jsonl' | null {
  return DATASET_FORMATS[path.extname(file).toLowerCase()] ?? null;
}

/**
 * Read a CSV, Parquet or JSON-lines file into column builders: CSV and Parquet through the compare
 * readers; JSON lines (one object per line) here, a column appearing late counted missing before.
 */
export async function readDatasetColumns(file: string, format: 'csv' | 'parquet' | 'jsonl', field = 'dataset'): Promise<FileColumns> {
  if (format !== 'jsonl') {
    // The compare readers pick CSV or Parquet by extension, which `format` was derived from.
    return readColumns(file, field);
  }
  const builders = new Map<string, ColumnBuilder>();
  let rows = 0;
  let lineNo = 0;
  const lines = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw invalid(`${field}: line ${lineNo} of ${file} is not JSON`, field);
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) throw invalid(`${field}: line ${lineNo} of ${file} is not a JSON object`, field);
    const r = record as Record<string, unknown>;
    for (const key of Object.keys(r)) {
      if (builders.has(key)) continue;
      const b = new ColumnBuilder(key);
      for (let i = 0; i < rows; i++) b.pushValue(null);
      builders.set(key, b);
    }
    for (const [key, b] of builders) b.pushValue(r[key]);
    rows++;
  }
  return { columns: [...builders.values()], rows };
}
