/**
 * Train a linear regression that predicts a car's fuel economy (Miles_per_Gallon) from its
 * specifications, on the real `cars` dataset shipped by the `vega-datasets` npm package (406 cars
 * from the 1970s and early 1980s, StatLib). Every learning rate of a small sweep is one run,
 * nested under a parent "sweep" run; each logs params, per-epoch loss and RMSE curves, the dataset
 * as an input, and a model.json plus a text report as artifacts — all through Ascent's SDK.
 *
 *   ASCENT_URL=http://127.0.0.1:5000 node --import tsx examples/typescript/train-cars.ts
 *
 * Environment: ASCENT_URL (default http://127.0.0.1:5000), ASCENT_EXPERIMENT (default
 * "cars-mpg"), EPOCHS (default 150). Nothing is downloaded: the data is read from node_modules.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { AscentClient, type RunHandle } from '../../src/sdk/index.js';

const FEATURES = ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Model_Year'] as const;
const TARGET = 'Miles_per_Gallon';
const LEARNING_RATES = [0.003, 0.01, 0.03, 0.1];
const SEED = 42;
const VALIDATION_SHARE = 0.2;
const USER = process.env.USER || os.userInfo().username;

interface CarRow {
  Name: string;
  Miles_per_Gallon: number | null;
  Cylinders: number | null;
  Displacement: number | null;
  Horsepower: number | null;
  Weight_in_lbs: number | null;
  Acceleration: number | null;
  Year: string;
  Origin: string;
}

interface Split {
  x: number[][];
  y: number[];
}

/** A fitted model in original units: prediction = intercept + Σ weight·(x − mean)/std. */
interface LinearModel {
  features: readonly string[];
  target: string;
  intercept: number;
  weights: number[];
  means: number[];
  stds: number[];
}

/** The `cars` file inside the installed vega-datasets package (its exports expose only code). */
function carsPath(): string {
  const entry = createRequire(import.meta.url).resolve('vega-datasets');
  let dir = path.dirname(entry);
  while (!fs.existsSync(path.join(dir, 'data', 'cars.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cars.json not found above ${entry}`);
    dir = parent;
  }
  return path.join(dir, 'data', 'cars.json');
}

/** Rows with a value for the target and every feature; the model year comes from the `Year` date. */
function toExamples(rows: CarRow[]): Split {
  const x: number[][] = [];
  const y: number[] = [];
  for (const row of rows) {
    const values = [row.Cylinders, row.Displacement, row.Horsepower, row.Weight_in_lbs, row.Acceleration, Number(row.Year.slice(0, 4))];
    if (row.Miles_per_Gallon === null || values.some((v) => v === null || !Number.isFinite(v))) continue;
    x.push(values as number[]);
    y.push(row.Miles_per_Gallon);
  }
  return { x, y };
}

/** Deterministic shuffle (mulberry32) so every run of the example splits the data the same way. */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function splitData(data: Split): { train: Split; validation: Split } {
  const order = shuffled(
    data.y.map((_, i) => i),
    SEED,
  );
  const cut = Math.round(order.length * (1 - VALIDATION_SHARE));
  const pick = (idx: number[]): Split => ({ x: idx.map((i) => data.x[i]!), y: idx.map((i) => data.y[i]!) });
  return { train: pick(order.slice(0, cut)), validation: pick(order.slice(cut)) };
}

/** Column means and standard deviations of the training features (validation reuses them). */
function standardization(x: number[][]): { means: number[]; stds: number[] } {
  const n = x.length;
  const means = FEATURES.map((_, j) => x.reduce((s, row) => s + row[j]!, 0) / n);
  const stds = FEATURES.map((_, j) => Math.sqrt(x.reduce((s, row) => s + (row[j]! - means[j]!) ** 2, 0) / n) || 1);
  return { means, stds };
}

function predict(model: LinearModel, row: number[]): number {
  let sum = model.intercept;
  for (let j = 0; j < model.weights.length; j++) sum += model.weights[j]! * ((row[j]! - model.means[j]!) / model.stds[j]!);
  return sum;
}

function mse(model: LinearModel, data: Split): number {
  let sum = 0;
  for (let i = 0; i < data.y.length; i++) sum += (predict(model, data.x[i]!) - data.y[i]!) ** 2;
  return sum / data.y.length;
}

/** One full-batch gradient-descent step on the mean squared error. */
function step(model: LinearModel, data: Split, learningRate: number): void {
  const n = data.y.length;
  const grad = new Array<number>(model.weights.length).fill(0);
  let gradIntercept = 0;
  for (let i = 0; i < n; i++) {
    const row = data.x[i]!;
    const err = predict(model, row) - data.y[i]!;
    gradIntercept += (2 * err) / n;
    for (let j = 0; j < grad.length; j++) grad[j]! += ((2 * err) / n) * ((row[j]! - model.means[j]!) / model.stds[j]!);
  }
  model.intercept -= learningRate * gradIntercept;
  for (let j = 0; j < grad.length; j++) model.weights[j]! -= learningRate * grad[j]!;
}

function report(model: LinearModel, learningRate: number, epochs: number, trainRmse: number, valRmse: number): string {
  const lines = [
    `Linear regression of ${TARGET} on the vega-datasets "cars" table`,
    `learning rate ${learningRate}, ${epochs} epochs of full-batch gradient descent on standardized features`,
    '',
    `train RMSE      ${trainRmse.toFixed(3)} mpg`,
    `validation RMSE ${valRmse.toFixed(3)} mpg`,
    '',
    'weights (per standard deviation of the feature):',
    `  intercept      ${model.intercept.toFixed(3)}`,
    ...FEATURES.map((f, j) => `  ${f.padEnd(14)} ${model.weights[j]!.toFixed(3)}`),
    '',
  ];
  return lines.join('\n');
}

async function trainOne(options: {
  client: AscentClient;
  experimentName: string;
  parentRunId: string;
  learningRate: number;
  epochs: number;
  train: Split;
  validation: Split;
  logDataset: (run: RunHandle) => Promise<void>;
  workDir: string;
}): Promise<{ runId: string; valRmse: number }> {
  const { client, learningRate, epochs, train, validation } = options;
  return client.withRun(
    {
      experimentName: options.experimentName,
      runName: `lr-${learningRate}`,
      parentRunId: options.parentRunId,
      userId: USER,
      tags: { model_type: 'linear-regression', framework: 'plain-typescript' },
    },
    async (run) => {
      await run.logParams({
        learning_rate: learningRate,
        epochs,
        features: FEATURES.join(','),
        target: TARGET,
        train_rows: train.y.length,
        validation_rows: validation.y.length,
        seed: SEED,
      });
      await options.logDataset(run);
      const { means, stds } = standardization(train.x);
      const model: LinearModel = {
        features: FEATURES,
        target: TARGET,
        intercept: train.y.reduce((s, v) => s + v, 0) / train.y.length,
        weights: FEATURES.map(() => 0),
        means,
        stds,
      };
      let trainLoss = mse(model, train);
      let valLoss = mse(model, validation);
      for (let epoch = 1; epoch <= epochs; epoch++) {
        step(model, train, learningRate);
        trainLoss = mse(model, train);
        valLoss = mse(model, validation);
        await run.logMetrics(
          { train_loss: trainLoss, val_loss: valLoss, train_rmse: Math.sqrt(trainLoss), val_rmse: Math.sqrt(valLoss) },
          epoch,
        );
      }
      const dir = fs.mkdtempSync(path.join(options.workDir, `lr-${learningRate}-`));
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(model, null, 2));
      fs.writeFileSync(path.join(dir, 'report.txt'), report(model, learningRate, epochs, Math.sqrt(trainLoss), Math.sqrt(valLoss)));
      await run.logArtifact(path.join(dir, 'model.json'), 'model');
      await run.logArtifact(path.join(dir, 'report.txt'));
      console.log(`  lr=${String(learningRate).padEnd(6)} run ${run.runId}  val_rmse=${Math.sqrt(valLoss).toFixed(3)} mpg`);
      return { runId: run.runId, valRmse: Math.sqrt(valLoss) };
    },
  );
}

async function main(): Promise<void> {
  const baseUrl = process.env.ASCENT_URL ?? 'http://127.0.0.1:5000';
  const experimentName = process.env.ASCENT_EXPERIMENT ?? 'cars-mpg';
  const epochs = Number(process.env.EPOCHS ?? 150);
  const client = new AscentClient({ baseUrl });

  const file = carsPath();
  const content = fs.readFileSync(file);
  const rows = JSON.parse(content.toString('utf8')) as CarRow[];
  const data = toExamples(rows);
  const { train, validation } = splitData(data);
  const digest = createHash('sha256').update(content).digest('hex');
  const dataset = {
    name: 'vega-datasets/cars',
    digest,
    sourceType: 'local',
    source: JSON.stringify({ uri: `file://${file}`, package: 'vega-datasets' }),
    schema: JSON.stringify({
      mlflow_colspec: [
        { name: 'Name', type: 'string' },
        { name: 'Miles_per_Gallon', type: 'double' },
        { name: 'Cylinders', type: 'long' },
        { name: 'Displacement', type: 'double' },
        { name: 'Horsepower', type: 'long' },
        { name: 'Weight_in_lbs', type: 'long' },
        { name: 'Acceleration', type: 'double' },
        { name: 'Year', type: 'string' },
        { name: 'Origin', type: 'string' },
      ],
    }),
    profile: JSON.stringify({ num_rows: rows.length, complete_rows: data.y.length }),
  };
  const logDataset = async (run: RunHandle) => {
    await run.logInput(dataset, { context: 'training' });
  };

  console.log(`Training on ${data.y.length} of ${rows.length} cars (${train.y.length} train / ${validation.y.length} validation) → ${baseUrl}`);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-cars-'));
  try {
    await client.withRun({ experimentName, runName: 'sweep', userId: USER, tags: { sweep: 'learning_rate' } }, async (sweep) => {
      await sweep.logParams({ learning_rates: LEARNING_RATES.join(','), epochs, target: TARGET });
      await logDataset(sweep);
      const results = [];
      for (const learningRate of LEARNING_RATES) {
        results.push(
          await trainOne({ client, experimentName, parentRunId: sweep.runId, learningRate, epochs, train, validation, logDataset, workDir }),
        );
      }
      const best = results.reduce((a, b) => (b.valRmse < a.valRmse ? b : a));
      await sweep.logMetric('best_val_rmse', best.valRmse);
      await sweep.setTags({ best_run_id: best.runId });
      await sweep.logText(results.map((r, i) => `lr=${LEARNING_RATES[i]} run=${r.runId} val_rmse=${r.valRmse.toFixed(4)}`).join('\n') + '\n', 'sweep.txt');
      console.log(`Sweep run ${sweep.runId} in experiment "${experimentName}": best val_rmse ${best.valRmse.toFixed(3)} mpg (run ${best.runId})`);
    });
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
