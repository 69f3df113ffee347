import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stale } from '../../../scripts/build-wasm.js';
import { below, cases, random } from '../../../test/support/decimal-cases.js';
import { CsvParser, type CsvVisitor, readCsv } from './csv-reader.js';
import { CsvScanner } from './csv-scanner.js';
import { decimalEnd, parseDecimal } from './parse-decimal.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-csv-scanner-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What a parser handed over, per column in order, and how it ended. */
interface Seen {
  numbers: number[][];
  texts: string[][];
  rows: number;
  error: string | null;
}

/**
 * Feed `bytes` to a parser in pieces of the given sizes, as readCsv feeds a file (what a parse
 * leaves unread moves to the buffer's start). `wasm`: the parser's own read buffer, so its
 * WebAssembly scanner runs; else a plain buffer, so only the JS path does.
 */
function feed(bytes: Buffer, pieces: number[], wasm: boolean): Seen {
  const seen: Seen = { numbers: [], texts: [], rows: 0, error: null };
  const visitor: CsvVisitor = {
    header: (names) => {
      seen.numbers = names.map(() => []);
      seen.texts = names.map(() => []);
    },
    numbers: (column, values, count) => {
      for (let i = 0; i < count; i++) seen.numbers[column]!.push(values[i]!);
    },
    text: (column, value) => seen.texts[column]!.push(value),
  };
  const parser = new CsvParser(visitor, 'mem.csv', 'current');
  const buf = wasm ? parser.readBuffer() : Buffer.allocUnsafe(1 << 20);
  let length = 0;
  let at = 0;
  try {
    for (let k = 0; ; k++) {
      const n = Math.min(pieces[k % pieces.length]!, bytes.length - at, buf.length - length);
      bytes.copy(buf, length, at, at + n);
      at += n;
      length += n;
      const final = at === bytes.length;
      const used = parser.parse(buf, 0, length, final);
      if (final) {
        parser.flushNumbers();
        break;
      }
      buf.copy(buf, 0, used, length);
      length -= used;
    }
  } catch (err) {
    seen.error = (err as Error).message;
  }
  seen.rows = parser.rows;
  return seen;
}

/** A CSV text with everything the scanner must either read or leave to the general path. */
function messyCsv(rows: number, columns: number, ragged: boolean): string {
  const numbers = cases(2000).filter((t) => t !== '');
  const field = (): string => {
    const r = random();
    if (r < 0.45) return numbers[below(numbers.length)]!;
    if (r < 0.6) return `c${below(7)}`;
    if (r < 0.68) return '';
    if (r < 0.74) return `"${numbers[below(numbers.length)]}"`;
    if (r < 0.8) return `"a, ""b""${random() < 0.5 ? '\nnext line' : ''}"`;
    if (r < 0.85) return ` ${below(100)}`;
    if (r < 0.9) return `${below(100)}x`;
    return String((random() - 0.5) * 10 ** below(6));
  };
  const eol = () => (random() < 0.6 ? '\n' : random() < 0.9 ? '\r\n' : '\r');
  let text = `${Array.from({ length: columns }, (_, i) => `c${i}`).join(',')}${eol()}`;
  for (let i = 0; i < rows; i++) {
    const width = ragged && i === rows - 7 ? columns + 1 : columns;
    text += Array.from({ length: width }, field).join(',') + eol();
    if (random() < 0.03) text += eol(); // a blank line
  }
  return random() < 0.5 ? text : text.slice(0, -1); // with or without a last line end
}

describe('CsvScanner: the WebAssembly inner loop of the CSV reader', () => {
  it('parses every kind of decimal text to the double parse-decimal.ts gives, stopping where it stops', () => {
    const scanner = new CsvScanner(1 << 10);
    let parsed = 0;
    for (const t of cases(60_000)) {
      const n = scanner.input.write(`${t},9`, 0, 'latin1');
      const wasm = scanner.parseNumber(0, n);
      const js = parseDecimal(Buffer.from(`${t},9`, 'latin1'), 0, n);
      expect(Object.is(wasm, js), `${t}: ${wasm} vs ${js}`).toBe(true);
      if (Number.isNaN(js)) continue;
      parsed++;
      expect(scanner.lastEnd, t).toBe(decimalEnd);
    }
    expect(parsed).toBeGreaterThan(30_000);
  });

  it.each([
    ['in one piece', [1 << 20]],
    ['in pieces that cut fields, quotes and CRLFs', [1, 2, 3, 5, 8, 13, 64, 1000, 4096]],
    ['in pieces of 7 bytes', [7]],
  ])('hands over what the JS path hands over (%s)', (_name, pieces) => {
    for (const [columns, ragged] of [[6, false], [6, true], [1, false], [1, true]] as const) {
      const bytes = Buffer.from(messyCsv(3000, columns, ragged), 'latin1');
      const js = feed(bytes, pieces, false);
      const wasm = feed(bytes, pieces, true);
      expect(js.error === null).toBe(!ragged);
      expect(wasm).toEqual(js);
      // Numbers came through (a ragged file stops at its bad row, before they are handed over).
      if (!ragged) expect(js.numbers.flat().length).toBeGreaterThan(800 * columns);
      else expect(js.error).toMatch(`has ${columns + 1} fields, the header has ${columns}`);
    }
  });

  it('leaves a file too wide for its memory to the JS path, with the same result', async () => {
    const width = 9000;
    const file = path.join(dir, 'wide.csv');
    const header = Array.from({ length: width }, (_, i) => `c${i}`).join(',');
    fs.writeFileSync(file, `${header}\n${Array.from({ length: width }, (_, i) => i * 0.5).join(',')}\n${Array.from({ length: width }, () => 'x').join(',')}\n`);
    let sum = 0;
    let texts = 0;
    // The scanner's memory has no room for its tables.
    expect(new CsvScanner(1 << 10).layout(new Uint8Array(width).fill(1), 256)).toBe(false);
    const r = await readCsv(file, { header: () => undefined, numbers: (_c, v, n) => { for (let i = 0; i < n; i++) sum += v[i]!; }, text: () => texts++ });
    expect(r.rows).toBe(2);
    expect(sum).toBe((0.5 * width * (width - 1)) / 2);
    expect(texts).toBe(width);
  });

  it('runs the binary its AssemblyScript source compiles to (npm run build:wasm writes it)', async () => {
    expect(await stale()).toEqual([]);
  }, 60_000);
});
