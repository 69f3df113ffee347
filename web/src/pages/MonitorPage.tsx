import { useParams } from 'react-router-dom';
import { ErrorBox } from '../components/ErrorBox';
import { HistogramBars } from '../components/HistogramBars';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { ProfileStatusNote } from '../components/ProfileStatusNote';
import { formatTime } from '../lib/format';
import { useAsync } from '../lib/use-async';
import { monitoringApi, type VariantStatus, type WindowPoint } from '../monitoring-api';

/** `/monitoring/:deployment`: drift table with histograms, data quality, drift and performance over time, alerts. */
export function MonitorPage() {
  const { deployment = '' } = useParams();
  const report = useAsync((signal) => monitoringApi.report(deployment, signal), [deployment]);
  const r = report.data;
  return (
    <>
      <PageHeader title={`Monitoring · ${deployment}`} subtitle={r ? <>{r.windowSeconds} s windows; histograms: reference grey, current orange</> : null} />
      {report.error ? <ErrorBox error={report.error} /> : null}
      {report.loading && !r ? <Loading /> : null}
      {r && r.variants.length === 0 ? <section className="card"><p className="muted">No traffic seen yet.</p></section> : null}
      {r?.variants.map((v) => <VariantSection key={v.variant} v={v} />)}
      {r && r.series.length > 0 ? (
        <section className="card" data-testid="monitor-over-time">
          <h2>Over time</h2>
          <div style={{ display: 'flex', gap: 32, flexWrap: 'wrap' }}>
            <LineChart title="Drift share" points={r.series} value={(p) => p.driftShare} max={1} />
            <LineChart title="Accuracy" points={r.series} value={(p) => p.metrics.accuracy ?? (p.metrics.r2 !== null ? p.metrics.r2 : null)} max={1} />
            <LineChart title="Label coverage" points={r.series} value={(p) => p.metrics.labelCoverage} max={1} />
            <LineChart title="Missing rate" points={r.series} value={(p) => p.missingRate} />
          </div>
        </section>
      ) : null}
      {r ? (
        <section className="card" data-testid="monitor-alerts">
          <h2>Alerts</h2>
          {r.alerts.length === 0 ? <p className="muted">No alerts.</p> : (
            <table className="data-table">
              <thead><tr><th>Time</th><th>Variant</th><th>Rule</th><th>Metric</th><th className="num">Value</th><th>Condition</th></tr></thead>
              <tbody>
                {r.alerts.map((a) => (
                  <tr key={a.alertId}><td>{formatTime(a.time)}</td><td>{a.variant}</td><td>{a.rule}</td><td><code>{a.metric}</code></td><td className="num">{a.value.toPrecision(4)}</td><td>{a.op} {a.threshold}</td></tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ) : null}
    </>
  );
}

function VariantSection({ v }: { v: VariantStatus }) {
  const m = v.metrics;
  const perf = (['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'logLoss', 'mae', 'rmse', 'mape', 'r2', 'labelCoverage'] as const).filter((k) => m[k] !== null);
  return (
    <section className="card" data-testid={`variant-${v.variant}`}>
      <h2>
        {v.variant} <span className="muted">{v.modelName} v{v.modelVersion} · window {formatTime(v.start)}{v.closed ? '' : ' (open)'} · {v.rows} rows</span>
      </h2>
      {v.drift ? (
        <>
          <p data-testid="dataset-drift">{v.drift.datasetDrift ? 'Dataset drift' : 'No dataset drift'}: {v.drift.driftedCount} of {v.drift.features.length} features drifted</p>
          <div className="table-wrap">
            <table className="data-table" data-testid="drift-table">
              <thead><tr><th>Feature</th><th>Type</th><th>Test</th><th className="num">Score</th><th className="num">Threshold</th><th>Drift</th><th className="num">Missing</th><th>Reference vs current</th></tr></thead>
              <tbody>
                {v.drift.features.map((f) => (
                  <tr key={f.feature} className={f.drifted ? 'row-drift' : undefined} style={f.drifted ? { background: '#fff1f0' } : undefined}>
                    <td><strong>{f.feature}</strong></td>
                    <td>{f.type}</td>
                    <td>{f.test}</td>
                    <td className="num">{f.pValue !== null ? `p = ${f.pValue.toPrecision(3)}` : f.distance !== null ? f.distance.toPrecision(3) : '—'}</td>
                    <td className="num">{f.threshold}</td>
                    <td>{f.drifted ? 'drift' : 'ok'}</td>
                    <td className="num">{((v.quality.features[f.feature]?.missingRate ?? 0) * 100).toFixed(1)} %</td>
                    <td>{v.histograms[f.feature] ? <HistogramBars histogram={v.histograms[f.feature]!} label={f.feature} /> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : <ProfileStatusNote name={v.modelName} version={v.modelVersion} />}
      <p data-testid="data-quality">
        Data quality: missing {(v.quality.missingRate * 100).toFixed(2)} %, type errors {v.quality.typeErrors}, out of range {v.quality.outOfRange}, unseen categories {v.quality.unseenCategories}, schema violations {v.quality.schemaViolations}, errors {(v.quality.errorRate * 100).toFixed(1)} %
      </p>
      <p data-testid="performance">Performance: {perf.length === 0 ? <span className="muted">no labels yet</span> : perf.map((k) => `${k} ${m[k]!.toPrecision(3)}`).join(' · ')}</p>
    </section>
  );
}

/** A small per-variant line chart over window starts. */
function LineChart({ title, points, value, max }: { title: string; points: WindowPoint[]; value: (p: WindowPoint) => number | null; max?: number }) {
  const width = 320;
  const height = 120;
  const pts = points.map((p) => ({ p, v: value(p) })).filter((x): x is { p: WindowPoint; v: number } => x.v !== null && Number.isFinite(x.v));
  if (pts.length === 0) return <div><h3>{title}</h3><p className="muted">no data</p></div>;
  const t0 = Math.min(...pts.map((x) => x.p.start));
  const t1 = Math.max(...pts.map((x) => x.p.start), t0 + 1);
  const top = max ?? Math.max(...pts.map((x) => x.v), 1e-9);
  const variants = [...new Set(pts.map((x) => x.p.variant))];
  const colors = ['#1c7ed6', '#d9480f', '#2b8a3e', '#862e9c'];
  const xy = (x: { p: WindowPoint; v: number }) => [20 + ((x.p.start - t0) / (t1 - t0)) * (width - 30), height - 15 - (x.v / top) * (height - 25)] as const;
  return (
    <div data-testid={`chart-${title}`}>
      <h3>{title}</h3>
      <svg width={width} height={height} role="img" aria-label={title}>
        <line x1={20} y1={height - 15} x2={width - 10} y2={height - 15} stroke="#ccc" />
        <text x={0} y={12} fontSize={10} fill="#666">{top.toPrecision(2)}</text>
        {variants.map((name, i) => {
          const series = pts.filter((x) => x.p.variant === name).map(xy);
          return (
            <g key={name}>
              <polyline points={series.map(([x, y]) => `${x},${y}`).join(' ')} fill="none" stroke={colors[i % colors.length]} strokeWidth={2} />
              {series.map(([x, y], j) => <circle key={j} cx={x} cy={y} r={3} fill={colors[i % colors.length]} />)}
            </g>
          );
        })}
      </svg>
    </div>
  );
}
