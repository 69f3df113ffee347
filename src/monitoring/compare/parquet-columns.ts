import fs from 'node:fs';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { invalid } from '../../core/errors.js';
import { ColumnBuilder } from './column-builder.js';
import type { FileColumns } from './csv-columns.js';

/**
 * Read a Parquet file's top-level columns into column builders, one row group at a time, so only
 * a row group's decoded column chunks are in memory besides the builders' typed arrays.
 */
export async function readParquetColumns(file: string, field = 'file'): Promise<FileColumns> {
  if (!fs.existsSync(file)) throw invalid(`${field}: no such file ${file}`, field);
  const buffer = await asyncBufferFromFile(file);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw invalid(`${field}: ${file} is not a readable Parquet file (${err instanceof Error ? err.message : String(err)})`, field);
  }
  const names = parquetSchema(metadata).children.map((c) => c.element.name);
  const columns = names.map((n) => new ColumnBuilder(n));
  const byName = new Map(columns.map((c) => [c.name, c]));
  const next = new Map<string, number>(names.map((n) => [n, 0]));
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    await parquetRead({
      file: buffer,
      metadata,
      rowStart,
      rowEnd,
      onChunk: (chunk) => {
        const builder = byName.get(chunk.columnName);
        if (!builder) return;
        // Chunks may repeat rows already seen or reach outside the requested range.
        const from = Math.max(chunk.rowStart, next.get(chunk.columnName)!, rowStart);
        const to = Math.min(chunk.rowEnd, rowEnd);
        const data = chunk.columnData;
        for (let r = from; r < to; r++) builder.pushValue(data[r - chunk.rowStart]);
        if (to > from) next.set(chunk.columnName, to);
      },
    });
    rowStart = rowEnd;
  }
  return { columns, rows: rowStart };
}
