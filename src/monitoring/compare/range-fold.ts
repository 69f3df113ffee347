import { UniformHistogram } from '../stats/drift-tests.js';
import { LocatedDistances } from '../stats/located-distances.js';
import { type GridParts, ReferenceGrid } from '../stats/reference-grid.js';
import { type CsvRange, type CsvRangeResult, readCsvRange } from './csv-range-reader.js';
import {
  type ColumnPartial,
  type CurrentColumn,
  CurrentCategoricalColumn,
  CurrentNumericColumn,
  CurrentTextColumn,
  type SecondPartial,
  type SecondSpec,
} from './current-columns.js';
import { CurrentSpill, type SpillFile } from './current-spill.js';

/** How a thread builds one current column: what the reference made of it (numeric: its grid, shared). */
export type ColumnSpec = { kind: 'numeric'; grid: GridParts; valueCap: number; spillId: number } | { kind: 'categorical' } | { kind: 'text' };

/** One range of the current file for one thread to fold. */
export interface RangeJob {
  file: string;
  field: string;
  range: CsvRange;
  names: string[];
  /** Per CSV column, null when it is not compared. */
  columns: (ColumnSpec | null)[];
  /** Spill the numeric columns' values for the second pass. */
  spill: boolean;
}

/** A thread's share of the second pass: replay its own spill (then deleted) for the columns of `columns` (by spill id). */
export interface SecondJob {
  spill: SpillFile;
  columns: (SecondSpec | null)[];
}

/** What a thread folded from its range. */
export interface RangeResult {
  rows: number;
  clean: boolean;
  partials: (ColumnPartial | null)[];
  /** The spill, when one was asked for and could be written whole. */
  spill: SpillFile | null;
}

/** Fold the records of one range into current columns (`sinks`, per CSV column). */
export function foldRangeInto(job: Omit<RangeJob, 'columns' | 'spill'>, sinks: (CurrentColumn | undefined)[]): CsvRangeResult {
  return readCsvRange(
    job.file,
    job.range,
    job.names,
    {
      header: () => sinks.map(Boolean),
      numbers: (column, values, count) => sinks[column]!.numbers(values, count),
      text: (column, value) => sinks[column]!.text(value),
    },
    job.field,
  );
}

/** A worker's part of a parallel comparison: build the columns, fold the range, hand over their state. */
export function runRangeJob(job: RangeJob): RangeResult {
  let spill: CurrentSpill | null = null;
  try {
    if (job.spill) spill = new CurrentSpill();
  } catch {
    // No temporary directory: the second pass re-reads the file (see compareFiles).
  }
  try {
    const sinks = job.columns.map((spec) => (spec ? columnOf(spec, spill) : undefined));
    const { rows, clean } = foldRangeInto(job, sinks);
    const partials = sinks.map((s) => (s ? s.partial() : null));
    return { rows, clean, partials, spill: spill?.handOver() ?? null };
  } catch (err) {
    spill?.close();
    throw err;
  }
}

function columnOf(spec: ColumnSpec, spill: CurrentSpill | null): CurrentColumn {
  if (spec.kind === 'categorical') return new CurrentCategoricalColumn();
  if (spec.kind === 'text') return new CurrentTextColumn();
  const column = new CurrentNumericColumn(ReferenceGrid.fromParts(spec.grid), spec.valueCap);
  if (spill) column.spillTo(spill, spec.spillId);
  return column;
}

/** A worker's share of the second pass (see SecondJob); the parts, by spill id. */
export function runSecondJob(job: SecondJob): (SecondPartial | null)[] {
  const spill = CurrentSpill.adopt(job.spill);
  try {
    const parts = job.columns.map((spec) =>
      spec
        ? {
            histogram: spec.edges ? new UniformHistogram(spec.edges) : null,
            located: spec.classes ? new LocatedDistances(spec.grid, spec.classes) : null,
            count: 0,
          }
        : null,
    );
    spill.replay((id, values, slots, count) => {
      const part = parts[id];
      if (!part) return;
      const histogram = part.histogram;
      if (histogram) for (let i = 0; i < count; i++) histogram.add(values[i]!);
      part.located?.add(values, slots, count);
      part.count += count;
    });
    return parts.map((p) => p && { histogram: p.histogram?.counts ?? null, distances: p.located?.part() ?? null, count: p.count });
  } finally {
    spill.close();
  }
}

/** The buffers of a result that can move to the main thread instead of being copied. */
export function transferables(result: RangeResult): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const p of result.partials) {
    if (p?.kind !== 'numeric' || !p.fold) continue;
    out.push(p.fold.open.buffer as ArrayBuffer);
    if (!Array.isArray(p.fold.equal)) out.push(p.fold.equal.buffer as ArrayBuffer);
  }
  return out;
}
