import fs from 'node:fs';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { invalid } from '../../core/errors.js';
import { ColumnBuilder } from './column-builder.js';
import type { FileColumns } from './csv-columns.js';
import type { CsvReadResult, CsvVisitor } from './csv-reader.js';

/**
 * Read a Parquet file's top-level columns into column builders, one row group at a time, so only
 * a row group's decoded column chunks are in memory besides the builders' typed arrays.
 */
export async function readParquetColumns(file: string, field = 'file'): Promise<FileColumns> {
  let columns: ColumnBuilder[] = [];
  const { rows } = await scanParquet(
    file,
    {
      header: (names) => {
        columns = names.map((n) => new ColumnBuilder(n));
      },
      numbers: (column, values, count) => columns[column]!.pushNumbers(values, count),
      text: (column, value) => columns[column]!.pushText(value),
    },
    field,
  );
  return { columns, rows };
}

/**
 * Stream a Parquet file's top-level columns into a visitor (the CSV reader's), one row group at a
 * time and only the columns it asks for: numbers, bigints and dates (as epoch milliseconds) as
 * numbers; strings as text; booleans as 'True' / 'False' (pandas' spelling); nulls as empty text
 * (missing); anything else as its JSON text.
 */
export async function scanParquet(file: string, visitor: CsvVisitor, field = 'file'): Promise<CsvReadResult> {
  if (!fs.existsSync(file)) throw invalid(`${field}: no such file ${file}`, field);
  const buffer = await asyncBufferFromFile(file);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw invalid(`${field}: ${file} is not a readable Parquet file (${err instanceof Error ? err.message : String(err)})`, field);
  }
  const names = parquetSchema(metadata).children.map((c) => c.element.name);
  const wanted = visitor.header(names);
  const columns = names.filter((_, i) => !wanted || wanted[i]);
  const index = new Map(names.map((n, i) => [n, i]));
  const next = new Map<string, number>(names.map((n) => [n, 0]));
  const batch = new Float64Array(4096);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    if (columns.length > 0) {
      await parquetRead({
        file: buffer,
        metadata,
        columns,
        rowStart,
        rowEnd,
        onChunk: (chunk) => {
          const column = index.get(chunk.columnName);
          if (column === undefined || (wanted && !wanted[column])) return;
          // Chunks may repeat rows already seen or reach outside the requested range.
          const from = Math.max(chunk.rowStart, next.get(chunk.columnName)!, rowStart);
          const to = Math.min(chunk.rowEnd, rowEnd);
          const data = chunk.columnData;
          let n = 0;
          for (let r = from; r < to; r++) {
            const value = data[r - chunk.rowStart];
            const number = typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : value instanceof Date ? value.getTime() : null;
            if (number === null) {
              visitText(visitor, column, value);
              continue;
            }
            batch[n++] = number;
            if (n === batch.length) {
              visitor.numbers(column, batch, n);
              n = 0;
            }
          }
          if (n > 0) visitor.numbers(column, batch, n);
          if (to > from) next.set(chunk.columnName, to);
        },
      });
    }
    rowStart = rowEnd;
  }
  return { columns: names, rows: rowStart };
}

function visitText(visitor: CsvVisitor, column: number, value: unknown): void {
  if (value === null || value === undefined) visitor.text(column, '');
  else if (typeof value === 'boolean') visitor.text(column, value ? 'True' : 'False');
  else if (typeof value === 'string') visitor.text(column, value);
  else visitor.text(column, JSON.stringify(value));
}
