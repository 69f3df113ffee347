/**
 * The steps of pipeline.yaml: plain TypeScript functions that read their inputs and write their
 * outputs as files (so they run the same on a worker), and log metrics to their step's run.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { StepContext } from '../../../src/pipelines/step-function.js';
import { buildMlModel, serializeMlModel } from '../../../src/registry/packages/manifest.js';

const FEATURES = ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Model_Year'] as const;

interface Split {
  features: string[];
  means: number[];
  stds: number[];
  x: number[][];
  y: number[];
}

interface Model {
  alpha: number;
  features: string[];
  means: number[];
  stds: number[];
  intercept: number;
  weights: number[];
  r2: number;
  rmse: number;
}

type Car = Record<string, number | string | null>;

/** Deterministic shuffle (mulberry32), so a seed fixes the split. */
function shuffled<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export async function prepare(ctx: StepContext): Promise<void> {
  const cars = JSON.parse(fs.readFileSync(ctx.inputs.cars!, 'utf8')) as Car[];
  const rows = cars
    .map((c): Car => ({ ...c, Model_Year: Number(String(c.Year).slice(0, 4)) }))
    .filter((c) => typeof c.Miles_per_Gallon === 'number' && FEATURES.every((f) => typeof (c as Car)[f] === 'number'));
  const order = shuffled(rows, Number(ctx.params.seed));
  const nTest = Math.round(order.length * Number(ctx.params.test_fraction));
  const test = order.slice(0, nTest);
  const train = order.slice(nTest);
  const column = (f: string, set: Car[]) => set.map((r) => r[f] as number);
  const means = FEATURES.map((f) => column(f, train).reduce((a, b) => a + b, 0) / train.length);
  const stds = FEATURES.map((f, i) => Math.sqrt(column(f, train).reduce((a, b) => a + (b - means[i]!) ** 2, 0) / train.length));
  const split = (set: Car[]): Split => ({
    features: [...FEATURES], means, stds,
    x: set.map((r) => FEATURES.map((f, i) => ((r[f] as number) - means[i]!) / stds[i]!)),
    y: set.map((r) => r.Miles_per_Gallon as number),
  });
  fs.writeFileSync(ctx.outputs.train!, JSON.stringify(split(train)));
  fs.writeFileSync(ctx.outputs.test!, JSON.stringify(split(test)));
  ctx.log(`${cars.length} cars, ${rows.length} complete: ${train.length} train / ${test.length} test`);
  await ctx.logMetric('rows_train', train.length);
  await ctx.logMetric('rows_test', test.length);
}

/** Solve (XᵀX + αI) w = Xᵀy by Gaussian elimination; the intercept is the mean of y (X is centred). */
function ridge(x: number[][], y: number[], alpha: number): { intercept: number; weights: number[] } {
  const d = x[0]!.length;
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const a = Array.from({ length: d }, (_v, i) => Array.from({ length: d + 1 }, (_w, j) => (j === d ? 0 : i === j ? alpha : 0)));
  x.forEach((row, n) => {
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) a[i]![j]! += row[i]! * row[j]!;
      a[i]![d]! += row[i]! * (y[n]! - mean);
    }
  });
  for (let col = 0; col < d; col++) {
    const pivot = a.slice(col).reduce((best, r, k) => (Math.abs(r[col]!) > Math.abs(a[best]![col]!) ? col + k : best), col);
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = 0; r < d; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / a[col]![col]!;
      for (let c = col; c <= d; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  return { intercept: mean, weights: a.map((r, i) => r[d]! / r[i]!) };
}

function score(split: Split, m: { intercept: number; weights: number[] }): { r2: number; rmse: number } {
  const pred = split.x.map((row) => m.intercept + row.reduce((s, v, i) => s + v * m.weights[i]!, 0));
  const mean = split.y.reduce((a, b) => a + b, 0) / split.y.length;
  const ssRes = split.y.reduce((s, v, i) => s + (v - pred[i]!) ** 2, 0);
  const ssTot = split.y.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { r2: 1 - ssRes / ssTot, rmse: Math.sqrt(ssRes / split.y.length) };
}

export async function train(ctx: StepContext): Promise<void> {
  const alpha = Number(ctx.item);
  const trainSet = JSON.parse(fs.readFileSync(ctx.inputs.train!, 'utf8')) as Split;
  const testSet = JSON.parse(fs.readFileSync(ctx.inputs.test!, 'utf8')) as Split;
  const fit = ridge(trainSet.x, trainSet.y, alpha);
  const { r2, rmse } = score(testSet, fit);
  const model: Model = { alpha, features: trainSet.features, means: trainSet.means, stds: trainSet.stds, ...fit, r2, rmse };
  fs.writeFileSync(ctx.outputs.model!, JSON.stringify(model, null, 2));
  ctx.log(`alpha=${alpha}: test r2=${r2.toFixed(4)} rmse=${rmse.toFixed(3)} mpg`);
  await ctx.logMetric('r2', r2);
  await ctx.logMetric('rmse', rmse);
}

export async function select(ctx: StepContext): Promise<void> {
  // One file per foreach item: models/0, models/1, …
  const dir = ctx.inputs.models!;
  const models = fs.readdirSync(dir).map((item) => JSON.parse(fs.readFileSync(path.join(dir, item), 'utf8')) as Model);
  const best = models.reduce((a, b) => (b.r2 > a.r2 ? b : a));
  for (const m of models) ctx.log(`alpha=${m.alpha}: r2=${m.r2.toFixed(4)}${m === best ? '  ← best' : ''}`);
  fs.writeFileSync(path.join(ctx.outputs.model!, 'model.json'), JSON.stringify(best, null, 2));
  // An MLflow-style package with a `js` flavor, so the registered version is servable as is.
  fs.writeFileSync(path.join(ctx.outputs.model!, 'model.mjs'), MODEL_MODULE);
  const signature = {
    inputs: best.features.map((name) => ({ type: 'double', name, required: true })),
    outputs: [{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1] } }],
    params: null,
  };
  fs.writeFileSync(path.join(ctx.outputs.model!, 'MLmodel'), serializeMlModel(buildMlModel({ flavors: { js: { entry: 'model.mjs' } }, signature })));
  fs.writeFileSync(path.join(ctx.outputs.model!, 'README.txt'), `Ridge regression of Miles_per_Gallon, alpha=${best.alpha}\nfeatures (raw units, standardized inside): ${best.features.join(', ')}\ntest r2=${best.r2.toFixed(4)} rmse=${best.rmse.toFixed(3)}\n`);
  await ctx.logMetric('r2', best.r2);
  await ctx.logMetric('rmse', best.rmse);
  await ctx.logMetric('alpha', best.alpha);
}

/** The served model: standardizes the six raw features with the training means and stds, then applies the weights. */
const MODEL_MODULE = `import fs from 'node:fs/promises';
import path from 'node:path';

export const metadata = {
  inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, ${FEATURES.length}] }],
  outputs: [{ name: 'mpg', datatype: 'FP32', shape: [-1] }],
};

export async function load({ packageDir }) {
  return JSON.parse(await fs.readFile(path.join(packageDir, 'model.json'), 'utf8'));
}

export function predict(inputs, m) {
  const x = inputs[0];
  const n = x.shape[0], k = x.shape[1];
  const out = [];
  for (let r = 0; r < n; r++) {
    let y = m.intercept;
    for (let j = 0; j < k; j++) y += ((Number(x.data[r * k + j]) - m.means[j]) / m.stds[j]) * m.weights[j];
    out.push(y);
  }
  return [{ name: 'mpg', datatype: 'FP32', shape: [n], data: out }];
}
`;
