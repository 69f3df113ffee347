import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { populationStd } from '../stats/drift-tests.js';
import type { ColumnBuilder } from './column-builder.js';
import { readCsvColumns } from './csv-columns.js';
import { RangeWorkers } from './parallel-fold.js';
import { readReferenceInParallel, sortInParallel } from './parallel-reference.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-parallel-reference-'));
let workers: RangeWorkers;
beforeAll(() => {
  workers = new RangeWorkers(3);
});
afterAll(async () => {
  await workers.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

let seed = 5;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;

/**
 * What order or a cut could change: numbers (some quoted, some missing), an integer column of few
 * values (categorical: its categories keep their order of first appearance), categories first seen
 * in the last part, a column of numbers that turns into free text, CRLF line ends.
 */
function reference(rows: number, quotedBreaks: boolean): string {
  const lines = ['x,level,cat,mixed,note'];
  for (let i = 0; i < rows; i++) {
    const x = i % 101 === 0 ? 'NA' : i % 37 === 0 ? `"${(random() * 10).toFixed(4)}"` : String(random() * 10 - 5);
    const level = String(Math.floor(random() * (i > rows * 0.8 ? 7 : 3)));
    const cat = `c${Math.floor(random() * (i > rows * 0.7 ? 12 : 4))}`;
    const mixed = i > rows * 0.3 ? `t${i}` : String(i % 50);
    const note = quotedBreaks && i % 500 === 0 ? '"two\r\nlines"' : `n${i % 3}`;
    lines.push([x, level, cat, mixed, note].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Everything a comparison reads from a reference column. */
function state(c: ColumnBuilder) {
  const type = c.inferType();
  const sample = type === 'text' ? null : c.toSample(type);
  return {
    name: c.name,
    type,
    missing: c.missing,
    sorted: sample?.kind === 'numeric' ? Array.from(sample.sorted) : null,
    counts: sample?.kind === 'categorical' ? [...sample.counts] : null,
    strings: [...c.strings],
  };
}

describe('the reference on several threads', () => {
  it('gives the columns one read of the file gives: values, categories in order of first appearance, types, missing counts', async () => {
    const file = write('ref.csv', reference(20_000, false));
    const one = await readCsvColumns(file, 'reference');
    const many = await readReferenceInParallel(file, 'reference', workers);
    expect(many).not.toBeNull();
    expect(many!.rows).toBe(one.rows);
    expect(many!.columns.map((c) => c.inferType())).toEqual(['numeric', 'categorical', 'categorical', 'text', 'categorical']);
    // Same values in the same order (the categorical `level` counts follow it).
    expect(Array.from(many!.columns[1]!.unsortedNumbers())).toEqual(Array.from(one.columns[1]!.unsortedNumbers()));
    expect(many!.columns.map(state)).toEqual(one.columns.map(state));
  });

  it('sorts numeric columns in place on every thread, with their standard deviations', async () => {
    const file = write('sort.csv', reference(20_000, false));
    const columns = (await readReferenceInParallel(file, 'reference', workers))!.columns;
    // x, and the numbers among mixed's texts.
    const numeric = [columns[0]!, columns[3]!];
    const expected = numeric.map((c) => Float64Array.from(c.unsortedNumbers()).sort());
    const stds = await sortInParallel(numeric, workers);
    numeric.forEach((c, i) => {
      expect(Array.from(c.unsortedNumbers())).toEqual(Array.from(expected[i]!));
      expect(stds.get(c.name)).toBe(populationStd(expected[i]!));
      // Marked sorted: the sample is the array as it is.
      expect(Array.from((c.toSample('numeric') as { sorted: Float64Array }).sorted)).toEqual(Array.from(expected[i]!));
    });
  });

  it('leaves a file whose cuts fall inside quoted line breaks to a read in one piece', async () => {
    // Every record holds a quoted line break: a cut lands inside one.
    const lines = ['x,note'];
    for (let i = 0; i < 3000; i++) lines.push(`${i},"one\ntwo ${i}"`);
    expect(await readReferenceInParallel(write('breaks.csv', `${lines.join('\n')}\n`), 'reference', workers)).toBeNull();
    expect(await readReferenceInParallel(path.join(dir, 'none.csv'), 'reference', workers)).toBeNull();
  });
});
