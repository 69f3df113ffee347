import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { invalid } from '../core/errors.js';
import { detectRuntime } from '../registry/packages/manifest.js';
import type { BatchProgress, OutputFormat } from '../serving/batch-scorer.js';
import type { InputFormat } from '../serving/batch/batch-readers.js';
import type { ModelRuntime } from '../serving/model-runtime.js';
import { clientFor, optionsOf, withUrl } from './client-command-context.js';
import { printJson, printLine } from './client-command-output.js';

interface PredictOptions {
  model: string;
  input: string;
  output: string;
  inputFormat?: InputFormat;
  outputFormat?: OutputFormat;
  batchSize: string;
  concurrency: string;
  keepInput?: boolean;
  python?: string;
  json?: boolean;
  progress: boolean;
}

/**
 * `ascent predict`: batch scoring on this machine. The version's package is downloaded from the
 * server (safely unpacked), loaded into the runtime its flavors select — the same runtimes the
 * server's deployments use — and the input file is streamed through it in batches.
 */
export function registerPredictCommand(program: Command): void {
  withUrl(
    program
      .command('predict')
      .description('score a CSV, JSON lines or parquet file with a registered model, writing JSON lines or CSV')
      .requiredOption('--model <ref>', 'model reference: name@alias, name/version or name/latest')
      .requiredOption('--input <file>', 'rows to score: .csv (with a header), .jsonl or .parquet')
      .requiredOption('--output <file>', 'where to write predictions: .jsonl or .csv (written whole or not at all)')
      .option('--input-format <format>', 'csv, jsonl or parquet (default: from the extension)')
      .option('--output-format <format>', 'jsonl or csv (default: from the extension)')
      .option('--batch-size <rows>', 'rows per prediction call', '1000')
      .option('--concurrency <n>', 'batches scored at once', '2')
      .option('--keep-input', 'copy the input columns into each output row')
      .option('--python <exe>', 'Python interpreter for pyfunc models (env ASCENT_PYTHON, default python3)')
      .option('--no-progress', 'no progress bar on stderr')
      .option('--json', 'print the summary as JSON'),
  ).action(async (opts: PredictOptions, cmd: Command) => {
    const batchSize = positiveInt(opts.batchSize, 'batch-size');
    const concurrency = positiveInt(opts.concurrency, 'concurrency');
    if (opts.inputFormat && !['csv', 'jsonl', 'parquet'].includes(opts.inputFormat)) throw invalid(`--input-format must be csv, jsonl or parquet`, 'input-format');
    if (opts.outputFormat && !['csv', 'jsonl'].includes(opts.outputFormat)) throw invalid(`--output-format must be jsonl or csv`, 'output-format');
    const client = clientFor(optionsOf(cmd));
    // Loaded here, not at the top: other commands should not pay for onnxruntime's native library.
    const [{ scoreFile }, { readLocalPackage }, { OnnxRuntime }, { JsRuntime }, { PythonRuntime }] = await Promise.all([
      import('../serving/batch-scorer.js'),
      import('../serving/runtimes/package-dir.js'),
      import('../serving/runtimes/onnx-runtime.js'),
      import('../serving/runtimes/js-runtime.js'),
      import('../serving/runtimes/python-runtime.js'),
    ]);
    const started = Date.now();
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'ascent-predict-'));
    let runtime: ModelRuntime | null = null;
    try {
      const pkg = await client.models.downloadPackage(opts.model, scratch);
      const local = await readLocalPackage(pkg.dir);
      const kind = detectRuntime(Object.keys(local.manifest.flavors));
      if (!kind) throw invalid(`Model '${pkg.name}' version ${pkg.version} has no flavor Ascent can serve (flavors: ${Object.keys(local.manifest.flavors).join(', ')})`, 'model');
      runtime = kind === 'onnx' ? new OnnxRuntime() : kind === 'js' ? new JsRuntime() : new PythonRuntime(opts.python ? { pythonExecutable: opts.python } : {});
      const loaded = await runtime.load({ name: pkg.name, version: pkg.version, packageDir: pkg.dir, concurrency });
      const bar = opts.progress ? progressBar(process.stderr) : null;
      const result = await scoreFile({
        model: { metadata: loaded.metadata, predict: (i, o) => loaded.predict(i, o), signature: local.signature },
        input: opts.input,
        output: opts.output,
        ...(opts.inputFormat ? { inputFormat: opts.inputFormat } : {}),
        ...(opts.outputFormat ? { outputFormat: opts.outputFormat } : {}),
        batchSize,
        concurrency,
        keepInput: Boolean(opts.keepInput),
        ...(bar ? { onProgress: bar.update } : {}),
      });
      bar?.finish();
      const seconds = (Date.now() - started) / 1000;
      const summary = { model: pkg.name, version: pkg.version, runtime: kind, rows: result.rows, batches: result.batches, output: result.output, columns: result.columns, seconds };
      if (opts.json) return printJson(summary);
      printLine(`Scored ${result.rows} rows with ${pkg.name} version ${pkg.version} (${kind}) in ${seconds.toFixed(1)} s → ${result.output}`);
    } finally {
      await runtime?.close();
      await fs.rm(scratch, { recursive: true, force: true });
    }
  });
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw invalid(`--${flag} must be a positive integer, got '${value}'`, flag);
  return n;
}

/** A one-line bar redrawn in place on a terminal; on a pipe, a line per 10 % so logs stay short. */
function progressBar(stream: NodeJS.WriteStream): { update: (p: BatchProgress) => void; finish: () => void } {
  const started = Date.now();
  let lastDecile = -1;
  let last: BatchProgress | null = null;
  let printed: BatchProgress | null = null;
  const render = (p: BatchProgress) => {
    const width = 30;
    const filled = Math.round(p.fraction * width);
    const rate = p.rows / Math.max(0.001, (Date.now() - started) / 1000);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(p.fraction * 100).toFixed(0).padStart(3)}%  ${p.rows} rows  ${Math.round(rate)} rows/s`;
  };
  return {
    update: (p) => {
      last = p;
      if (stream.isTTY) return void stream.write(`\r${render(p)}`);
      const decile = Math.floor(p.fraction * 10);
      if (decile > lastDecile) {
        lastDecile = decile;
        printed = p;
        stream.write(`${render(p)}\n`);
      }
    },
    finish: () => {
      if (stream.isTTY && last) stream.write('\n');
      // Reading runs ahead of scoring, so the last decile may have printed before the last rows were.
      else if (last && printed !== last) stream.write(`${render(last)}\n`);
    },
  };
}
