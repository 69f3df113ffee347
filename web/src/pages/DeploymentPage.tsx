import { useEffect, useState } from 'react';
import { useParams } from 'react-router-dom';
import { deploymentsApi, trafficShares, type StatsPoint, type StoredPrediction } from '../deployments-api';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { formatRelative, formatTime, formatTimeMs } from '../lib/format';
import { useAsync } from '../lib/use-async';
import { DeploymentStatsChart } from './DeploymentStatsChart';
import { DeploymentStateBadge, DeploymentTrafficBar } from './DeploymentTrafficBar';

const WINDOW_SECONDS = 120;
const POLL_MS = 2_000;

/** Poll `load` every `ms` while the page is open (the live parts: stats and recent predictions). */
function usePolling<T>(load: (signal: AbortSignal) => Promise<T>, ms: number, deps: unknown[]): { data: T | undefined; error: unknown } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        setData(await load(controller.signal));
        setError(undefined);
      } catch (err) {
        if (!controller.signal.aborted) setError(err);
      }
      if (!controller.signal.aborted) timer = setTimeout(tick, ms);
    };
    void tick();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
    // The caller lists the inputs of `load` in `deps`.
  }, deps);
  return { data, error };
}

/** `/deployments/:name`: variants and traffic, live request rate / latency / errors per variant, recent predictions, revisions. */
export function DeploymentPage() {
  const { name = '' } = useParams();
  const [nonce, setNonce] = useState(0);
  const deployment = useAsync((signal) => deploymentsApi.get(name, signal), [name, nonce]);
  const revisions = useAsync((signal) => deploymentsApi.revisions(name, signal), [name, nonce]);
  const stats = usePolling((signal) => deploymentsApi.stats(name, WINDOW_SECONDS, signal), POLL_MS, [name]);
  const recent = usePolling((signal) => deploymentsApi.predictions(name, 25, signal), POLL_MS * 2, [name]);
  const [rollbackError, setRollbackError] = useState<unknown>(undefined);
  const d = deployment.data;
  const order = d ? d.variants.map((v) => v.name) : [];
  const shares = d ? trafficShares(d) : new Map();
  const live = new Map((d?.status.variants ?? []).map((v) => [v.name, v]));

  const rollback = async (to: number) => {
    setRollbackError(undefined);
    try {
      await deploymentsApi.rollback(name, to);
      setNonce((n) => n + 1);
    } catch (err) {
      setRollbackError(err);
    }
  };

  return (
    <>
      <PageHeader title={`Deployment ${name}`} subtitle={d ? <>Revision {d.revision} · <DeploymentStateBadge state={d.status.state} /> · OIP <code>/v2/models/{name}/infer</code> · MLflow <code>/deployments/{name}/invocations</code></> : null} />
      {deployment.error ? <ErrorBox error={deployment.error} /> : null}
      {deployment.loading && !d ? <Loading /> : null}
      {d ? (
        <section className="card">
          <h2 className="card-title">Variants and traffic</h2>
          {d.status.error ? <p className="error-text" data-testid="deployment-error">Last load failed: {d.status.error}</p> : null}
          <DeploymentTrafficBar deployment={d} />
          <div className="table-wrap">
            <table className="data-table" data-testid="variants-table">
              <thead>
                <tr><th>Variant</th><th>Model</th><th>Version</th><th>Role</th><th className="num">Traffic</th><th className="num">Concurrency</th><th className="num" title="Rows one model call takes at most (dynamic batching); 1: off">Batch</th><th>Ready</th><th className="num">In flight</th><th className="num">Queued</th></tr>
              </thead>
              <tbody>
                {d.variants.map((v) => {
                  const l = live.get(v.name);
                  const s = shares.get(v.name)!;
                  return (
                    <tr key={v.name}>
                      <td><strong>{v.name}</strong></td>
                      <td><code>{v.model}</code></td>
                      <td>{l?.version ?? '—'}</td>
                      <td>{v.role}</td>
                      <td className="num">{s.mirror ? `mirror ${s.share}%` : `${Number(s.share.toFixed(1))}%`}</td>
                      <td className="num">{v.concurrency}</td>
                      <td className="num">{l?.maxBatch ?? '—'}</td>
                      <td>{l ? (l.ready ? 'yes' : 'no') : '—'}</td>
                      <td className="num">{l?.inFlight ?? '—'}</td>
                      <td className="num">{l?.queued ?? '—'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <p className="muted">Inputs are logged for {Math.round(d.inputSampleRate * 100)}% of predictions{d.stickyKey ? <>; callers are pinned to a variant by <code>{d.stickyKey}</code></> : null}.</p>
        </section>
      ) : null}
      {stats.error ? <ErrorBox error={stats.error} /> : null}
      {stats.data && d ? (
        <div className="chart-grid" style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(320px, 1fr))', gap: 12 }}>
          <DeploymentStatsChart title="Requests per second" unit="req/s" testId="chart-rate" series={stats.data.variants} variantOrder={order} pick={(p: StatsPoint) => p.requests} />
          <DeploymentStatsChart title="Latency p99 (ms)" unit="ms" testId="chart-latency" series={stats.data.variants} variantOrder={order} pick={(p: StatsPoint) => (p.requests > 0 ? p.p99Ms : null)} />
          <DeploymentStatsChart title="Errors per second" unit="err/s" testId="chart-errors" series={stats.data.variants} variantOrder={order} pick={(p: StatsPoint) => p.errors} />
        </div>
      ) : null}
      <section className="card">
        <h2 className="card-title">Recent predictions</h2>
        {recent.error ? <ErrorBox error={recent.error} /> : null}
        {recent.data && recent.data.length === 0 ? <p className="muted">No predictions logged yet.</p> : null}
        {recent.data && recent.data.length > 0 ? <PredictionsTable rows={recent.data} /> : null}
      </section>
      <section className="card">
        <h2 className="card-title">Revisions</h2>
        {rollbackError ? <ErrorBox error={rollbackError} /> : null}
        {revisions.data ? (
          <div className="table-wrap">
            <table className="data-table" data-testid="revisions-table">
              <thead>
                <tr><th className="num">Revision</th><th>When</th><th>By</th><th>Variants</th><th>Message</th><th /></tr>
              </thead>
              <tbody>
                {revisions.data.map((r) => (
                  <tr key={r.revision}>
                    <td className="num">{r.revision}</td>
                    <td title={formatTime(r.time)}>{formatRelative(r.time)}</td>
                    <td>{r.actor}</td>
                    <td>{r.spec.variants.map((v) => `${v.name}=${v.model}${v.role === 'split' ? ` w${v.weight}` : ` ${v.role} ${v.percent}%`}`).join(', ')}</td>
                    <td className="muted">{r.message ?? ''}</td>
                    <td>{d && r.revision !== d.revision ? <button className="btn" onClick={() => void rollback(r.revision)}>Roll back to {r.revision}</button> : <span className="muted">current</span>}</td>
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

function PredictionsTable({ rows }: { rows: StoredPrediction[] }) {
  return (
    <div className="table-wrap">
      <table className="data-table" data-testid="predictions-table">
        <thead>
          <tr><th>Time</th><th>Request id</th><th>Variant</th><th>Version</th><th className="num">Latency</th><th>Output</th></tr>
        </thead>
        <tbody>
          {rows.map((p, i) => (
            <tr key={`${p.requestId}-${p.variant}-${i}`}>
              <td>{formatTimeMs(p.timestamp)}</td>
              <td><code>{p.requestId}</code></td>
              <td>{p.variant}{p.shadow ? <span className="muted"> (shadow)</span> : null}</td>
              <td>{p.modelVersion}</td>
              <td className="num">{p.latencyMs.toFixed(2)} ms</td>
              <td>{p.error ? <span className="error-text">{p.error}</span> : <code>{preview(p.outputs)}</code>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function preview(outputs: unknown[]): string {
  const text = JSON.stringify(outputs.length === 1 ? outputs[0] : outputs);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
