import path from 'node:path';
import { invalid } from '../../core/errors.js';
import { type ColumnSample, type DatasetDrift, type DriftOptions, compareFeature, summarizeDrift } from '../stats/drift-engine.js';
import { histogramCounts, sturgesEdges } from '../stats/drift-tests.js';
import { type FileColumns, readCsvColumns } from './csv-columns.js';
import { readParquetColumns } from './parquet-columns.js';

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

/** Read a CSV or Parquet file (by extension) into column builders. */
export function readColumns(file: string, field: string): Promise<FileColumns> {
  const ext = path.extname(file).toLowerCase();
  return ext === '.parquet' || ext === '.pq' ? readParquetColumns(file, field) : readCsvColumns(file, field);
}

/** Compare two files column by column with the drift engine; both are streamed into typed arrays. */
export async function compareFiles(referenceFile: string, currentFile: string, options: CompareOptions = {}): Promise<CompareReport> {
  const [ref, cur] = await Promise.all([readColumns(referenceFile, 'reference'), readColumns(currentFile, 'current')]);
  if (ref.rows === 0) throw invalid('reference: the file has no rows', 'reference');
  if (cur.rows === 0) throw invalid('current: the file has no rows', 'current');
  const curByName = new Map(cur.columns.map((c) => [c.name, c]));
  const refNames = new Set(ref.columns.map((c) => c.name));
  for (const name of options.columns ?? []) {
    if (!refNames.has(name)) throw invalid(`columns: '${name}' is not a column of the reference`, 'columns');
  }
  const wanted = (name: string) => (!options.columns || options.columns.includes(name)) && !(options.exclude ?? []).includes(name);
  const report: CompareReport = {
    reference: { file: referenceFile, rows: ref.rows },
    current: { file: currentFile, rows: cur.rows },
    drift: summarizeDrift([], options.driftShare),
    quality: [],
    histograms: {},
    schema: { missingInCurrent: [], extraInCurrent: cur.columns.filter((c) => !refNames.has(c.name)).map((c) => c.name), skipped: [] },
  };
  const results = [];
  for (const refCol of ref.columns) {
    if (!wanted(refCol.name)) continue;
    const curCol = curByName.get(refCol.name);
    if (!curCol) {
      report.schema.missingInCurrent.push(refCol.name);
      continue;
    }
    const type = refCol.inferType();
    if (type === 'text') {
      report.schema.skipped.push({ feature: refCol.name, reason: 'free text (more distinct values than half the rows): no drift test' });
      report.quality.push(quality(refCol.name, 'text', ref.rows, cur.rows, refCol.missing, curCol.missing, 0, 0, 0));
      continue;
    }
    const r = refCol.toSample(type);
    const c = curCol.toSample(type);
    results.push(compareFeature(refCol.name, r, c, options));
    report.histograms[refCol.name] = histogram(r, c);
    report.quality.push(quality(refCol.name, type, ref.rows, cur.rows, r.missing, c.missing, c.typeErrors, outOfRange(r, c), unseen(r, c)));
  }
  report.drift = summarizeDrift(results, options.driftShare);
  return report;
}

function quality(feature: string, type: FeatureQuality['type'], refRows: number, curRows: number, refMissing: number, curMissing: number, typeErrors: number, outOfRange: number, unseenCategories: number): FeatureQuality {
  return { feature, type, referenceMissingRate: refMissing / refRows, currentMissingRate: curMissing / curRows, typeErrors, outOfRange, unseenCategories };
}

function outOfRange(ref: ColumnSample, cur: ColumnSample): number {
  if (ref.kind !== 'numeric' || cur.kind !== 'numeric' || ref.sorted.length === 0) return 0;
  const lo = ref.sorted[0]!;
  const hi = ref.sorted[ref.sorted.length - 1]!;
  let n = 0;
  for (const v of cur.sorted) if (v < lo || v > hi) n++;
  return n;
}

function unseen(ref: ColumnSample, cur: ColumnSample): number {
  if (ref.kind !== 'categorical' || cur.kind !== 'categorical') return 0;
  let n = 0;
  for (const [k, v] of cur.counts) if (!ref.counts.has(k)) n += v;
  return n;
}

/** Shares on Sturges edges over the union (numeric) or on the reference's top categories. */
export function histogram(ref: ColumnSample, cur: ColumnSample): FeatureHistogram {
  if (ref.kind === 'numeric' && cur.kind === 'numeric') {
    const a = ref.sorted;
    const b = cur.sorted;
    if (a.length === 0 || b.length === 0) return { edges: [], reference: [], current: [] };
    const edges = sturgesEdges(Math.min(a[0]!, b[0]!), Math.max(a[a.length - 1]!, b[b.length - 1]!), a.length + b.length);
    const share = (counts: Float64Array, n: number) => Array.from(counts, (x) => x / n);
    return { edges: Array.from(edges), reference: share(histogramCounts(a, edges), a.length), current: share(histogramCounts(b, edges), b.length) };
  }
  if (ref.kind !== 'categorical' || cur.kind !== 'categorical') return { reference: [], current: [] };
  const totalOf = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((s, v) => s + v, 0) || 1;
  const nr = totalOf(ref.counts);
  const nc = totalOf(cur.counts);
  const keys = [...new Set([...ref.counts.keys(), ...cur.counts.keys()])].sort(
    (x, y) => (ref.counts.get(y) ?? 0) - (ref.counts.get(x) ?? 0) || (cur.counts.get(y) ?? 0) - (cur.counts.get(x) ?? 0),
  );
  const top = keys.slice(0, MAX_HISTOGRAM_CATEGORIES);
  return {
    categories: top,
    reference: top.map((k) => (ref.counts.get(k) ?? 0) / nr),
    current: top.map((k) => (cur.counts.get(k) ?? 0) / nc),
  };
}
