import fs from 'node:fs';
import { invalid } from '../../core/errors.js';
import { CsvParser, withRoom, type CsvVisitor } from './csv-reader.js';

/**
 * A CSV file read in byte ranges, one per thread: the header first, then ranges that start just
 * after a line feed. A line feed ends a record unless it sits inside a quoted field, so each range
 * reports whether it ended between two records: the first range starts at a record, so if every
 * range but the last ended between records, each of them started at one too and every record was
 * read whole, once. Otherwise (a quoted line break across a cut) the caller reads the file in one
 * piece (see parallel-fold.ts). All reads here are synchronous: each runs on a thread of its own.
 */

/** A file's header row and where its data starts. */
export interface CsvHeader {
  names: string[];
  /** Byte offset of the first data record. */
  dataStart: number;
  /** File size in bytes. */
  size: number;
}

/** One part of a file's data: [start, end), and whether it runs to the end of the file. */
export interface CsvRange {
  start: number;
  end: number;
  last: boolean;
}

/** What reading one range found. */
export interface CsvRangeResult {
  rows: number;
  /** The range ended between two records (true for the last range, which the file's end closes). */
  clean: boolean;
}

const NO_VISITOR: CsvVisitor = { header: () => undefined, numbers: () => {}, text: () => {} };

function open(file: string, field: string): number {
  try {
    return fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw invalid(`${field}: no such file ${file}`, field);
    throw err;
  }
}

/** Read the header row (a UTF-8 byte order mark is skipped); errors as readCsv's. */
export function readCsvHeader(file: string, field = 'file'): CsvHeader {
  const fd = open(file, field);
  try {
    const size = fs.fstatSync(fd).size;
    const parser = new CsvParser(NO_VISITOR, file, field);
    parser.headerOnly = true;
    let buf = Buffer.allocUnsafe(64 * 1024);
    let base = 0; // file offset of buf[0]
    let length = 0;
    let first = true;
    for (;;) {
      buf = withRoom(buf, length);
      const n = fs.readSync(fd, buf, length, buf.length - length, base + length);
      length += n;
      const final = n === 0;
      if (first && length < 3 && !final) continue;
      const start = first && length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
      first = false;
      const used = parser.parse(buf, start, length, final);
      if (parser.names !== null) return { names: parser.names, dataStart: base + used, size };
      if (final) throw invalid(`${field}: ${file} is empty (no header row)`, field);
      buf.copy(buf, 0, used, length);
      base += used;
      length -= used;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Cut [dataStart, size) into `parts` ranges of about equal size, each after the first one
 * starting just after a line feed (a range may be empty).
 */
export function splitCsv(file: string, header: CsvHeader, parts: number): CsvRange[] {
  const { dataStart, size } = header;
  const starts = [dataStart];
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(64 * 1024);
    for (let i = 1; i < parts; i++) {
      let at = Math.max(starts[i - 1]!, dataStart + Math.floor(((size - dataStart) * i) / parts) - 1);
      let found = size;
      while (at < size) {
        const n = fs.readSync(fd, buf, 0, buf.length, at);
        if (n === 0) break;
        const lf = buf.subarray(0, n).indexOf(10);
        if (lf >= 0) {
          found = at + lf + 1;
          break;
        }
        at += n;
      }
      starts.push(found);
    }
  } finally {
    fs.closeSync(fd);
  }
  return starts.map((start, i) => ({ start, end: i + 1 < starts.length ? starts[i + 1]! : size, last: i + 1 === starts.length }));
}

/** Read the records of one range (the header's names given) into a visitor. */
export function readCsvRange(file: string, range: CsvRange, names: string[], visitor: CsvVisitor, field = 'file'): CsvRangeResult {
  const fd = open(file, field);
  const parser = new CsvParser(visitor, file, field);
  parser.useHeader(names);
  try {
    let buf = parser.readBuffer();
    let length = 0;
    let position = range.start;
    for (;;) {
      buf = withRoom(buf, length);
      const n = position < range.end ? fs.readSync(fd, buf, length, Math.min(buf.length - length, range.end - position), position) : 0;
      position += n;
      length += n;
      const done = n === 0 || position >= range.end;
      const used = parser.parse(buf, 0, length, done && range.last);
      if (done) {
        parser.flushNumbers();
        const clean = range.last || (used === length && parser.betweenRecords);
        return { rows: parser.rows, clean };
      }
      buf.copy(buf, 0, used, length);
      length -= used;
    }
  } finally {
    fs.closeSync(fd);
  }
}
