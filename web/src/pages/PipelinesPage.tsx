import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { formatDuration, formatRelative, formatTime } from '../lib/format';
import { useAsync } from '../lib/use-async';
import { pipelinesApi } from '../pipelines-api';
import { PipelineStateBadge } from '../pipelines-badge';

/** `/pipelines`: stored pipelines with their latest run, and recent runs (of one pipeline with `?pipeline=`). */
export function PipelinesPage() {
  const [params, setParams] = useSearchParams();
  const pipeline = params.get('pipeline') ?? undefined;
  const list = useAsync((signal) => pipelinesApi.list(signal), []);
  const runs = useAsync((signal) => pipelinesApi.runs({ pipeline, limit: 50 }, signal), [pipeline]);
  return (
    <>
      <PageHeader title="Pipelines" subtitle={<>Run one with <code>ascent pipelines run pipeline.yaml</code>; every run is tracked, every step cached by content.</>} />
      <section className="card">
        <h2 className="card-title">Pipelines</h2>
        {list.error ? <ErrorBox error={list.error} /> : null}
        {list.loading && !list.data ? <Loading /> : null}
        {list.data && list.data.length === 0 ? <p className="muted">No pipelines yet.</p> : null}
        {list.data && list.data.length > 0 ? (
          <div className="table-wrap">
            <table className="data-table" data-testid="pipelines-table">
              <thead>
                <tr><th>Name</th><th>Version</th><th>Last run</th><th>Updated</th><th>Description</th></tr>
              </thead>
              <tbody>
                {list.data.map((p) => (
                  <tr key={p.pipelineId}>
                    <td><a href={`?pipeline=${encodeURIComponent(p.name)}`} onClick={(e) => { e.preventDefault(); setParams({ pipeline: p.name }); }}>{p.name}</a></td>
                    <td className="num">{p.latestVersion}</td>
                    <td>{p.lastRun ? <><Link to={`/pipelines/runs/${p.lastRun.runId}`}>{p.lastRun.runId}</Link> <PipelineStateBadge state={p.lastRun.status} /></> : '—'}</td>
                    <td title={formatTime(p.updatedAt)}>{formatRelative(p.updatedAt)}</td>
                    <td className="muted">{p.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
      {pipeline ? <PipelineDefinition name={pipeline} /> : null}
      <section className="card">
        <div className="card-title-row">
          <h2 className="card-title">{pipeline ? `Runs of ${pipeline}` : 'Recent runs'}</h2>
          {pipeline ? <button className="btn" onClick={() => setParams({})}>All pipelines</button> : null}
        </div>
        {runs.error ? <ErrorBox error={runs.error} /> : null}
        {runs.loading && !runs.data ? <Loading /> : null}
        {runs.data && runs.data.length === 0 ? <p className="muted">No runs.</p> : null}
        {runs.data && runs.data.length > 0 ? (
          <div className="table-wrap">
            <table className="data-table" data-testid="pipeline-runs-table">
              <thead>
                <tr><th>Run</th><th>Pipeline</th><th>Status</th><th>Trigger</th><th>Started</th><th className="num">Duration</th></tr>
              </thead>
              <tbody>
                {runs.data.map((r) => (
                  <tr key={r.runId}>
                    <td><Link to={`/pipelines/runs/${r.runId}`}>{r.runId}</Link></td>
                    <td>{r.pipelineName} <span className="muted">v{r.version}</span></td>
                    <td><PipelineStateBadge state={r.status} /></td>
                    <td>{r.trigger.kind}</td>
                    <td title={formatTime(r.startedAt ?? r.createdAt)}>{formatRelative(r.startedAt ?? r.createdAt)}</td>
                    <td className="num">{r.startedAt ? formatDuration((r.finishedAt ?? Date.now()) - r.startedAt) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </>
  );
}

/** The selected pipeline's latest definition, its versions, a Run button (default params) and its triggers. */
function PipelineDefinition({ name }: { name: string }) {
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>();
  const info = useAsync((signal) => pipelinesApi.get(name, signal), [name]);
  if (info.error) return <ErrorBox error={info.error} />;
  if (!info.data) return <Loading />;
  const { latest, versions } = info.data;
  const start = () => pipelinesApi.start(name).then((r) => navigate(`/pipelines/runs/${r.runId}`), setError);
  return (
    <section className="card" data-testid="pipeline-definition">
      <div className="card-title-row">
        <h2 className="card-title">{name} v{latest.version} <span className="muted">({versions.length} version{versions.length === 1 ? '' : 's'}, {latest.digest.slice(0, 19)})</span></h2>
        <Link className="btn" to={`/pipelines/${encodeURIComponent(name)}/triggers`}>Schedules and triggers</Link>
        <button className="btn btn-primary" onClick={() => void start()}>Run with defaults</button>
      </div>
      <ErrorBox error={error} />
      <div className="muted small">Folder on the server: <code>{latest.baseDir}</code></div>
      <details>
        <summary>Definition</summary>
        <pre className="mono">{latest.source}</pre>
      </details>
    </section>
  );
}
