import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CsvVisitor, readCsv } from './csv-reader.js';
import { parseDecimal } from './parse-decimal.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-csv-reader-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, content: string | Buffer) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
};

/**
 * Read a file into per-column lists of what the visitor saw: numbers as numbers, texts as strings.
 * Numbers come in batches, so within a column they are listed first (their order relative to
 * texts is not kept: every consumer folds order-free).
 */
async function read(file: string, wanted?: boolean[]): Promise<{ names: string[]; rows: number; cells: (number | string)[][] }> {
  let cells: (number | string)[][] = [];
  const visitor: CsvVisitor = {
    header: (names) => {
      cells = names.map(() => []);
      return wanted;
    },
    numbers: (column, values, count) => {
      for (let i = 0; i < count; i++) cells[column]!.push(values[i]!);
    },
    text: () => {},
  };
  const texts = new Map<number, string[]>();
  const textVisitor: CsvVisitor = {
    ...visitor,
    text: (column, value) => {
      if (!texts.has(column)) texts.set(column, []);
      texts.get(column)!.push(value);
    },
  };
  const r = await readCsv(file, textVisitor, 'current');
  return { names: r.columns, rows: r.rows, cells: cells.map((c, i) => [...c, ...(texts.get(i) ?? [])]) };
}

describe('readCsv: a byte-level streaming CSV reader', () => {
  it('reads quoted fields (commas, doubled quotes, newlines), CRLF, empty fields and a BOM', async () => {
    const file = write('q.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x,"na,me",z\r\n1.5,"a ""b""",\r\n-2,"two\nlines",""\r\n,été,3e2\r\n')]));
    const r = await read(file);
    expect(r.names).toEqual(['x', 'na,me', 'z']);
    expect(r.rows).toBe(3);
    expect(r.cells[0]).toEqual([1.5, -2, '']);
    expect(r.cells[1]).toEqual(['a "b"', 'two\nlines', 'été']);
    expect(r.cells[2]).toEqual([300, '', '']);
  });

  it('skips blank lines, reads a last line without a line end, and delivers only the wanted columns', async () => {
    const r = await read(write('b.csv', 'a,b\n\n1,x\r\n\r\n2,y'), [false, true]);
    expect(r.rows).toBe(2);
    expect(r.cells).toEqual([[], ['x', 'y']]);
  });

  it('leaves numbers it cannot parse exactly, and non-numbers, to the caller as text', async () => {
    const r = await read(write('n.csv', 'v\n0.1\n1e400\n12345678901234567890\n 7\n0x10\n1.5x\nNaN\n-0\n'));
    expect(r.cells[0]).toEqual([0.1, -0, '1e400', '12345678901234567890', ' 7', '0x10', '1.5x', 'NaN']);
  });

  it('parses the same whatever the chunk boundaries (fields across 1 MB reads)', async () => {
    const lines = ['a,b'];
    for (let i = 0; i < 120_000; i++) lines.push(`${(i * 0.37).toFixed(3)},"q${i % 5}\n${i % 3}"`);
    const r = await read(write('big.csv', `${lines.join('\r\n')}\r\n`));
    expect(r.rows).toBe(120_000);
    expect(r.cells[0]!.length).toBe(120_000);
    expect((r.cells[0] as number[]).reduce((s, v) => s + v, 0)).toBeCloseTo(Array.from({ length: 120_000 }, (_, i) => Number((i * 0.37).toFixed(3))).reduce((s, v) => s + v, 0), 6);
    expect(r.cells[1]![119_999]).toBe('q4\n2');
  });

  it('rejects ragged rows, unterminated quotes and text after a closing quote, naming the line', async () => {
    await expect(readCsv(write('r1.csv', 'a,b\n1,2\n3\n'), { header: () => undefined, numbers: () => {}, text: () => {} }, 'current')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT', field: 'current', message: expect.stringMatching(/line 3 .* has 1 fields, the header has 2/),
    });
    // Numbers in every column (the fast path, line ends included) still count lines and fields.
    await expect(readCsv(write('r3.csv', 'a,b\n1,2\n3.5,-4e1\n\n5,6,7\n'), { header: () => undefined, numbers: () => {}, text: () => {} }, 'current')).rejects.toMatchObject({
      message: expect.stringMatching(/line 5 .* has 3 fields, the header has 2/),
    });
    await expect(readCsv(write('r2.csv', 'a,b\n"x\ny",2,3\n'), { header: () => undefined, numbers: () => {}, text: () => {} }, 'current')).rejects.toMatchObject({
      message: expect.stringMatching(/line 2 .* has 3 fields/),
    });
    await expect(readCsv(write('u.csv', 'a,b\n1,"2\n'), { header: () => undefined, numbers: () => {}, text: () => {} }, 'reference')).rejects.toMatchObject({
      field: 'reference', message: expect.stringMatching(/unterminated quoted field starting at line 2/),
    });
    await expect(readCsv(write('t.csv', 'a,b\n1,"2"x\n'), { header: () => undefined, numbers: () => {}, text: () => {} }, 'current')).rejects.toMatchObject({
      message: expect.stringMatching(/line 2 .*text after the closing quote of field 2/),
    });
    await expect(readCsv(write('e.csv', ''), { header: () => undefined, numbers: () => {}, text: () => {} }, 'current')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(readCsv(path.join(dir, 'none.csv'), { header: () => undefined, numbers: () => {}, text: () => {} }, 'current')).rejects.toMatchObject({ field: 'current' });
  });
});

describe('parseDecimal: exact numbers from bytes', () => {
  it('gives the double Number() gives, or NaN to say "ask Number()"', () => {
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    const texts: string[] = ['0', '-0', '5.', '.5', '+5', '1E+05', '007', '4503599627370497.5', '9007199254740993', '0.1', '1e22', '1e23'];
    // Fractions read four digits at a time: every split of 9 + 8 significant digits, leading zeros.
    texts.push('0.18276756304178315', '40.279741198143874', '118.95470138572746', '-0.0012345678901234567', '123456789.12345678', '1.2345678901234567e-3', '9.99999999', '0.000099999999999999');
    for (let i = 0; i < 20_000; i++) {
      const x = (random() - 0.5) * 10 ** Math.floor(random() * 30 - 15);
      texts.push(String(x), x.toPrecision(17), x.toPrecision(16), x.toPrecision(1 + Math.floor(random() * 17)));
    }
    let exact = 0;
    for (const t of texts) {
      const bytes = Buffer.from(t);
      const v = parseDecimal(bytes, 0, bytes.length);
      if (Number.isNaN(v)) continue;
      exact++;
      expect(Object.is(v, Number(t)), t).toBe(true);
    }
    // Most parse here (the rest have decimal exponents beyond ±22 or sit on a rounding tie).
    expect(exact).toBeGreaterThan(texts.length * 0.6);
  });
});
