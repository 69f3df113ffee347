import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { invalid } from '../../core/errors.js';
import { type ColumnPair, type DatasetDrift, type DriftOptions, chooseTest, comparePair, summarizeDrift } from '../stats/drift-engine.js';
import { type CategoryCounts, populationStd } from '../stats/drift-tests.js';
import { ReferenceGrid } from '../stats/interval-fold.js';
import type { ColumnBuilder } from './column-builder.js';
import { type FileColumns, readCsvColumns } from './csv-columns.js';
import { type CsvReadResult, type CsvVisitor, readCsv } from './csv-reader.js';
import {
  type CurrentColumn,
  CurrentCategoricalColumn,
  CurrentNumericColumn,
  CurrentTextColumn,
} from './current-columns.js';
import { FoldedPair, foldedSturgesEdges } from './folded-pair.js';
import { readCsvHeader } from './csv-range-reader.js';
import { CurrentSpill, type SpillFile } from './current-spill.js';
import { foldCurrentInParallel, RangeWorkers } from './parallel-fold.js';
import { readReferenceInParallel, sortInParallel } from './parallel-reference.js';
import type { ColumnSpec } from './range-fold.js';

/** Reference and current shares on common bins, for plotting one feature. */
export interface FeatureHistogram {
  /** Numeric: bin edges (bins + 1 values). */
  edges?: number[];
  /** Categorical: the categories (most frequent in the reference first). */
  categories?: string[];
  reference: number[];
  current: number[];
}

/** Data quality of one feature in the current data, judged against the reference. */
export interface FeatureQuality {
  feature: string;
  type: 'numeric' | 'categorical' | 'text';
  referenceMissingRate: number;
  currentMissingRate: number;
  /** Non-numeric values in a column the reference says is numeric. */
  typeErrors: number;
  /** Numeric values outside the reference's [min, max]. */
  outOfRange: number;
  /** Current values of categories the reference never saw. */
  unseenCategories: number;
}

/** Options of an offline comparison: the drift options plus which columns to compare. */
export interface CompareOptions extends DriftOptions {
  columns?: string[];
  exclude?: string[];
  /**
   * Threads reading a current CSV file (default: one per CPU, at most 4, for files of 32 MB and
   * more; 1 otherwise). Any number gives the same report.
   */
  threads?: number;
}

/** The offline comparison report (`ascent monitor compare`). */
export interface CompareReport {
  reference: { file: string; rows: number };
  current: { file: string; rows: number };
  drift: DatasetDrift;
  quality: FeatureQuality[];
  histograms: Record<string, FeatureHistogram>;
  /** Schema differences and columns that were not tested, with the reason. */
  schema: { missingInCurrent: string[]; extraInCurrent: string[]; skipped: { feature: string; reason: string }[] };
}

const MAX_HISTOGRAM_CATEGORIES = 20;
// Below this size a current file is read on one thread: starting a worker costs more than it saves.
const PARALLEL_MIN_BYTES = 32 << 20;
// A reference file is read on the workers (already started for the current file) from this size.
const PARALLEL_REFERENCE_MIN_BYTES = 4 << 20;
const MAX_DEFAULT_THREADS = 4;

// The Parquet reader (hyparquet, ~8 MB once loaded) only when a file is Parquet.
const parquet = () => import('./parquet-columns.js');

const isParquet = (file: string) => ['.parquet', '.pq'].includes(path.extname(file).toLowerCase());

/** Read a CSV or Parquet file (by extension) into column builders (numbers in shared memory with `shared`, CSV only). */
export function readColumns(file: string, field: string, shared = false): Promise<FileColumns> {
  return isParquet(file) ? parquet().then((m) => m.readParquetColumns(file, field)) : readCsvColumns(file, field, shared);
}

/** Stream a CSV or Parquet file (by extension) into a visitor, field by field. */
export function scanColumns(file: string, field: string, visitor: CsvVisitor): Promise<CsvReadResult> {
  return isParquet(file) ? parquet().then((m) => m.scanParquet(file, visitor, field)) : readCsv(file, visitor, field);
}

/** One reference column and the current column folded against it. */
type Plan =
  | { name: string; kind: 'text'; refMissing: number; current: CurrentTextColumn }
  | { name: string; kind: 'categorical'; refMissing: number; refCounts: CategoryCounts; current: CurrentCategoricalColumn }
  | NumericPlan;

type NumericPlan = { name: string; kind: 'numeric'; refMissing: number; std: number; current: CurrentNumericColumn; edges: Float64Array | null; pair: ColumnPair | null };

// Tests that read one bin per distinct value of a numeric column (binned tests only when the
// reference has at most 20 distinct values): the current's per-value counts must all be kept.
function readsEveryValue(test: string | undefined, referenceDistinct: number): boolean {
  return test === 'chisquare' || test === 'z' || ((test === 'psi' || test === 'jensenshannon') && referenceDistinct <= 20);
}

/**
 * Compare two files column by column with the drift engine. The reference is read into typed
 * arrays (sorted per numeric column); the current file is streamed and never held: the first
 * pass folds each column onto the reference (counts per reference interval, category counts), on
 * several threads for a large CSV file (parallel-fold.ts); the second replays the first's numbers
 * from spill files to count the numeric histograms and collect the few values exact W1 needs.
 */
export async function compareFiles(referenceFile: string, currentFile: string, options: CompareOptions = {}): Promise<CompareReport> {
  const threads = threadsFor(currentFile, options.threads);
  // Started first, so the workers load while the reference is read.
  const workers = threads > 1 ? new RangeWorkers(threads - 1) : null;
  try {
    const report = (await compareWith(referenceFile, currentFile, options, workers)) ?? (await compareWith(referenceFile, currentFile, options, null));
    if (!report) throw new Error('compareFiles: the one-thread comparison gave no report');
    return report;
  } finally {
    await workers?.close();
  }
}

function parallelReference(file: string): boolean {
  if (isParquet(file)) return false;
  try {
    return fs.statSync(file).size >= PARALLEL_REFERENCE_MIN_BYTES;
  } catch {
    return false; // the read reports it
  }
}

function threadsFor(currentFile: string, asked: number | undefined): number {
  if (isParquet(currentFile)) return 1;
  if (asked !== undefined) return Math.max(1, Math.floor(asked));
  let size = 0;
  try {
    size = fs.statSync(currentFile).size;
  } catch {
    return 1; // the read reports it
  }
  return size < PARALLEL_MIN_BYTES ? 1 : Math.min(os.availableParallelism(), MAX_DEFAULT_THREADS);
}

/** compareFiles with the given workers (none: one thread); null when the file must be read in one piece. */
async function compareWith(referenceFile: string, currentFile: string, options: CompareOptions, workers: RangeWorkers | null): Promise<CompareReport | null> {
  const ref = (workers && parallelReference(referenceFile) && (await readReferenceInParallel(referenceFile, 'reference', workers))) || (await readColumns(referenceFile, 'reference', workers !== null));
  if (ref.rows === 0) throw invalid('reference: the file has no rows', 'reference');
  const refNames = new Set(ref.columns.map((c) => c.name));
  for (const name of options.columns ?? []) {
    if (!refNames.has(name)) throw invalid(`columns: '${name}' is not a column of the reference`, 'columns');
  }
  const wanted = (name: string) => (!options.columns || options.columns.includes(name)) && !(options.exclude ?? []).includes(name);
  const stds = workers ? await sortInParallel(ref.columns.filter((c) => wanted(c.name) && c.inferType() === 'numeric'), workers) : new Map<string, number>();
  const plans = new Map<string, Plan>();
  for (const col of ref.columns) if (wanted(col.name)) plans.set(col.name, plan(col, options, workers !== null, stds.get(col.name)));

  // Pass 1: fold every current column onto its reference column; numbers are spilled for pass 2.
  const numericPlans = [...plans.values()].filter((p): p is NumericPlan => p.kind === 'numeric');
  const spill = numericPlans.length > 0 ? openSpill() : null;
  let workerSpills: (SpillFile | null)[] = [];
  try {
    if (spill) numericPlans.forEach((p, id) => p.current.spillTo(spill, id));
    let curNames: string[] = [];
    let sinks: (CurrentColumn | undefined)[] = [];
    let rows: number;
    if (workers) {
      const header = readCsvHeader(currentFile, 'current');
      curNames = header.names;
      sinks = curNames.map((n) => plans.get(n)?.current);
      const specs = curNames.map((n) => specOf(plans.get(n), numericPlans));
      const fold = await foldCurrentInParallel({ file: currentFile, field: 'current', header, sinks, specs, spill: spill !== null, workers });
      if (!fold) return null;
      rows = fold.rows;
      workerSpills = fold.spills;
    } else {
      const first = await scanColumns(currentFile, 'current', {
        header: (names) => {
          curNames = names;
          sinks = names.map((n) => plans.get(n)?.current);
          return sinks.map(Boolean);
        },
        numbers: (column, values, count) => sinks[column]!.numbers(values, count),
        text: (column, value) => sinks[column]!.text(value),
      });
      rows = first.rows;
    }
    if (rows === 0) throw invalid('current: the file has no rows', 'current');
    const inCurrent = new Set(curNames);

    // Pass 2: histograms on Sturges edges over both ranges, and W1's distances.
    const second = new Map<string, CurrentNumericColumn>();
    for (const p of numericPlans) {
      if (!inCurrent.has(p.name)) continue;
      p.current.endFirstPass();
      p.edges = foldedSturgesEdges(p.current);
      p.pair = numericPair(p);
      const { test } = chooseTest(p.name, p.pair, options);
      if (p.current.prepareSecondPass(p.edges, test === 'wasserstein')) second.set(p.name, p.current);
    }
    if (second.size > 0) await secondPass({ currentFile, spill, workerSpills, workers, numericPlans, second });
    return buildReport({ ref, currentRows: rows, curNames, plans, refNames, referenceFile, currentFile, options });
  } finally {
    spill?.close();
    // Each worker deletes its spill once it replayed it; those not replayed are deleted here.
    for (const s of workerSpills) if (s) CurrentSpill.discard(s);
  }
}

/** How a worker builds the current column of a plan (null: the column is not compared). */
function specOf(p: Plan | undefined, numericPlans: NumericPlan[]): ColumnSpec | null {
  if (!p) return null;
  if (p.kind !== 'numeric') return { kind: p.kind };
  return { kind: 'numeric', grid: p.current.grid.parts(), valueCap: p.current.valueCap, spillId: numericPlans.indexOf(p) };
}

// A temporary directory that cannot be made (read-only TMPDIR) only costs the spill's speed.
function openSpill(): CurrentSpill | null {
  try {
    return new CurrentSpill();
  } catch {
    return null;
  }
}

interface SecondPassInput {
  currentFile: string;
  spill: CurrentSpill | null;
  workerSpills: (SpillFile | null)[];
  workers: RangeWorkers | null;
  numericPlans: NumericPlan[];
  second: Map<string, CurrentNumericColumn>;
}

/**
 * The second pass: each thread replays its own spill (the main thread's into the columns, each
 * worker's into parts the columns then absorb), or the main thread re-reads the current file when
 * a spill is missing.
 */
async function secondPass({ currentFile, spill, workerSpills, workers, numericPlans, second }: SecondPassInput): Promise<void> {
  if (spill && !spill.failed && workerSpills.every((s) => s !== null)) {
    const byId = numericPlans.map((p) => second.get(p.name));
    const specs = byId.map((c) => c?.secondSpec() ?? null);
    const pending = workers && workerSpills.length > 0 ? workers.run(workerSpills.map((s) => ({ spill: s!, columns: specs }))) : [];
    spill.replay((id, values, slots, count) => byId[id]?.secondLocated(values, slots, count));
    for (const result of await Promise.all(pending)) {
      if (result instanceof Error) throw result;
      result.forEach((part, id) => part && byId[id]!.absorbSecond(part));
    }
  } else {
    let numeric: (CurrentNumericColumn | undefined)[] = [];
    await scanColumns(currentFile, 'current', {
      header: (names) => {
        numeric = names.map((n) => second.get(n));
        return numeric.map(Boolean);
      },
      numbers: (column, values, count) => numeric[column]!.secondNumbers(values, count),
      text: (column, value) => numeric[column]!.secondText(value),
    });
  }
  for (const column of second.values()) column.endSecondPass();
}

interface ReportParts {
  ref: FileColumns;
  currentRows: number;
  curNames: string[];
  plans: Map<string, Plan>;
  refNames: Set<string>;
  referenceFile: string;
  currentFile: string;
  options: CompareOptions;
}

/** The report from the reference, the folded current columns and the test results. */
function buildReport({ ref, currentRows, curNames, plans, refNames, referenceFile, currentFile, options }: ReportParts): CompareReport {
  const inCurrent = new Set(curNames);
  const out: CompareReport = {
    reference: { file: referenceFile, rows: ref.rows },
    current: { file: currentFile, rows: currentRows },
    drift: summarizeDrift([], options.driftShare),
    quality: [],
    histograms: {},
    schema: { missingInCurrent: [], extraInCurrent: curNames.filter((n) => !refNames.has(n)), skipped: [] },
  };
  const results = [];
  for (const p of plans.values()) {
    if (!inCurrent.has(p.name)) {
      out.schema.missingInCurrent.push(p.name);
      continue;
    }
    const q = (type: FeatureQuality['type'], typeErrors: number, outOfRange: number, unseenCategories: number): FeatureQuality => ({
      feature: p.name, type, referenceMissingRate: p.refMissing / ref.rows, currentMissingRate: p.current.missing / currentRows, typeErrors, outOfRange, unseenCategories,
    });
    if (p.kind === 'text') {
      out.schema.skipped.push({ feature: p.name, reason: 'free text (more distinct values than half the rows): no drift test' });
      out.quality.push(q('text', 0, 0, 0));
      continue;
    }
    if (p.kind === 'numeric') {
      const pair = p.pair!;
      results.push(comparePair(p.name, pair, options));
      out.histograms[p.name] = numericHistogram(pair, p.edges);
      out.quality.push(q('numeric', p.current.typeErrors, p.current.fold?.outsideRange ?? 0, 0));
      continue;
    }
    const cur = p.current.counts();
    const pair = categoricalPair(p.refCounts, cur, p.refMissing, p.current.missing);
    results.push(comparePair(p.name, pair, options));
    out.histograms[p.name] = categoricalHistogram(p.refCounts, cur);
    let unseen = 0;
    for (const [k, v] of cur) if (!p.refCounts.has(k)) unseen += v;
    out.quality.push(q('categorical', 0, 0, unseen));
  }
  out.drift = summarizeDrift(results, options.driftShare);
  return out;
}

/** Reduce one reference column to what the comparison needs, and the current column's accumulator (on a grid in shared memory for workers). */
function plan(col: ColumnBuilder, options: CompareOptions, shared: boolean, knownStd?: number): Plan {
  const type = col.inferType();
  if (type === 'text') return { name: col.name, kind: 'text', refMissing: col.missing, current: new CurrentTextColumn() };
  const sample = col.toSample(type);
  if (sample.kind === 'categorical') {
    return { name: col.name, kind: 'categorical', refMissing: sample.missing, refCounts: sample.counts, current: new CurrentCategoricalColumn() };
  }
  const std = sample.sorted.length === 0 ? 0 : (knownStd ?? populationStd(sample.sorted));
  const local = ReferenceGrid.fromSorted(sample.sorted);
  const grid = shared ? ReferenceGrid.fromParts(local.shareParts()) : local;
  const override = options.features?.[col.name]?.test ?? options.test;
  const current = new CurrentNumericColumn(grid, readsEveryValue(override, grid.size) ? Infinity : undefined);
  return { name: col.name, kind: 'numeric', refMissing: sample.missing, std, current, edges: null, pair: null };
}

function numericPair(p: NumericPlan): ColumnPair {
  const numeric = new FoldedPair(p.current, p.std, p.edges);
  return {
    type: 'numeric',
    referenceCount: p.current.grid.count,
    currentCount: p.current.count,
    referenceMissing: p.refMissing,
    currentMissing: p.current.missing,
    numeric,
    valueCounts: () => numeric.valueCounts(),
  };
}

function categoricalPair(ref: CategoryCounts, cur: CategoryCounts, referenceMissing: number, currentMissing: number): ColumnPair {
  const total = (c: CategoryCounts) => [...c.values()].reduce((s, v) => s + v, 0);
  return { type: 'categorical', referenceCount: total(ref), currentCount: total(cur), referenceMissing, currentMissing, numeric: null, valueCounts: () => ({ ref, cur }) };
}

/** Shares on Sturges edges over the union (the bins Evidently plots). */
function numericHistogram(pair: ColumnPair, edges: Float64Array | null): FeatureHistogram {
  const n = pair.numeric!;
  if (!edges || n.referenceCount === 0 || n.currentCount === 0) return { edges: [], reference: [], current: [] };
  const { ref, cur } = n.sturgesCounts();
  return { edges: Array.from(edges), reference: Array.from(ref, (x) => x / n.referenceCount), current: Array.from(cur, (x) => x / n.currentCount) };
}

/** Shares on the reference's top categories (most frequent first). */
function categoricalHistogram(ref: CategoryCounts, cur: CategoryCounts): FeatureHistogram {
  const totalOf = (m: CategoryCounts) => [...m.values()].reduce((s, v) => s + v, 0) || 1;
  const nr = totalOf(ref);
  const nc = totalOf(cur);
  const keys = [...new Set([...ref.keys(), ...cur.keys()])].sort((x, y) => (ref.get(y) ?? 0) - (ref.get(x) ?? 0) || (cur.get(y) ?? 0) - (cur.get(x) ?? 0));
  const top = keys.slice(0, MAX_HISTOGRAM_CATEGORIES);
  return {
    categories: top,
    reference: top.map((k) => (ref.get(k) ?? 0) / nr),
    current: top.map((k) => (cur.get(k) ?? 0) / nc),
  };
}
