import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { invalid } from '../../core/errors.js';
import { ColumnBuilder } from './column-builder.js';

/** Column builders filled from one file, in header order. */
export interface FileColumns {
  columns: ColumnBuilder[];
  rows: number;
}

/**
 * Stream a CSV file (RFC 4180: quoted fields, doubled quotes, CRLF) into column builders, one
 * chunk at a time; memory is the columns' typed arrays, not the file or its rows.
 */
export async function readCsvColumns(file: string, field = 'file'): Promise<FileColumns> {
  const decoder = new StringDecoder('utf8');
  let columns: ColumnBuilder[] | null = null;
  let rows = 0;
  let carry = '';
  let lineNo = 1;

  // Fields go straight into their column once the header is known; only the header row is collected.
  const onRow = (fields: string[]): void => {
    if (columns === null) {
      const names = fields.map((f, i) => (f === '' ? `column_${i}` : f));
      if (new Set(names).size !== names.length) throw invalid(`${field}: duplicate column names in the header of ${file}`, field);
      columns = names.map((n) => new ColumnBuilder(n));
      return;
    }
    if (fields.length === 1 && fields[0] === '') return;
    if (fields.length !== columns.length) {
      throw invalid(`${field}: line ${lineNo} of ${file} has ${fields.length} fields, the header has ${columns.length}`, field);
    }
    for (let i = 0; i < fields.length; i++) columns[i]!.pushText(fields[i]!);
    rows++;
  };

  // Parse as much of `text` as forms complete rows; return the unparsed tail.
  const parse = (text: string, final: boolean): string => {
    const fields: string[] = [];
    let rowStart = 0;
    let i = 0;
    const n = text.length;
    while (i < n) {
      let value: string;
      if (text.charCodeAt(i) === 34 /* " */) {
        let j = i + 1;
        let parts = '';
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) {
            if (!final) return text.slice(rowStart);
            throw invalid(`${field}: unterminated quoted field at line ${lineNo} of ${file}`, field);
          }
          if (text.charCodeAt(q + 1) === 34) {
            parts += text.slice(j, q + 1);
            j = q + 2;
            continue;
          }
          if (q + 1 >= n && !final) return text.slice(rowStart);
          parts += text.slice(j, q);
          i = q + 1;
          break;
        }
        value = parts;
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === 44 || c === 10 || c === 13) break;
          j++;
        }
        if (j >= n && !final) return text.slice(rowStart);
        value = text.slice(i, j);
        i = j;
      }
      fields.push(value);
      const c = i < n ? text.charCodeAt(i) : 10;
      if (c === 44) {
        i++;
        if (i >= n && !final) return text.slice(rowStart);
        continue;
      }
      if (c === 13) {
        if (i + 1 >= n && !final) return text.slice(rowStart);
        if (text.charCodeAt(i + 1) === 10) i++;
      }
      i++;
      onRow(fields);
      fields.length = 0;
      lineNo++;
      rowStart = i;
    }
    return '';
  };

  const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      carry = parse(carry + decoder.write(chunk as Buffer), false);
    }
  } catch (err) {
    stream.destroy();
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw invalid(`${field}: no such file ${file}`, field);
    throw err;
  }
  const rest = carry + decoder.end();
  if (rest.length > 0) parse(rest, true);
  if (columns === null) throw invalid(`${field}: ${file} is empty (no header row)`, field);
  return { columns, rows };
}
