import fs from 'node:fs';
import { ColumnBuilder } from './column-builder.js';
import { readCsv } from './csv-reader.js';

/** Column builders filled from one file, in header order. */
export interface FileColumns {
  columns: ColumnBuilder[];
  rows: number;
}

/**
 * Stream a CSV file (RFC 4180: quoted fields, doubled quotes, CRLF) into column builders, one
 * chunk at a time; memory is the columns' typed arrays, not the file or its rows (in shared memory
 * with `shared`, for worker threads).
 */
export async function readCsvColumns(file: string, field = 'file', shared = false): Promise<FileColumns> {
  const lines = await countLineFeeds(file);
  let columns: ColumnBuilder[] = [];
  const { rows } = await readCsv(
    file,
    {
      header: (names) => {
        columns = names.map((n) => new ColumnBuilder(n, lines, shared));
      },
      numbers: (column, values, count) => columns[column]!.pushNumbers(values, count),
      text: (column, value) => columns[column]!.pushText(value),
    },
    field,
  );
  return { columns, rows };
}

/**
 * Line feeds in a file (0 if it cannot be read: readCsv reports that). At least the number of
 * data rows unless lines end in CR alone, so the columns' arrays are allocated once, at their size:
 * growing them by doubling leaves as much garbage as data until the next collection.
 */
export async function countLineFeeds(file: string): Promise<number> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch {
    return 0;
  }
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let lines = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return lines;
      for (let at = buf.indexOf(10, 0); at >= 0 && at < bytesRead; at = buf.indexOf(10, at + 1)) lines++;
    }
  } finally {
    await handle.close();
  }
}
