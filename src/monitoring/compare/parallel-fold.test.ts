import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareFiles } from './compare-datasets.js';
import { readCsvHeader, readCsvRange, splitCsv } from './csv-range-reader.js';
import { RangeWorkers } from './parallel-fold.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-parallel-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

let seed = 11;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
const normal = () => Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());

/**
 * A file with what makes splitting hard: CRLF line ends, quoted fields (commas, doubled quotes,
 * line breaks), numbers written as quoted text, missing tokens, ties with the reference, and
 * categories first seen late in the file.
 */
function dataset(rows: number, shift: number, eol: string, quirks: boolean): string {
  const lines = ['x,y,z,cat,note,code'];
  for (let i = 0; i < rows; i++) {
    const x = quirks && i % 97 === 0 ? `"${(normal() + shift).toFixed(6)}"` : quirks && i % 89 === 0 ? 'NA' : String(normal() + shift);
    const y = (Math.round(random() * 40) / 4 + shift).toString(); // many ties
    const z = (random() ** 3 * 100 + shift).toPrecision(17);
    const cat = `c${Math.floor(random() * (i > rows / 2 ? 9 : 6))}`;
    const note = quirks && i % 13 === 0 ? `"a, ""b""${i % 26 === 0 ? '\nsecond line' : ''}"` : `n${i % 3}`;
    const code = String(i % 4);
    lines.push([x, y, z, cat, note, code].join(','));
  }
  return lines.join(eol) + eol;
}

describe('a compare on several threads', () => {
  const reference = write('ref.csv', dataset(3000, 0, '\n', false));

  it.each([
    ['LF, quoted fields with line breaks', '\n', true],
    ['CRLF, quoted fields with line breaks', '\r\n', true],
    ['CRLF, plain fields', '\r\n', false],
  ] as const)('gives the very report one thread gives (%s)', async (_name, eol, quirks) => {
    const current = write(`cur-${eol.length}-${quirks}.csv`, dataset(12_000, 0.2, eol, quirks));
    const one = await compareFiles(reference, current, { threads: 1 });
    expect(one.drift.features.length).toBe(6);
    for (const threads of [2, 3, 5]) {
      const many = await compareFiles(reference, current, { threads });
      expect(JSON.stringify(many), `${threads} threads`).toBe(JSON.stringify(one));
    }
  });

  it('reads a file whose cuts fall inside quoted line breaks in one piece, with the same report', async () => {
    // Every record holds a quoted line break: most cuts land inside one.
    const lines = ['x,note'];
    for (let i = 0; i < 5000; i++) lines.push(`${normal()},"line one\nline two ${i}\nline three"`);
    const current = write('breaks.csv', `${lines.join('\n')}\n`);
    const ref = write('breaks-ref.csv', `x,note\n${Array.from({ length: 500 }, (_, i) => `${normal()},n${i % 4}`).join('\n')}\n`);
    const one = await compareFiles(ref, current, { threads: 1 });
    const many = await compareFiles(ref, current, { threads: 4 });
    expect(many).toEqual(one);
    expect(many.current.rows).toBe(5000);
  });

  it('reports a bad row with its true line, whatever the threads', async () => {
    const lines = dataset(5000, 0, '\n', false).split('\n');
    lines[4321] = '1,2';
    const current = write('bad.csv', lines.join('\n'));
    await expect(compareFiles(reference, current, { threads: 3 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('line 4322') });
  });
});

describe('range workers', () => {
  it('start, take jobs and answer with their errors', async () => {
    const workers = new RangeWorkers(2);
    try {
      const results = await Promise.all(workers.run([0, 1].map((i) => ({ spill: { dir: path.join(dir, `none-${i}`), length: 0 }, columns: [] }))));
      for (const r of results) expect(String(r)).toMatch(/ENOENT/);
    } finally {
      await workers.close();
    }
  });
});

describe('CSV ranges', () => {
  it('cut after line feeds and together read every record once', () => {
    const text = dataset(2000, 0, '\r\n', false);
    const file = write('ranges.csv', `\ufeff${text}`);
    const header = readCsvHeader(file);
    expect(header.names).toEqual(['x', 'y', 'z', 'cat', 'note', 'code']);
    const ranges = splitCsv(file, header, 4);
    expect(ranges[0]!.start).toBe(header.dataStart);
    expect(ranges.at(-1)).toMatchObject({ end: header.size, last: true });
    let rows = 0;
    const codes: string[] = [];
    for (const range of ranges) {
      const r = readCsvRange(file, range, header.names, { header: () => [false, false, false, false, false, true], numbers: (_c, v, n) => codes.push(...Array.from(v.subarray(0, n), String)), text: () => {} });
      expect(r.clean).toBe(true);
      rows += r.rows;
    }
    expect(rows).toBe(2000);
    expect(codes.sort()).toEqual(text.trim().split('\r\n').slice(1).map((l) => l.split(',').at(-1)!).sort());
  });
});
