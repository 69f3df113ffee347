import { populationStd } from '../stats/drift-tests.js';
import { sortFloat64 } from '../stats/sort-float64.js';
import { ColumnBuilder, type ColumnPartial } from './column-builder.js';
import { countLineFeeds, type FileColumns } from './csv-columns.js';
import { type CsvRange, type CsvRangeResult, readCsvHeader, readCsvRange, splitCsv } from './csv-range-reader.js';
import type { RangeWorkers } from './parallel-fold.js';

/**
 * The reference side of a comparison on several threads (the current side is parallel-fold.ts).
 * The reference CSV file is cut into ranges at line feeds as the current one is: the main thread
 * reads the first range into the comparison's column builders (numbers in shared memory), each
 * worker reads one other range into builders of its own and hands their state over, and the main
 * thread's builders absorb them in range order, which gives what one read of the file gives
 * (ColumnBuilder.absorb; as within one read, a number written as quoted text may land elsewhere
 * among its column's numbers, which only a sort sees). Then the numeric columns are sorted in
 * place, a share on each thread.
 * As for the current file, a cut inside a quoted line break or an error in any range makes
 * `readReferenceInParallel` return null, and the caller reads the file in one piece.
 */

/** A worker's range of the reference file. */
export interface ReferenceJob {
  reference: true;
  file: string;
  field: string;
  range: CsvRange;
  names: string[];
  /** About how many rows the range holds, to size the builders' arrays once. */
  expectedRows: number;
}

/** What a worker read from its range. */
export interface ReferenceResult extends CsvRangeResult {
  partials: ColumnPartial[];
}

/** Numeric columns (in shared memory) for a worker to sort in place; it answers with their population standard deviations. */
export interface SortJob {
  sort: Float64Array[];
}

function readInto(file: string, field: string, range: CsvRange, builders: ColumnBuilder[]): CsvRangeResult {
  return readCsvRange(
    file,
    range,
    builders.map((b) => b.name),
    {
      header: () => undefined,
      numbers: (column, values, count) => builders[column]!.pushNumbers(values, count),
      text: (column, value) => builders[column]!.pushText(value),
    },
    field,
  );
}

/** A worker's reference job: read the range into builders, hand over their state. */
export function runReferenceJob(job: ReferenceJob): ReferenceResult {
  const builders = job.names.map((n) => new ColumnBuilder(n, job.expectedRows));
  const { rows, clean } = readInto(job.file, job.field, job.range, builders);
  return { rows, clean, partials: builders.map((b) => b.partial()) };
}

/** The numbers' buffers of a reference result, moved to the main thread instead of copied. */
export function referenceTransferables(result: ReferenceResult): ArrayBuffer[] {
  return result.partials.filter((p) => p.values.length > 0 && p.values.buffer instanceof ArrayBuffer).map((p) => p.values.buffer as ArrayBuffer);
}

/** A worker's sort job (also the main thread's share): sort each column in place, return its standard deviation. */
export function runSortJob(job: SortJob): number[] {
  return job.sort.map((values) => populationStd(sortFloat64(values)));
}

/** Read a reference CSV file on the main thread and the workers; null when it must be read in one piece. */
export async function readReferenceInParallel(file: string, field: string, workers: RangeWorkers): Promise<FileColumns | null> {
  let ranges: CsvRange[];
  let names: string[];
  let dataBytes: number;
  try {
    const header = readCsvHeader(file, field);
    names = header.names;
    dataBytes = Math.max(1, header.size - header.dataStart);
    ranges = splitCsv(file, header, workers.size + 1);
  } catch {
    return null; // the one-piece read reports it
  }
  const lines = await countLineFeeds(file);
  const builders = names.map((n) => new ColumnBuilder(n, lines, true));
  const pending = workers.run(
    ranges.slice(1).map((range) => ({
      reference: true as const,
      file,
      field,
      range,
      names,
      expectedRows: Math.ceil((lines * (range.end - range.start) * 1.05) / dataBytes) + 64,
    })),
  );
  let first: CsvRangeResult | null = null;
  try {
    first = readInto(file, field, ranges[0]!, builders);
  } catch {
    // Read again in one piece, which reports the error with its line.
  }
  const results = await Promise.all(pending);
  const ok = first !== null && first.clean && results.every((r, i) => !(r instanceof Error) && (r.clean || i === results.length - 1));
  if (!ok) return null;
  let rows = first!.rows;
  for (const r of results as ReferenceResult[]) {
    r.partials.forEach((p, i) => builders[i]!.absorb(p));
    rows += r.rows;
  }
  return { columns: builders, rows };
}

/**
 * Sort the numbers of `columns` in place (they must be in shared memory), a share on each thread;
 * returns each column's population standard deviation, by name.
 */
export async function sortInParallel(columns: ColumnBuilder[], workers: RangeWorkers): Promise<Map<string, number>> {
  const threads = workers.size + 1;
  // Largest first, each to the thread with the least so far.
  const order = columns.filter((c) => c.unsortedNumbers().length > 0).sort((a, b) => b.unsortedNumbers().length - a.unsortedNumbers().length);
  const shares: ColumnBuilder[][] = Array.from({ length: threads }, () => []);
  const load = new Array<number>(threads).fill(0);
  for (const c of order) {
    // Numbers outside shared memory (a Parquet reference) cannot reach a worker: sorted here.
    const t = c.unsortedNumbers().buffer instanceof SharedArrayBuffer ? load.indexOf(Math.min(...load)) : 0;
    shares[t]!.push(c);
    load[t]! += c.unsortedNumbers().length;
  }
  const pending = workers.run(shares.slice(1).map((share) => ({ sort: share.map((c) => c.unsortedNumbers()) })));
  const stds = new Map<string, number>();
  const own = runSortJob({ sort: shares[0]!.map((c) => c.unsortedNumbers()) });
  shares[0]!.forEach((c, i) => stds.set(c.name, own[i]!));
  const results = await Promise.all(pending);
  results.forEach((r, t) => {
    if (r instanceof Error) throw r;
    shares[t + 1]!.forEach((c, i) => stds.set(c.name, r[i]!));
  });
  for (const c of order) c.markSorted();
  return stds;
}
