import type { MonitorHistogram } from '../monitoring-api';

/** Reference (grey) and current (orange) shares side by side per bin or category, as inline SVG. */
export function HistogramBars({ histogram, width = 260, height = 64, label }: { histogram: MonitorHistogram; width?: number; height?: number; label: string }) {
  const n = histogram.reference.length;
  if (n === 0) return <span className="muted">—</span>;
  const max = Math.max(...histogram.reference, ...histogram.current, 1e-12);
  const bw = width / n;
  const names = histogram.categories ?? histogram.reference.map((_, i) => (histogram.edges ? `${fmt(histogram.edges[i]!)} – ${fmt(histogram.edges[i + 1]!)}` : String(i)));
  return (
    <svg width={width} height={height} role="img" aria-label={`${label}: reference vs current`} data-testid={`histogram-${label}`}>
      {histogram.reference.map((v, i) => (
        <rect key={`r${i}`} x={i * bw + 1} y={height - (v / max) * height} width={Math.max(bw / 2 - 1, 1)} height={(v / max) * height} fill="#8796a5">
          <title>{`${names[i]}: reference ${(v * 100).toFixed(1)} %`}</title>
        </rect>
      ))}
      {histogram.current.map((v, i) => (
        <rect key={`c${i}`} x={i * bw + bw / 2} y={height - (v / max) * height} width={Math.max(bw / 2 - 1, 1)} height={(v / max) * height} fill="#d9480f">
          <title>{`${names[i]}: current ${(v * 100).toFixed(1)} %`}</title>
        </rect>
      ))}
    </svg>
  );
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));
