import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A spill file handed from the thread that wrote it to the one that replays it. */
export interface SpillFile {
  dir: string;
  length: number;
}

/**
 * The current file's numbers as the first pass found them, kept on disk for the second pass:
 * per batch of one column, its values (8 bytes each) and where each fell on the reference's grid
 * (4 bytes). Replaying it costs neither parsing nor locating, and it stays out of the process's
 * memory (the page cache holds it, or the disk). Written with plain synchronous appends; if the
 * disk refuses (full, read-only), the spill is abandoned and `failed` says so, and the caller
 * re-reads the current file instead.
 */
export class CurrentSpill {
  private readonly dir: string;
  private readonly file: string;
  private fd: number | null;
  private position = 0;
  private readonly header = new Int32Array(2);
  /** Why the spill was abandoned, if it was. */
  failed: string | null = null;

  constructor(parent = os.tmpdir(), adopted?: SpillFile) {
    this.dir = adopted?.dir ?? fs.mkdtempSync(path.join(parent, 'ascent-compare-'));
    this.file = path.join(this.dir, 'current.bin');
    this.fd = fs.openSync(this.file, adopted ? 'r' : 'w+');
    this.position = adopted?.length ?? 0;
  }

  /** Take over a spill another thread wrote and handed over (`handOver`); closing it deletes it. */
  static adopt(spill: SpillFile): CurrentSpill {
    return new CurrentSpill(undefined, spill);
  }

  /** Delete a spill that was handed over and will not be replayed (idempotent). */
  static discard(spill: SpillFile): void {
    fs.rmSync(spill.dir, { recursive: true, force: true });
  }

  /** Stop writing and hand the file to another thread (null if the spill was abandoned: nothing is left). */
  handOver(): SpillFile | null {
    if (this.fd === null) return null;
    fs.closeSync(this.fd);
    this.fd = null;
    return { dir: this.dir, length: this.position };
  }

  /** Append one batch: values[0, count) of `column` and their grid slots. */
  write(column: number, values: Float64Array, slots: Uint32Array, count: number): void {
    if (this.fd === null || count === 0) return;
    this.header[0] = column;
    this.header[1] = count;
    try {
      this.append(new Uint8Array(this.header.buffer));
      this.append(new Uint8Array(values.buffer, values.byteOffset, count * 8));
      this.append(new Uint8Array(slots.buffer, slots.byteOffset, count * 4));
    } catch (err) {
      this.failed = `the temporary file ${this.file} could not be written (${(err as Error).message})`;
      this.close();
    }
  }

  private append(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      done += fs.writeSync(this.fd!, bytes, done, bytes.length - done, this.position + done);
    }
    this.position += bytes.length;
  }

  /** Read every batch back, in the order written. */
  replay(onBatch: (column: number, values: Float64Array, slots: Uint32Array, count: number) => void): void {
    if (this.fd === null) throw new Error('CurrentSpill.replay: the spill was abandoned');
    const header = new Int32Array(2);
    let values = new Float64Array(0);
    let slots = new Uint32Array(0);
    let at = 0;
    while (at < this.position) {
      this.readFully(new Uint8Array(header.buffer), at);
      const [column, count] = [header[0]!, header[1]!];
      at += 8;
      if (values.length < count) {
        values = new Float64Array(count);
        slots = new Uint32Array(count);
      }
      this.readFully(new Uint8Array(values.buffer, 0, count * 8), at);
      at += count * 8;
      this.readFully(new Uint8Array(slots.buffer, 0, count * 4), at);
      at += count * 4;
      onBatch(column, values, slots, count);
    }
  }

  private readFully(into: Uint8Array, position: number): void {
    let done = 0;
    while (done < into.length) {
      const n = fs.readSync(this.fd!, into, done, into.length - done, position + done);
      if (n === 0) throw new Error('CurrentSpill: the temporary file is shorter than written');
      done += n;
    }
  }

  /** Close and delete the file (idempotent). */
  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
