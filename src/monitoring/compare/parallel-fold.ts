import { Worker } from 'node:worker_threads';
import type { CsvHeader } from './csv-range-reader.js';
import { splitCsv } from './csv-range-reader.js';
import { CurrentSpill, type SpillFile } from './current-spill.js';
import type { CurrentColumn, SecondPartial } from './current-columns.js';
import type { ReferenceJob, ReferenceResult, SortJob } from './parallel-reference.js';
import { type ColumnSpec, foldRangeInto, type RangeJob, type RangeResult, type SecondJob } from './range-fold.js';

/**
 * The first pass over a large current CSV file on several threads. The file's data is cut into
 * ranges at line feeds (csv-range-reader.ts); the main thread folds the first range into the
 * comparison's own columns while each worker folds one other range into columns of its own,
 * built on the reference grids the main thread shares (no copy). Every count a column keeps is a
 * sum, a minimum or a maximum, and the category maps are absorbed in file order, so absorbing the
 * workers' columns in range order gives what one pass gives; W1's sums are exact (ExactSum), so
 * the second pass may replay the spills in any order. When that cannot hold (a cut inside a
 * quoted field, an error in any range, more categories than tracked), `foldCurrentInParallel`
 * returns null and the caller reads the file in one piece: the same result, errors with their
 * true line numbers.
 */

/** Worker threads waiting for range jobs; started before the reference is read, so they are ready. */
export class RangeWorkers {
  private readonly workers: Worker[];

  constructor(count: number) {
    const ts = import.meta.url.endsWith('.ts');
    const url = new URL(ts ? './range-worker.ts' : './range-worker.js', import.meta.url);
    // Under vitest the sources are TypeScript: the worker registers tsx (a dev dependency) first.
    const tsBootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
    this.workers = Array.from({ length: count }, () => (ts ? new Worker(tsBootstrap, { eval: true }) : new Worker(url)));
  }

  get size(): number {
    return this.workers.length;
  }

  /** Run one job per worker (the i-th on the i-th); each settles with the worker's result or its error. */
  run(jobs: RangeJob[]): Promise<RangeResult | Error>[];
  run(jobs: SecondJob[]): Promise<(SecondPartial | null)[] | Error>[];
  run(jobs: ReferenceJob[]): Promise<ReferenceResult | Error>[];
  run(jobs: SortJob[]): Promise<number[] | Error>[];
  run(jobs: (RangeJob | SecondJob | ReferenceJob | SortJob)[]): Promise<unknown>[] {
    return jobs.map(
      (job, i) =>
        new Promise<unknown>((resolve) => {
          const worker = this.workers[i]!;
          const onError = (err: Error) => resolve(err);
          worker.once('error', onError);
          worker.once('message', (m: { result?: unknown; error?: string }) => {
            worker.off('error', onError);
            resolve(m.error === undefined ? m.result : new Error(m.error));
          });
          worker.postMessage(job);
        }),
    );
  }

  /** Stop every worker (idempotent). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** What the parallel first pass gives the comparison. */
export interface ParallelFold {
  rows: number;
  /** The workers' spills, in range order (null: a worker's spill could not be written). */
  spills: (SpillFile | null)[];
}

interface ParallelInput {
  file: string;
  field: string;
  header: CsvHeader;
  /** The main thread's columns per CSV column (undefined: not compared). */
  sinks: (CurrentColumn | undefined)[];
  /** How a worker builds each column. */
  specs: (ColumnSpec | null)[];
  spill: boolean;
  workers: RangeWorkers;
}

/** Fold the current file's first pass on the main thread and the workers; null when it must be read in one piece. */
export async function foldCurrentInParallel(input: ParallelInput): Promise<ParallelFold | null> {
  const { file, field, header, sinks, workers } = input;
  const ranges = splitCsv(file, header, workers.size + 1);
  const base = { file, field, names: header.names };
  const pending = workers.run(ranges.slice(1).map((range) => ({ ...base, range, columns: input.specs, spill: input.spill })));
  let first: { rows: number; clean: boolean } | null = null;
  try {
    first = foldRangeInto({ ...base, range: ranges[0]! }, sinks);
  } catch {
    // Read again in one piece, which reports the error with its line.
  }
  const results = await Promise.all(pending);
  const spills = results.map((r) => (r instanceof Error ? null : r.spill));
  const ok = first !== null && first.clean && results.every((r, i) => !(r instanceof Error) && (r.clean || i === results.length - 1));
  if (!ok || !absorbAll(sinks, results as RangeResult[])) {
    for (const s of spills) if (s) CurrentSpill.discard(s);
    return null;
  }
  return { rows: first!.rows + (results as RangeResult[]).reduce((n, r) => n + r.rows, 0), spills: input.spill ? spills : [] };
}

function absorbAll(sinks: (CurrentColumn | undefined)[], results: RangeResult[]): boolean {
  for (const r of results) {
    for (let i = 0; i < sinks.length; i++) {
      const sink = sinks[i];
      const partial = r.partials[i];
      if (!sink || !partial) continue;
      if (sink.kind === 'categorical') {
        if (!sink.absorb(partial)) return false;
      } else sink.absorb(partial);
    }
  }
  return true;
}
