import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAscentError } from '../core/errors.js';
import { IRIS, SKIP_PYTHON, makeOnnxPackage, runFixtureScript } from '../../test/fixtures/serving/iris-packages.js';
import { scoreFile, type BatchScoreOptions } from './batch-scorer.js';
import type { LoadedModel } from './model-runtime.js';
import { OnnxRuntime } from './runtimes/onnx-runtime.js';
import { readLocalPackage } from './runtimes/package-dir.js';

// Real files (CSV, JSON lines, parquet written by pandas/pyarrow) scored through the real ONNX runtime.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-batch-'));
const runtime = new OnnxRuntime();
let model: BatchScoreOptions['model'] & LoadedModel;
const csvFile = path.join(dir, 'iris.csv');
const jsonlFile = path.join(dir, 'iris.jsonl');

beforeAll(async () => {
  const pkg = makeOnnxPackage(path.join(dir, 'pkg'));
  model = Object.assign(await runtime.load({ name: 'iris', version: '1', packageDir: pkg }), { signature: (await readLocalPackage(pkg)).signature });
  fs.writeFileSync(csvFile, `${IRIS.features.join(',')}\n${IRIS.rows.map((r) => r.join(',')).join('\n')}\n`);
  // Columns in another order than the signature's, as JSON lines: the codec orders them.
  fs.writeFileSync(jsonlFile, IRIS.rows.map((r) => JSON.stringify(Object.fromEntries(IRIS.features.map((f, j) => [f, r[j]]).reverse()))).join('\n'));
});
afterAll(async () => {
  await runtime.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const readJsonl = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const accuracy = (labels: unknown[]) => labels.filter((l, i) => l === IRIS.labels[i]).length / IRIS.labels.length;

describe('batch scoring', () => {
  it('scores a CSV file into JSON lines, in input order, with progress', async () => {
    const progress: number[] = [];
    const out = path.join(dir, 'out.jsonl');
    const result = await scoreFile({ model, input: csvFile, output: out, batchSize: 40, onProgress: (p) => progress.push(p.rows) });
    expect([result.rows, result.batches]).toEqual([150, 4]);
    expect(progress).toEqual([40, 80, 120, 150]);
    const rows = readJsonl(out);
    expect(rows).toHaveLength(150);
    expect(accuracy(rows.map((r) => r.label))).toBeGreaterThan(0.9);
    expect(rows[0]!.probabilities).toHaveLength(3);
  });

  it('gives the same output whatever the batch size and concurrency', async () => {
    const a = path.join(dir, 'a.jsonl');
    const b = path.join(dir, 'b.jsonl');
    await scoreFile({ model, input: jsonlFile, output: a, batchSize: 1000 });
    await scoreFile({ model, input: jsonlFile, output: b, batchSize: 7, concurrency: 4 });
    expect(fs.readFileSync(b, 'utf8')).toBe(fs.readFileSync(a, 'utf8'));
    expect(accuracy(readJsonl(a).map((r) => r.label))).toBeGreaterThan(0.9);
  });

  it('writes CSV with the input columns kept', async () => {
    const out = path.join(dir, 'out.csv');
    await scoreFile({ model, input: csvFile, output: out, keepInput: true });
    const [header, first] = fs.readFileSync(out, 'utf8').split('\n');
    expect(header).toBe([...IRIS.features, 'label', 'probabilities'].join(','));
    expect(first!.startsWith(`${IRIS.rows[0]!.join(',')},0,"[`)).toBe(true);
  });

  it('a bad row fails the job naming the row, and leaves no output behind', async () => {
    const bad = path.join(dir, 'bad.csv');
    const lines = IRIS.rows.map((r) => r.join(','));
    lines[41] = '5.0,3.4,oops,0.2';
    fs.writeFileSync(bad, `${IRIS.features.join(',')}\n${lines.join('\n')}\n`);
    const out = path.join(dir, 'never.jsonl');
    const err = await scoreFile({ model, input: bad, output: out, batchSize: 10 }).then(() => null, (e: unknown) => e);
    expect(isAscentError(err) && [err.code, err.message]).toEqual(['INVALID_ARGUMENT', "input row 42 'petal_length': expected double, got string 'oops'"]);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('never') || f.includes('.partial'))).toEqual([]);
    const missing = await scoreFile({ model, input: path.join(dir, 'nope.csv'), output: out }).then(() => null, (e: unknown) => e);
    expect(isAscentError(missing) && missing.code).toBe('NOT_FOUND');
    const unknown = await scoreFile({ model, input: path.join(dir, 'x.xlsx'), output: out }).then(() => null, (e: unknown) => e);
    expect(isAscentError(unknown) && unknown.field).toBe('input');
  });

  it.skipIf(SKIP_PYTHON)('reads parquet written by pandas (pyarrow) in row ranges', async () => {
    const file = path.join(dir, 'iris.parquet');
    await runFixtureScript('parquet', file);
    const out = path.join(dir, 'parquet.jsonl');
    const result = await scoreFile({ model, input: file, output: out, batchSize: 64 });
    expect([result.rows, result.batches]).toEqual([150, 3]);
    expect(readJsonl(out).map((r) => r.label)).toEqual(readJsonl(path.join(dir, 'out.jsonl')).map((r) => r.label));
  }, 120_000);
});
