import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareFiles } from './compare-datasets.js';
import { readCsvColumns } from './csv-columns.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-csv-'));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('CSV columns', () => {
  it('reads quoted fields, doubled quotes, CRLF, missing tokens and infinities', async () => {
    const file = write('a.csv', 'x,city,note\r\n1.5,"Paris, FR","say ""hi"""\r\nNA,Lyon,\r\ninf,"multi\nline",ok\r\n-2,Nice,x\r\n');
    const cols = await readCsvColumns(file);
    expect(cols.rows).toBe(4);
    const [x, city, note] = cols.columns;
    expect(x!.missing).toBe(2);
    expect(Array.from(x!.numbers())).toEqual([1.5, -2]);
    expect([...city!.strings.keys()]).toEqual(['Paris, FR', 'Lyon', 'multi\nline', 'Nice']);
    expect(note!.strings.get('say "hi"')).toBe(1);
    expect(note!.missing).toBe(1);
  });

  it('parses the same whatever the chunk boundaries (a 3 MB file)', async () => {
    const lines = ['a,b'];
    for (let i = 0; i < 150_000; i++) lines.push(`${i * 0.5},"q${i % 7}"`);
    const cols = await readCsvColumns(write('big.csv', `${lines.join('\n')}\n`));
    expect(cols.rows).toBe(150_000);
    const a = cols.columns[0]!.numbers();
    expect(a[149_999]).toBe(149_999 * 0.5);
    expect([...cols.columns[1]!.strings.values()].reduce((s, v) => s + v, 0)).toBe(150_000);
  });

  it('rejects ragged rows and unterminated quotes with the file field named', async () => {
    await expect(readCsvColumns(write('r.csv', 'a,b\n1,2\n3\n'), 'current')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'current' });
    await expect(readCsvColumns(write('q.csv', 'a,b\n1,"2\n'), 'reference')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'reference' });
    await expect(readCsvColumns(path.join(dir, 'missing.csv'), 'reference')).rejects.toMatchObject({ field: 'reference' });
  });

  it('compares files: schema differences, type errors, unseen categories, drift verdicts', async () => {
    const ref = ['num,cat,id'];
    const cur = ['num,cat,extra'];
    for (let i = 0; i < 2000; i++) ref.push(`${(i % 100) / 10},${['a', 'b', 'c'][i % 3]},${i}`);
    for (let i = 0; i < 1500; i++) cur.push(`${i === 0 ? 'oops' : (i % 100) / 10 + 3},${['a', 'b', 'z'][i % 3]},1`);
    const report = await compareFiles(write('ref.csv', `${ref.join('\n')}\n`), write('cur.csv', `${cur.join('\n')}\n`));
    expect(report.schema.missingInCurrent).toEqual(['id']);
    expect(report.schema.extraInCurrent).toEqual(['extra']);
    const q = new Map(report.quality.map((x) => [x.feature, x]));
    expect(q.get('num')!.typeErrors).toBe(1);
    expect(q.get('num')!.outOfRange).toBeGreaterThan(0);
    expect(q.get('cat')!.unseenCategories).toBe(500);
    expect(report.drift.features.every((f) => f.drifted)).toBe(true);
    expect(report.drift.datasetDrift).toBe(true);
  });
});
