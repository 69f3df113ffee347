import { CSV_SCAN_WASM } from './csv-scan-wasm.js';

/**
 * The JS side of the CSV reader's WebAssembly inner loop (assembly/csv-scan.ts): it scans the
 * plain fields of a buffer that lives in the module's memory, parses the numbers of delivered
 * columns into their batches (also in that memory) and lists the other delivered fields as text
 * events; it stops at anything that needs care (quotes, a lone CR, a blank line, a wrong field
 * count, a field the buffer cuts) for the reader's general path (csv-reader.ts). The numbers are
 * the very doubles parse-decimal.ts gives: the same algorithm, ported.
 *
 * Memory is laid out once: the read buffer first, then the column tables, the events and the
 * batches. The memory is grown to its final size before any view of it is taken, because growing
 * detaches every view (the read buffer included); a layout that does not fit leaves the scanner
 * unused and the reader on its JS path.
 */

const EVENT_CAPACITY = 4096;
// Columns and batch numbers the reserved memory has room for (csv-reader.ts hands over at most
// 2^21 numbers at a time, so wider files use batches of 256 and need more: those stay on JS).
const MAX_COLUMNS = 8192;
const MAX_BATCH_NUMBERS = 1 << 21;
const PAGE = 65536;

// The WebAssembly API, as far as this file uses it (the project's libs do not declare it).
interface WasmGlobal {
  value: number;
}
interface Exports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  heapBase(): number;
  setup(width: number, wanted: number, batches: number, filled: number, size: number, events: number, capacity: number): void;
  scan(p: number, end: number, column: number): number;
  parseOne(start: number, end: number): number;
  lastEnd(): number;
  status: WasmGlobal;
  FLUSH: WasmGlobal;
  EVENTS: WasmGlobal;
  column: WasmGlobal;
  rows: WasmGlobal;
  eventCount: WasmGlobal;
  fullColumn: WasmGlobal;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | null = null;
function instantiate(): Exports {
  compiled ??= new wasm.Module(Buffer.from(CSV_SCAN_WASM, 'base64'));
  const instance = new wasm.Instance(compiled, {
    env: {
      abort: () => {
        throw new Error('csv-scan: abort');
      },
    },
  });
  return instance.exports as Exports;
}

const align = (n: number, to: number) => Math.ceil(n / to) * to;

export class CsvScanner {
  /** The read buffer: `capacity` bytes at the start of the module's memory. */
  readonly input: Buffer<ArrayBuffer>;
  /** Per column: its batch of parsed numbers (empty when the column is not delivered). */
  batches: Float64Array[] = [];
  /** Per column: numbers in its batch. */
  filled: Int32Array = new Int32Array(0);
  /** The text events of the last scan: (column, start, end) triples, offsets into `input`. */
  private events: Int32Array = new Int32Array(0);
  private ready = false;
  private readonly base: number;
  private readonly tables: number;
  private readonly x: Exports;

  constructor(capacity: number) {
    this.x = instantiate();
    this.base = align(this.x.heapBase(), 16);
    this.tables = align(this.base + capacity, 16);
    const total = this.tables + MAX_COLUMNS * 9 + EVENT_CAPACITY * 12 + 16 + MAX_BATCH_NUMBERS * 8;
    const pages = Math.ceil(total / PAGE) - this.x.memory.buffer.byteLength / PAGE;
    if (pages > 0) this.x.memory.grow(pages);
    this.input = Buffer.from(this.x.memory.buffer, this.base, capacity);
  }

  /** Lay out the columns (delivered ones have `wanted[i] === 1`) with batches of `batchSize`; false when they do not fit (then do not scan). */
  layout(wanted: Uint8Array, batchSize: number): boolean {
    const width = wanted.length;
    const delivered = wanted.reduce((n, w) => n + w, 0);
    if (width > MAX_COLUMNS || delivered * batchSize > MAX_BATCH_NUMBERS) return false;
    const memory = this.x.memory.buffer;
    const wantedAt = this.tables;
    const batchAt = align(wantedAt + width, 4);
    const filledAt = batchAt + 4 * width;
    const eventsAt = filledAt + 4 * width;
    let at = align(eventsAt + 12 * EVENT_CAPACITY, 8);
    new Uint8Array(memory, wantedAt, width).set(wanted);
    const batchTable = new Int32Array(memory, batchAt, width);
    this.batches = Array.from(wanted, (w, i) => {
      if (!w) return new Float64Array(0);
      batchTable[i] = at;
      const batch = new Float64Array(memory, at, batchSize);
      at += 8 * batchSize;
      return batch;
    });
    this.filled = new Int32Array(memory, filledAt, width).fill(0);
    this.events = new Int32Array(memory, eventsAt, 3 * EVENT_CAPACITY);
    this.x.setup(width, wantedAt, batchAt, filledAt, batchSize, eventsAt, EVENT_CAPACITY);
    this.ready = true;
    return true;
  }

  /** Whether `layout` succeeded. */
  get usable(): boolean {
    return this.ready;
  }

  /** Scan input[p, end) from a field start in `column`; returns where it stopped (see `status`). */
  scan(p: number, end: number, column: number): number {
    return this.x.scan(this.base + p, this.base + end, column) - this.base;
  }

  /**
   * Why the last scan stopped (the codes are the module's own): 'flush', a column's batch is full
   * (`fullColumn`: hand it over, then scan on); 'events', the text events fill their list (deliver
   * them, then scan on); 'field', the field where it stopped needs the general path, or the data ran out.
   */
  get stop(): 'flush' | 'events' | 'field' {
    const status = this.x.status.value;
    return status === this.x.FLUSH.value ? 'flush' : status === this.x.EVENTS.value ? 'events' : 'field';
  }

  /** The column of the field where the last scan stopped. */
  get column(): number {
    return this.x.column.value;
  }

  /** Rows the last scan ended. */
  get rows(): number {
    return this.x.rows.value;
  }

  /** The column whose batch the last scan filled (when it stopped for 'flush'). */
  get fullColumn(): number {
    return this.x.fullColumn.value;
  }

  /** Text events of the last scan. */
  get eventCount(): number {
    return this.x.eventCount.value;
  }

  /** Event i of the last scan: its column, and its field's [start, end) in `input`. */
  eventColumn(i: number): number {
    return this.events[3 * i]!;
  }

  eventStart(i: number): number {
    return this.events[3 * i + 1]! - this.base;
  }

  eventEnd(i: number): number {
    return this.events[3 * i + 2]! - this.base;
  }

  /** For tests: the scanner's number parser on input[start, end) (NaN: none or not exact; see `lastEnd`). */
  parseNumber(start: number, end: number): number {
    return this.x.parseOne(this.base + start, this.base + end);
  }

  /** Where the last `parseNumber` stopped, as an offset into `input`. */
  get lastEnd(): number {
    return this.x.lastEnd() - this.base;
  }
}
