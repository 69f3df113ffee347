import fs from 'node:fs';
import { invalid } from '../../core/errors.js';
import { CsvScanner } from './csv-scanner.js';
import { decimalEnd, parseDecimalInto, viewOf } from './parse-decimal.js';

/**
 * Receives a file's fields as they are parsed: numbers as numbers, in batches per column, and
 * everything else as text. Within a column, numbers and texts do not keep their relative order
 * (every consumer folds order-free: counts, sums, sorted values).
 */
export interface CsvVisitor {
  /** The header row's names (empty names become `column_<i>`); returns which columns to deliver (all when nothing). */
  header(names: string[]): readonly boolean[] | void;
  /** values[0, count) are numbers of one column (the callee may overwrite them; the array is reused after it returns). */
  numbers(column: number, values: Float64Array, count: number): void;
  /** Any other field: quotes removed, doubled quotes undone, UTF-8 decoded; '' when empty. */
  text(column: number, value: string): void;
}

/** What a read of one file found. */
export interface CsvReadResult {
  /** The header's column names. */
  columns: string[];
  /** Data rows (blank lines are not rows). */
  rows: number;
}

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;
const CHUNK = 1 << 20;

/** `buf`, or a copy twice its size when its first `length` bytes fill it (a record longer than the buffer). */
export function withRoom(buf: Buffer<ArrayBuffer>, length: number): Buffer<ArrayBuffer> {
  if (length < buf.length) return buf;
  const grown = Buffer.allocUnsafe(buf.length * 2);
  buf.copy(grown, 0, 0, length);
  return grown;
}
// Short ASCII texts (categories) are interned so a repeated value costs no allocation.
const CACHE_SLOTS = 4096;
const CACHE_MAX_LENGTH = 64;
// Numbers are handed over in batches per column: at most 8,192 per column and 16 MB in all.
const MAX_BATCH = 8192;
const BATCH_BUDGET = 1 << 21;

/**
 * Stream a CSV file (RFC 4180: quoted fields, doubled quotes, newlines inside quotes, CRLF or LF)
 * into a visitor, one field at a time, straight from the file's bytes: no string per line, no
 * array per row, numbers parsed without a string. Memory is one read buffer (1 MB, grown only for
 * a field longer than that). Blank lines are skipped, as pandas does; a row whose field count
 * differs from the header's, an unterminated quote or text after a closing quote is an
 * INVALID_ARGUMENT error naming the line.
 */
export async function readCsv(file: string, visitor: CsvVisitor, field = 'file'): Promise<CsvReadResult> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw invalid(`${field}: no such file ${file}`, field);
    throw err;
  }
  const parser = new CsvParser(visitor, file, field);
  try {
    let buf = parser.readBuffer();
    let length = 0;
    let first = true;
    for (;;) {
      buf = withRoom(buf, length);
      const { bytesRead } = await handle.read(buf, length, buf.length - length, null);
      length += bytesRead;
      let start = 0;
      // A UTF-8 byte order mark is not part of the first column's name.
      if (first && length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
      if (first && (length >= 3 || bytesRead === 0)) first = false;
      else if (first) continue;
      const used = parser.parse(buf, start, length, bytesRead === 0);
      if (bytesRead === 0) {
        parser.flushNumbers();
        break;
      }
      buf.copy(buf, 0, used, length);
      length -= used;
    }
  } finally {
    await handle.close();
  }
  if (parser.names === null) throw invalid(`${field}: ${file} is empty (no header row)`, field);
  return { columns: parser.names, rows: parser.rows };
}

/** The tokenizer's state between chunks; a field is delivered only once it is complete. */
export class CsvParser {
  names: string[] | null = null;
  rows = 0;
  /** Stop after the header row (`parse` then returns where the data starts). */
  headerOnly = false;
  private stop = false;
  private headerFields: string[] = [];
  private wanted: Uint8Array = new Uint8Array(0);
  private width = 0;
  /** Per delivered column: numbers parsed and not yet handed over. */
  private batches: Float64Array[] = [];
  private filled: Int32Array = new Int32Array(0);
  private batchSize = MAX_BATCH;
  /** Index of the next field in the current row. */
  private column = 0;
  /** Line (1-based) where the current record started, and the current line. */
  private recordLine = 1;
  private line = 1;
  private readonly cacheText: (string | undefined)[] = new Array<string | undefined>(CACHE_SLOTS);
  /** The buffer last parsed and the view the number parser reads it through. */
  private viewed: Buffer | null = null;
  private view: DataView = new DataView(new ArrayBuffer(0));
  /** The WebAssembly inner loop, when the read buffer is its (`readBuffer`) and the columns fit it. */
  private scanner: CsvScanner | null = null;

  constructor(
    private readonly visitor: CsvVisitor,
    private readonly file: string,
    private readonly field: string,
  ) {}

  /**
   * The read buffer of `CHUNK` bytes for `parse` (call once per parser): the WebAssembly scanner's
   * own when it can be had (then the plain fields of what is read into it are scanned there), a
   * plain one otherwise.
   */
  readBuffer(): Buffer<ArrayBuffer> {
    try {
      this.scanner = new CsvScanner(CHUNK);
    } catch {
      return Buffer.allocUnsafe(CHUNK);
    }
    if (this.names !== null) this.useScanner();
    return this.scanner.input;
  }

  /** Parse complete fields in buf[start, end); returns where the first incomplete field starts. */
  parse(buf: Buffer, start: number, end: number, final: boolean): number {
    if (buf !== this.viewed) {
      this.viewed = buf;
      this.view = viewOf(buf);
    }
    const view = this.view;
    // The columns' state, refreshed when the header row is read (useHeader replaces it).
    let { wanted, width, batches, filled } = this;
    let scanner = this.scannerFor(buf);
    let p = start;
    for (;;) {
      if (p >= end) {
        if (!final || this.column === 0) return p;
        // The file ends right after a comma: the row's last field is empty.
        this.deliverText(buf, p, p, false);
        this.endRow();
        return p;
      }
      const at = this.column;
      if (scanner !== null) {
        // The plain fields, in WebAssembly; it stops at a field for the general path below.
        p = this.scan(scanner, buf, p, end);
        if (p >= end) continue;
      } else if (at < width && wanted[at] === 1 && parseDecimalInto(buf, view, p, end, batches[at]!, filled[at]!)) {
        // Fast path: a number in a delivered column, followed by a comma or a line feed (the rest,
        // and any doubt, is left to the general path below, which parses the field again).
        const stop = decimalEnd;
        const t = stop < end ? buf[stop]! : -1;
        if (t === COMMA) {
          if (++filled[at]! === this.batchSize) this.flushColumn(at);
          this.column = at + 1;
          p = stop + 1;
          continue;
        }
        if (t === LF) {
          if (++filled[at]! === this.batchSize) this.flushColumn(at);
          this.line++;
          p = stop + 1;
          this.endRow();
          continue;
        }
      }
      const fieldStart = p;
      let stop: number; // index of the field's terminator (comma, CR, LF) or end
      if (buf[p] === QUOTE) {
        const close = this.closingQuote(buf, p + 1, end, final);
        if (close < 0) return fieldStart;
        stop = close + 1;
        const t = stop < end ? buf[stop]! : -1;
        if (t !== COMMA && t !== LF && t !== CR && !(t === -1 && final)) {
          if (t === -1) return fieldStart;
          throw invalid(
            `${this.field}: line ${this.line} of ${this.file}: text after the closing quote of field ${this.column + 1} (a quoted field must end at a comma or a line end)`,
            this.field,
          );
        }
        if (t === CR && stop + 1 >= end && !final) return fieldStart;
        this.deliverQuoted(buf, p + 1, close);
      } else {
        const column = this.column;
        const deliver = this.names !== null && column < this.width && this.wanted[column] === 1;
        // The value is written to the column's batch now and counted only once the field is complete.
        let parsed = false;
        if (deliver) {
          parsed = parseDecimalInto(buf, view, p, end, this.batches[column]!, this.filled[column]!);
          stop = decimalEnd;
        } else stop = p;
        while (stop < end) {
          const c = buf[stop]!;
          if (c === COMMA || c === LF || c === CR) break;
          stop++;
        }
        if (stop >= end && !final) return fieldStart;
        const t = stop < end ? buf[stop]! : -1;
        if (t === CR && stop + 1 >= end && !final) return fieldStart;
        if (stop === p && this.column === 0 && t !== COMMA) {
          // A blank line: not a row.
          p = this.lineEnd(buf, stop, end);
          this.recordLine = this.line;
          continue;
        }
        if (parsed && stop === decimalEnd) {
          if (++this.filled[column]! === this.batchSize) this.flushColumn(column);
        } else if (this.names === null || deliver) this.deliverText(buf, p, stop, false);
      }
      if (stop >= end) {
        this.endRow();
        return stop;
      }
      if (buf[stop] === COMMA) {
        this.column++;
        p = stop + 1;
        continue;
      }
      p = this.lineEnd(buf, stop, end);
      this.endRow();
      if (this.stop) return p;
      if (wanted !== this.wanted) {
        ({ wanted, width, batches, filled } = this);
        scanner = this.scannerFor(buf);
      }
    }
  }

  /** The scanner, when `buf` is its read buffer and the header is known. */
  private scannerFor(buf: Buffer): CsvScanner | null {
    const s = this.scanner;
    return s !== null && s.usable && buf === s.input && this.names !== null ? s : null;
  }

  /** Scan from `p` until a field needs the general path; returns that field's start. */
  private scan(scanner: CsvScanner, buf: Buffer, p: number, end: number): number {
    for (;;) {
      p = scanner.scan(p, end, this.column);
      const rows = scanner.rows;
      if (rows > 0) {
        // Every row the scan ended is one line (no quoted line breaks there).
        this.rows += rows;
        this.line += rows;
        this.recordLine = this.line;
      }
      this.column = scanner.column;
      const events = scanner.eventCount;
      for (let i = 0; i < events; i++) this.deliverText(buf, scanner.eventStart(i), scanner.eventEnd(i), false, scanner.eventColumn(i));
      const stop = scanner.stop;
      if (stop === 'flush') this.flushColumn(scanner.fullColumn);
      else if (stop === 'field') return p;
    }
  }

  /** Whether the last `parse` ended between two records (no field or quoted text left open). */
  get betweenRecords(): boolean {
    return this.column === 0;
  }

  /** Index of the quote closing a field whose content starts at `from`, or −1 if not in the buffer yet. */
  private closingQuote(buf: Buffer, from: number, end: number, final: boolean): number {
    let j = from;
    for (;;) {
      while (j < end && buf[j] !== QUOTE) j++;
      if (j >= end) {
        if (!final) return -1;
        throw invalid(`${this.field}: unterminated quoted field starting at line ${this.line} of ${this.file}`, this.field);
      }
      if (j + 1 >= end && !final) return -1;
      if (buf[j + 1] !== QUOTE) return j;
      j += 2;
    }
  }

  /** Skip the line end at `at` (CR, LF or CRLF) and count the line. */
  private lineEnd(buf: Buffer, at: number, end: number): number {
    this.line++;
    return buf[at] === CR && at + 1 < end && buf[at + 1] === LF ? at + 2 : at + 1;
  }

  private deliverQuoted(buf: Buffer, from: number, to: number): void {
    let escaped = false;
    for (let j = from; j < to; j++) {
      const c = buf[j]!;
      if (c === LF) this.line++;
      else if (c === QUOTE) escaped = true;
    }
    if (this.names !== null && (this.column >= this.width || this.wanted[this.column] !== 1)) return;
    if (!escaped) {
      this.deliverText(buf, from, to, true);
      return;
    }
    this.emit(buf.toString('utf8', from, to).replaceAll('""', '"'), this.column);
  }

  private deliverText(buf: Buffer, from: number, to: number, quoted: boolean, column = this.column): void {
    if (this.names !== null && (column >= this.width || this.wanted[column] !== 1)) return;
    if (!quoted && from === to) {
      this.emit('', column);
      return;
    }
    const length = to - from;
    if (length > CACHE_MAX_LENGTH) {
      this.emit(buf.toString('utf8', from, to), column);
      return;
    }
    let hash = length;
    let ascii = true;
    for (let j = from; j < to; j++) {
      const c = buf[j]!;
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      hash = (Math.imul(hash, 31) + c) | 0;
    }
    if (!ascii) {
      this.emit(buf.toString('utf8', from, to), column);
      return;
    }
    const slot = (hash ^ (hash >>> 12)) & (CACHE_SLOTS - 1);
    const cached = this.cacheText[slot];
    if (cached !== undefined && cached.length === length) {
      let same = true;
      for (let j = 0; j < length; j++) {
        if (cached.charCodeAt(j) !== buf[from + j]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.emit(cached, column);
        return;
      }
    }
    const text = buf.toString('latin1', from, to);
    this.cacheText[slot] = text;
    this.emit(text, column);
  }

  /** Take the header's names (read before, by this parser or another) and ask the visitor which columns it wants. */
  useHeader(names: string[]): void {
    this.names = names;
    this.width = names.length;
    const wanted = this.visitor.header(names);
    this.wanted = Uint8Array.from(names, (_, i) => (wanted ? (wanted[i] ? 1 : 0) : 1));
    const delivered = this.wanted.reduce((n, w) => n + w, 0);
    this.batchSize = Math.max(256, Math.min(MAX_BATCH, Math.floor(BATCH_BUDGET / Math.max(1, delivered))));
    if (this.scanner !== null) this.useScanner();
    else this.jsBatches();
  }

  /** Batches in the scanner's memory when the columns fit there, else on the JS heap. */
  private useScanner(): void {
    if (this.scanner!.layout(this.wanted, this.batchSize)) {
      this.batches = this.scanner!.batches;
      this.filled = this.scanner!.filled;
    } else this.jsBatches();
  }

  private jsBatches(): void {
    this.batches = Array.from(this.wanted, (w) => new Float64Array(w ? this.batchSize : 0));
    this.filled = new Int32Array(this.width);
  }

  /** Hand every column's pending numbers to the visitor (at the end of the file). */
  flushNumbers(): void {
    for (let column = 0; column < this.filled.length; column++) if (this.filled[column]! > 0) this.flushColumn(column);
  }

  private flushColumn(column: number): void {
    const count = this.filled[column]!;
    this.filled[column] = 0;
    this.visitor.numbers(column, this.batches[column]!, count);
  }

  private emit(text: string, column: number): void {
    if (this.names === null) this.headerFields.push(text);
    else this.visitor.text(column, text);
  }

  private endRow(): void {
    const fields = this.column + 1;
    this.column = 0;
    if (this.names === null) {
      const names = this.headerFields.map((f, i) => (f === '' ? `column_${i}` : f));
      this.headerFields = [];
      if (new Set(names).size !== names.length) throw invalid(`${this.field}: duplicate column names in the header of ${this.file}`, this.field);
      this.useHeader(names);
      this.stop = this.headerOnly;
    } else {
      if (fields !== this.width) {
        throw invalid(`${this.field}: line ${this.recordLine} of ${this.file} has ${fields} fields, the header has ${this.width}`, this.field);
      }
      this.rows++;
    }
    this.recordLine = this.line;
  }
}
