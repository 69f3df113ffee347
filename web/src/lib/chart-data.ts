import type { AlignedData } from 'uplot';
import type { DownsampledHistory } from '../api';

function finiteOrNull(v: number | null): number | null {
  return v === null || !Number.isFinite(v) ? null : v;
}

/**
 * One run's downsampled history as uPlot columns: x = the bucket's last step, then min, max
 * (the band) and last (the line). Non-finite values become gaps.
 */
export function bandData(history: DownsampledHistory): AlignedData {
  const n = history.buckets.length;
  const x = new Array<number>(n);
  const min = new Array<number | null>(n);
  const max = new Array<number | null>(n);
  const last = new Array<number | null>(n);
  history.buckets.forEach((b, i) => {
    x[i] = b.lastStep;
    min[i] = finiteOrNull(b.min);
    max[i] = finiteOrNull(b.max);
    last[i] = finiteOrNull(b.last);
  });
  return [x, min, max, last];
}

/**
 * Several runs' histories on one shared x axis (the union of their steps), one `last` column per
 * run with gaps where a run has no bucket at that step; uPlot needs aligned columns.
 */
export function overlayData(histories: readonly (DownsampledHistory | null)[]): AlignedData {
  const steps = new Set<number>();
  for (const h of histories) for (const b of h?.buckets ?? []) steps.add(b.lastStep);
  const x = [...steps].sort((a, b) => a - b);
  const index = new Map(x.map((s, i) => [s, i]));
  const columns = histories.map((h) => {
    const col = new Array<number | null>(x.length).fill(null);
    for (const b of h?.buckets ?? []) col[index.get(b.lastStep)!] = finiteOrNull(b.last);
    return col;
  });
  return [x, ...columns];
}
