import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, type Metric } from '../api';
import { ArtifactBrowser } from '../components/ArtifactBrowser';
import { DatasetInputs } from '../components/DatasetInputs';
import { ErrorBox } from '../components/ErrorBox';
import { KeyValueTable } from '../components/KeyValueTable';
import { LazyMount } from '../components/LazyMount';
import { Loading } from '../components/Loading';
import { MetricChart } from '../components/MetricChart';
import { PageHeader } from '../components/PageHeader';
import { RunOverview } from '../components/RunOverview';
import { StatusBadge } from '../components/StatusBadge';
import { formatExact, formatNumber } from '../lib/format';
import { colorFor } from '../lib/palette';
import { useAsync } from '../lib/use-async';

const CHART_HEIGHT = 190;

function LatestMetrics({ metrics }: { metrics: readonly Metric[] }) {
  if (metrics.length === 0) return <div className="empty-inline muted">No metrics logged.</div>;
  return (
    <table className="data-table kv-table" data-testid="latest-metrics">
      <thead>
        <tr>
          <th>Key</th>
          <th className="num">Latest</th>
          <th className="num">Step</th>
        </tr>
      </thead>
      <tbody>
        {[...metrics]
          .sort((a, b) => a.key.localeCompare(b.key))
          .map((m) => (
            <tr key={m.key}>
              <th scope="row" className="mono kv-key">
                <a href={`#chart-${encodeURIComponent(m.key)}`}>{m.key}</a>
              </th>
              <td className="num mono" title={formatExact(m.value)}>
                {formatNumber(m.value)}
              </td>
              <td className="num mono muted">{m.step}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

/** `/runs/:runId`: everything about one run, with a chart per metric and the artifact browser. */
export function RunPage() {
  const { runId = '' } = useParams();
  const run = useAsync((signal) => api.getRun(runId, signal), [runId]);
  const experimentId = run.data?.info.experimentId;
  const experiment = useAsync((signal) => (experimentId ? api.getExperiment(experimentId, signal) : Promise.resolve(undefined)), [experimentId]);
  const children = useAsync(
    (signal) =>
      experimentId
        ? api.searchRuns({ experimentIds: [experimentId], filter: `tags.mlflow.parentRunId = '${runId}'`, maxResults: 50 }, signal)
        : Promise.resolve(undefined),
    [experimentId, runId],
  );
  const [metricQuery, setMetricQuery] = useState('');

  const metricKeys = useMemo(() => [...new Set((run.data?.data.metrics ?? []).map((m) => m.key))].sort(), [run.data]);
  const q = metricQuery.trim().toLowerCase();
  const shownKeys = q ? metricKeys.filter((k) => k.toLowerCase().includes(q)) : metricKeys;

  if (run.error) {
    return (
      <>
        <PageHeader crumbs={[{ label: 'Experiments', to: '/' }]} title={`Run ${runId}`} />
        <ErrorBox error={run.error} onRetry={run.reload} />
      </>
    );
  }
  if (!run.data) return <Loading />;
  const r = run.data;
  const chartRuns = [{ runId: r.info.runId, label: r.info.runName || r.info.runId, color: colorFor(0) }];
  const childRuns = children.data?.items ?? [];

  return (
    <>
      <PageHeader
        crumbs={[
          { label: 'Experiments', to: '/' },
          { label: experiment.data?.name ?? `Experiment ${r.info.experimentId}`, to: `/experiments/${r.info.experimentId}` },
        ]}
        title={
          <>
            {r.info.runName || r.info.runId} <StatusBadge status={r.info.status} />
          </>
        }
        actions={
          <button type="button" className="btn" onClick={run.reload} disabled={run.loading}>
            Refresh
          </button>
        }
      />
      <div className="grid-2">
        <section className="card">
          <h2 className="card-title">Overview</h2>
          <RunOverview run={r} experiment={experiment.data} />
        </section>
        <div className="stack">
          <section className="card">
            <h2 className="card-title">
              Dataset inputs <span className="count">{r.inputs.datasetInputs.length}</span>
            </h2>
            <DatasetInputs inputs={r.inputs.datasetInputs} />
          </section>
          {childRuns.length > 0 ? (
            <section className="card">
              <h2 className="card-title">
                Child runs <span className="count">{childRuns.length}</span>
              </h2>
              <ul className="child-runs">
                {childRuns.map((c) => (
                  <li key={c.info.runId}>
                    <StatusBadge status={c.info.status} /> <Link to={`/runs/${c.info.runId}`}>{c.info.runName || c.info.runId}</Link>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </div>
      </div>

      <section className="card">
        <div className="card-title-row">
          <h2 className="card-title">
            Metrics <span className="count">{metricKeys.length}</span>
          </h2>
          {metricKeys.length > 6 ? (
            <input className="kv-filter inline" placeholder="Filter charts…" value={metricQuery} onChange={(e) => setMetricQuery(e.target.value)} aria-label="Filter charts" />
          ) : null}
        </div>
        {metricKeys.length === 0 ? <div className="empty-inline muted">No metrics logged.</div> : null}
        <div className="chart-grid">
          {shownKeys.map((key) => (
            <div key={key} id={`chart-${encodeURIComponent(key)}`}>
              <LazyMount minHeight={CHART_HEIGHT + 80}>
                <MetricChart metricKey={key} runs={chartRuns} height={CHART_HEIGHT} />
              </LazyMount>
            </div>
          ))}
        </div>
      </section>

      <div className="grid-3">
        <section className="card">
          <h2 className="card-title">
            Parameters <span className="count">{r.data.params.length}</span>
          </h2>
          <KeyValueTable items={r.data.params} emptyText="No parameters logged." testId="params-table" />
        </section>
        <section className="card">
          <h2 className="card-title">
            Latest metrics <span className="count">{r.data.metrics.length}</span>
          </h2>
          <LatestMetrics metrics={r.data.metrics} />
        </section>
        <section className="card">
          <h2 className="card-title">
            Tags <span className="count">{r.data.tags.length}</span>
          </h2>
          <KeyValueTable items={r.data.tags} emptyText="No tags." testId="tags-table" dimKeys={/^mlflow\./} />
        </section>
      </div>

      <section className="card">
        <h2 className="card-title">Artifacts</h2>
        <ArtifactBrowser runId={r.info.runId} />
      </section>
    </>
  );
}
