import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import { api, type DownsampledHistory } from '../api';
import { bandData, overlayData } from '../lib/chart-data';
import { formatNumber } from '../lib/format';
import { withAlpha } from '../lib/palette';
import { ErrorBox } from './ErrorBox';

/** One run drawn in a chart, with its legend label and colour. */
export interface ChartRun {
  runId: string;
  label: string;
  color: string;
}

interface StepRange {
  start: number;
  end: number;
}

const MAX_POINTS = 10_000;

type Column = readonly (number | null | undefined)[];

function lastOf(column: Column): number | null {
  for (let i = column.length - 1; i >= 0; i--) if (column[i] !== null && column[i] !== undefined) return column[i]!;
  return null;
}

function extremeOf(column: Column, pick: (a: number, b: number) => number): number | null {
  let out: number | null = null;
  for (const v of column) if (v !== null && v !== undefined) out = out === null ? v : pick(out, v);
  return out;
}

/**
 * Legend value: the value under the cursor, or, with no cursor, a summary of the data shown
 * (latest value and step, lowest min, highest max) so the legend is never a row of dashes.
 */
function legendValue(summary: (column: Column) => number | null, integer = false): uPlot.Series.Value {
  return (u, raw, seriesIdx, idx) => {
    const v = idx === null || idx === undefined ? summary(u.data[seriesIdx] as Column) : (raw as number | null);
    if (v === null || v === undefined) return '—';
    return integer ? v.toLocaleString() : formatNumber(v);
  };
}

interface ChartOptions {
  metricKey: string;
  runs: readonly ChartRun[];
  /** Name the line of a single run after the run (compare page) rather than the metric (run page). */
  labelByRun: boolean;
  width: number;
  height: number;
  onZoom: (r: StepRange) => void;
  onReset: () => void;
}

function buildOptions(options: ChartOptions): uPlot.Options {
  const { runs, metricKey } = options;
  const single = runs.length === 1;
  const series: uPlot.Series[] = [{ label: 'step', value: legendValue(lastOf, true) }];
  let bands: uPlot.Band[] | undefined;
  if (single) {
    const color = runs[0]!.color;
    series.push(
      { label: 'min', stroke: withAlpha(color, 0.3), width: 1, points: { show: false }, value: legendValue((c) => extremeOf(c, Math.min)) },
      { label: 'max', stroke: withAlpha(color, 0.3), width: 1, points: { show: false }, value: legendValue((c) => extremeOf(c, Math.max)) },
      { label: options.labelByRun ? runs[0]!.label : metricKey, stroke: color, width: 1.5, value: legendValue(lastOf) },
    );
    bands = [{ series: [2, 1], fill: withAlpha(color, 0.16) }];
  } else {
    for (const run of runs) series.push({ label: run.label, stroke: run.color, width: 1.5, spanGaps: true, points: { show: false }, value: legendValue(lastOf) });
  }
  const axisStyle = { stroke: '#6b7280', grid: { stroke: '#eceef2', width: 1 }, ticks: { stroke: '#e2e5ea', width: 1, size: 4 }, font: '11px system-ui, sans-serif' };
  return {
    width: options.width,
    height: options.height,
    series,
    ...(bands ? { bands } : {}),
    scales: { x: { time: false } },
    axes: [
      { ...axisStyle, size: 28 },
      { ...axisStyle, size: 58, values: (_u, splits) => splits.map((v) => formatNumber(v)) },
    ],
    // The drag selects a step range; instead of zooming into the coarse buckets already drawn,
    // the chart asks the server for that range at full resolution.
    cursor: { drag: { x: true, y: false, setScale: false }, points: { size: 6 } },
    legend: { show: true, live: true },
    hooks: {
      setSelect: [
        (u) => {
          const { left, width } = u.select;
          if (width < 3) return;
          const a = u.posToVal(left, 'x');
          const b = u.posToVal(left + width, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          const start = Math.floor(a);
          const end = Math.ceil(b);
          if (end <= start) return;
          u.setScale('x', { min: a, max: b });
          options.onZoom({ start, end });
        },
      ],
      ready: [(u) => u.over.addEventListener('dblclick', () => options.onReset())],
    },
  };
}

/**
 * A uPlot chart of one metric key for one run (min–max band per bucket plus the last value) or
 * several runs (one line each). Data is downsampled by the server to the chart's pixel width, and
 * a drag-selected range is fetched again at full resolution, so a 1M-point metric stays quick.
 * Double-click resets the zoom.
 */
export function MetricChart({
  metricKey,
  runs,
  height = 190,
  title,
  labelByRun = false,
}: {
  metricKey: string;
  runs: readonly ChartRun[];
  height?: number;
  title?: string;
  labelByRun?: boolean;
}) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<uPlot | null>(null);
  const [width, setWidth] = useState(0);
  const [fetchWidth, setFetchWidth] = useState(0);
  const [range, setRange] = useState<StepRange | null>(null);
  const [histories, setHistories] = useState<(DownsampledHistory | null)[] | null>(null);
  const [errors, setErrors] = useState<unknown[]>([]);
  const [loading, setLoading] = useState(false);
  const runIds = runs.map((r) => r.runId).join(',');
  const seriesKey = runs.map((r) => `${r.runId}:${r.label}:${r.color}`).join('|');

  // Callbacks read through refs: uPlot hooks are bound once, when the chart is created.
  const zoomRef = useRef((r: StepRange) => setRange(r));
  const resetRef = useRef(() => setRange(null));

  useLayoutEffect(() => {
    const el = wrapRef.current;
    if (!el) return;
    const measure = () => setWidth(Math.max(120, Math.floor(el.clientWidth)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // Refetch on resize only when the width changed enough to matter for the bucket count.
  useEffect(() => {
    if (width === 0) return;
    setFetchWidth((prev) => (prev === 0 || Math.abs(width - prev) / prev > 0.3 ? width : prev));
  }, [width]);

  useEffect(() => {
    if (!fetchWidth) return;
    const controller = new AbortController();
    setLoading(true);
    const maxPoints = Math.min(MAX_POINTS, Math.max(50, fetchWidth));
    const ids = runIds.split(',');
    void Promise.allSettled(
      ids.map((runId) => api.downsampledMetric(runId, metricKey, { startStep: range?.start, endStep: range?.end, maxPoints }, controller.signal)),
    ).then((results) => {
      if (controller.signal.aborted) return;
      setHistories(results.map((r) => (r.status === 'fulfilled' ? r.value : null)));
      setErrors(results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])));
      setLoading(false);
    });
    return () => controller.abort();
  }, [runIds, metricKey, range?.start, range?.end, fetchWidth]);

  // Create the chart when the series change; otherwise only swap its data.
  useEffect(() => {
    const mount = plotRef.current;
    if (!mount || !histories || width === 0) return;
    const data = runs.length === 1 ? bandData(histories[0] ?? { runId: '', key: metricKey, totalPoints: 0, raw: true, buckets: [] }) : overlayData(histories);
    const existing = chartRef.current;
    if (existing && existing.series.length === data.length && mount.dataset.series === seriesKey) {
      existing.setData(data, true);
      return;
    }
    existing?.destroy();
    mount.dataset.series = seriesKey;
    chartRef.current = new uPlot(
      buildOptions({ metricKey, runs, labelByRun, width, height, onZoom: (r) => zoomRef.current(r), onReset: () => resetRef.current() }),
      data,
      mount,
    );
    // `width` is applied by the resize effect below, and `seriesKey` stands for `runs`.
  }, [histories, seriesKey, metricKey, height, labelByRun]);

  useEffect(() => {
    if (chartRef.current && width > 0) chartRef.current.setSize({ width, height });
  }, [width, height]);

  useEffect(
    () => () => {
      chartRef.current?.destroy();
      chartRef.current = null;
    },
    [],
  );

  const present = (histories ?? []).filter((h): h is DownsampledHistory => h !== null);
  const totalPoints = present.reduce((sum, h) => sum + h.totalPoints, 0);
  const buckets = present.reduce((sum, h) => sum + h.buckets.length, 0);
  const raw = present.every((h) => h.raw);
  const empty = histories !== null && buckets === 0;
  return (
    <div className="chart-card" data-testid="metric-chart" data-metric-key={metricKey}>
      <div className="chart-head">
        <span className="chart-title mono" title={metricKey}>
          {title ?? metricKey}
        </span>
        <span className="spacer" />
        {loading ? <span className="spinner small" aria-label="loading" /> : null}
        {range ? (
          <button type="button" className="link-button zoom-reset" onClick={() => setRange(null)} title="Reset zoom (or double-click the chart)">
            steps {range.start.toLocaleString()}–{range.end.toLocaleString()} ✕
          </button>
        ) : null}
      </div>
      <div ref={wrapRef} className="chart-body" style={{ minHeight: height + 24 }}>
        <div ref={plotRef} />
        {empty ? <div className="chart-empty muted">No points{range ? ' in this range' : ''}</div> : null}
      </div>
      <div className="chart-foot muted">
        {histories
          ? `${totalPoints.toLocaleString()} point${totalPoints === 1 ? '' : 's'}${raw ? '' : ` · ${buckets.toLocaleString()} buckets${runs.length === 1 ? ', min–max band' : ''}`}${range ? '' : ' · drag to zoom'}`
          : ' '}
      </div>
      {errors.length > 0 ? <ErrorBox error={errors[0]} compact /> : null}
    </div>
  );
}
