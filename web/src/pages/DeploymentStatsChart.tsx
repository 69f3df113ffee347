import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import type { StatsPoint } from '../deployments-api';
import { colorFor } from '../lib/palette';

/** One live chart (request rate, p99 latency or errors) with a line per variant. */
export function DeploymentStatsChart(props: { title: string; unit: string; series: Record<string, StatsPoint[]>; variantOrder: string[]; pick: (p: StatsPoint) => number | null; testId: string }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [width, setWidth] = useState(480);
  const names = props.variantOrder.filter((v) => props.series[v]);
  const key = names.join('\u0000');

  useLayoutEffect(() => {
    const el = host.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(240, el.clientWidth)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    if (!host.current) return;
    const opts: uPlot.Options = {
      width,
      height: 180,
      scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max * 1.1)] } },
      axes: [{}, { label: props.unit, size: 56 }],
      series: [{}, ...names.map((n) => ({ label: n, stroke: colorFor(props.variantOrder.indexOf(n)), width: 1.5, spanGaps: false }))],
      legend: { show: true },
    };
    plot.current = new uPlot(opts, toData(props.series, names, props.pick), host.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt only when the variants or the width change; new data goes through setData below.
  }, [key, width]);

  useEffect(() => {
    plot.current?.setData(toData(props.series, names, props.pick));
  }, [props.series]);

  return (
    <div className="card" data-testid={props.testId}>
      <h3 className="card-title">{props.title}</h3>
      <div ref={host} />
    </div>
  );
}

function toData(series: Record<string, StatsPoint[]>, names: string[], pick: (p: StatsPoint) => number | null): uPlot.AlignedData {
  const first = series[names[0]!] ?? [];
  const xs = first.map((p) => p.t);
  return [xs, ...names.map((n) => {
    const byT = new Map((series[n] ?? []).map((p) => [p.t, p]));
    return xs.map((t) => {
      const p = byT.get(t);
      return p ? pick(p) : null;
    });
  })] as uPlot.AlignedData;
}
