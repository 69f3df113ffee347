import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, valueOf, type Run } from '../api';
import { ErrorBox } from '../components/ErrorBox';
import { LazyMount } from '../components/LazyMount';
import { Loading } from '../components/Loading';
import { MetricChart, type ChartRun } from '../components/MetricChart';
import { PageHeader } from '../components/PageHeader';
import { StatusBadge } from '../components/StatusBadge';
import { formatDuration, formatExact, formatNumber, formatTime } from '../lib/format';
import { colorFor } from '../lib/palette';
import { useAsync } from '../lib/use-async';

const CHART_HEIGHT = 220;

interface Row {
  key: string;
  values: (string | undefined)[];
  differs: boolean;
}

function compareRows(runs: readonly Run[], pick: (run: Run) => readonly { key: string; value: string }[]): Row[] {
  const keys = [...new Set(runs.flatMap((r) => pick(r).map((p) => p.key)))].sort();
  return keys.map((key) => {
    const values = runs.map((r) => valueOf(pick(r), key));
    return { key, values, differs: new Set(values).size > 1 };
  });
}

/** `/compare?runs=a,b,c`: overlaid metric curves, params with differences highlighted, latest metrics. */
export function ComparePage() {
  const [params] = useSearchParams();
  const ids = useMemo(() => [...new Set((params.get('runs') ?? '').split(',').map((s) => s.trim()).filter(Boolean))], [params]);
  const runs = useAsync((signal) => Promise.all(ids.map((id) => api.getRun(id, signal))), [ids.join(',')]);
  const [onlyDiff, setOnlyDiff] = useState(false);
  const experimentIds = [...new Set((runs.data ?? []).map((r) => r.info.experimentId))];
  const soleExperimentId = experimentIds.length === 1 ? experimentIds[0] : undefined;
  const experiment = useAsync((signal) => (soleExperimentId ? api.getExperiment(soleExperimentId, signal) : Promise.resolve(undefined)), [soleExperimentId]);

  if (ids.length === 0) {
    return (
      <>
        <PageHeader crumbs={[{ label: 'Experiments', to: '/' }]} title="Compare runs" />
        <p className="muted">Select runs in an experiment&apos;s table and press Compare.</p>
      </>
    );
  }
  if (runs.error) {
    return (
      <>
        <PageHeader crumbs={[{ label: 'Experiments', to: '/' }]} title="Compare runs" />
        <ErrorBox error={runs.error} onRetry={runs.reload} />
      </>
    );
  }
  if (!runs.data) return <Loading />;
  const list = runs.data;
  const chartRuns: ChartRun[] = list.map((r, i) => ({ runId: r.info.runId, label: r.info.runName || r.info.runId, color: colorFor(i) }));
  const paramRows = compareRows(list, (r) => r.data.params);
  const shownParams = onlyDiff ? paramRows.filter((r) => r.differs) : paramRows;
  const metricKeys = [...new Set(list.flatMap((r) => r.data.metrics.map((m) => m.key)))].sort();

  const header = (
    <tr>
      <th className="kv-key">Run</th>
      {list.map((r, i) => (
        <th key={r.info.runId} className="compare-run-head">
          <span className="swatch" style={{ background: colorFor(i) }} />
          <Link to={`/runs/${r.info.runId}`}>{r.info.runName || r.info.runId}</Link>
        </th>
      ))}
    </tr>
  );

  return (
    <>
      <PageHeader
        crumbs={[
          { label: 'Experiments', to: '/' },
          ...(soleExperimentId ? [{ label: experiment.data?.name ?? `Experiment ${soleExperimentId}`, to: `/experiments/${soleExperimentId}` }] : []),
        ]}
        title={`Compare ${list.length} runs`}
      />

      <section className="card">
        <h2 className="card-title">Runs</h2>
        <div className="table-wrap">
          <table className="data-table compare-table" data-testid="compare-info">
            <thead>{header}</thead>
            <tbody>
              <tr>
                <th className="kv-key">Status</th>
                {list.map((r) => (
                  <td key={r.info.runId}>
                    <StatusBadge status={r.info.status} />
                  </td>
                ))}
              </tr>
              <tr>
                <th className="kv-key">Started</th>
                {list.map((r) => (
                  <td key={r.info.runId}>{formatTime(r.info.startTime)}</td>
                ))}
              </tr>
              <tr>
                <th className="kv-key">Duration</th>
                {list.map((r) => (
                  <td key={r.info.runId}>{r.info.endTime ? formatDuration(r.info.endTime - r.info.startTime) : '—'}</td>
                ))}
              </tr>
            </tbody>
          </table>
        </div>
      </section>

      <section className="card">
        <h2 className="card-title">
          Metric curves <span className="count">{metricKeys.length}</span>
        </h2>
        {metricKeys.length === 0 ? <div className="empty-inline muted">None of these runs logged metrics.</div> : null}
        <div className="chart-grid wide">
          {metricKeys.map((key) => {
            const having = chartRuns.filter((_, i) => list[i]!.data.metrics.some((m) => m.key === key));
            return (
              <LazyMount key={key} minHeight={CHART_HEIGHT + 100}>
                <MetricChart metricKey={key} runs={having} height={CHART_HEIGHT} labelByRun />
              </LazyMount>
            );
          })}
        </div>
      </section>

      <div className="grid-2">
        <section className="card">
          <div className="card-title-row">
            <h2 className="card-title">
              Parameters <span className="count">{paramRows.length}</span>
              <span className="muted diff-count"> · {paramRows.filter((r) => r.differs).length} differ</span>
            </h2>
            <label className="toggle">
              <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} /> only differences
            </label>
          </div>
          <div className="table-wrap">
            <table className="data-table compare-table" data-testid="compare-params">
              <thead>{header}</thead>
              <tbody>
                {shownParams.map((row) => (
                  <tr key={row.key} className={row.differs ? 'diff' : undefined} data-param-key={row.key} data-differs={row.differs}>
                    <th scope="row" className="mono kv-key">
                      {row.key}
                    </th>
                    {row.values.map((v, i) => (
                      <td key={i} className="mono">
                        {v ?? <span className="muted">—</span>}
                      </td>
                    ))}
                  </tr>
                ))}
                {shownParams.length === 0 ? (
                  <tr>
                    <td colSpan={list.length + 1} className="empty">
                      {onlyDiff ? 'All parameters are equal.' : 'No parameters logged.'}
                    </td>
                  </tr>
                ) : null}
              </tbody>
            </table>
          </div>
        </section>
        <section className="card">
          <h2 className="card-title">
            Latest metrics <span className="count">{metricKeys.length}</span>
          </h2>
          <div className="table-wrap">
            <table className="data-table compare-table" data-testid="compare-metrics">
              <thead>{header}</thead>
              <tbody>
                {metricKeys.map((key) => {
                  const values = list.map((r) => r.data.metrics.find((m) => m.key === key)?.value);
                  return (
                    <tr key={key}>
                      <th scope="row" className="mono kv-key">
                        {key}
                      </th>
                      {values.map((v, i) => (
                        <td key={i} className="num mono" title={v === undefined ? '' : formatExact(v)}>
                          {v === undefined ? <span className="muted">—</span> : formatNumber(v)}
                        </td>
                      ))}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </section>
      </div>
    </>
  );
}
