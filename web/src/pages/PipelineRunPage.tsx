import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { DagGraph } from '../components/DagGraph';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { formatBytes, formatDuration, formatTime } from '../lib/format';
import { useAsync } from '../lib/use-async';
import { pipelinesApi, type PipelineRunDetail, type StepLogLine, type StepRun } from '../pipelines-api';
import { PipelineStateBadge } from '../pipelines-badge';
import '../pipelines-ui.css';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);
const POLL_MS = 1000;

/** Poll the run every second until it reaches a final state. */
function useLiveRun(runId: string): { detail: PipelineRunDetail | undefined; error: unknown; refresh: () => void } {
  const [detail, setDetail] = useState<PipelineRunDetail>();
  const [error, setError] = useState<unknown>();
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      pipelinesApi.run(runId, controller.signal).then(
        (d) => {
          setDetail(d);
          setError(undefined);
          if (!FINAL.has(d.run.status)) timer = setTimeout(tick, POLL_MS);
        },
        (err: unknown) => {
          if (!controller.signal.aborted) setError(err);
        },
      );
    };
    tick();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [runId, nonce]);
  return { detail, error, refresh: () => setNonce((n) => n + 1) };
}

/** `/pipelines/runs/:runId`: the run's DAG with live step states, the steps, and one step's logs, cache decision and artifacts. */
export function PipelineRunPage() {
  const { runId = '' } = useParams();
  const { detail, error, refresh } = useLiveRun(runId);
  const [selected, setSelected] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>();
  if (error && !detail) return <ErrorBox error={error} />;
  if (!detail) return <Loading />;
  const { run, steps, dag } = detail;
  const step = steps.find((s) => s.stepName === selected) ?? steps.find((s) => s.status === 'failed') ?? steps.find((s) => s.status === 'running') ?? steps[0];
  const act = (p: Promise<unknown>) => p.then(() => { setActionError(undefined); refresh(); }, setActionError);
  return (
    <>
      <PageHeader
        crumbs={[{ label: 'Pipelines', to: '/pipelines' }, { label: run.pipelineName, to: `/pipelines?pipeline=${encodeURIComponent(run.pipelineName)}` }]}
        title={<>Run {run.runId} <PipelineStateBadge state={run.status} /></>}
        subtitle={
          <>
            v{run.version} · trigger {run.trigger.kind} · started {formatTime(run.startedAt ?? run.createdAt)}
            {run.startedAt ? ` · ${formatDuration((run.finishedAt ?? Date.now()) - run.startedAt)}` : ''}
            {run.trackingRunId ? <> · tracked as <Link to={`/runs/${run.trackingRunId}`}>run {run.trackingRunId.slice(0, 8)}</Link></> : null}
          </>
        }
        actions={
          <>
            {!FINAL.has(run.status) ? <button className="btn" onClick={() => act(pipelinesApi.cancel(run.runId))}>Cancel</button> : null}
            {run.status === 'failed' || run.status === 'cancelled' ? <button className="btn" onClick={() => act(pipelinesApi.resume(run.runId))}>Resume</button> : null}
          </>
        }
      />
      <ErrorBox error={actionError} />
      {run.error ? <div className="card pipeline-error" role="alert">{run.error}</div> : null}
      <section className="card">
        <h2 className="card-title">DAG</h2>
        <DagGraph steps={steps} dag={dag} selected={step?.stepName ?? null} onSelect={setSelected} />
        <div className="muted small">Params: <code>{JSON.stringify(run.params)}</code></div>
      </section>
      <section className="card">
        <h2 className="card-title">Steps</h2>
        <div className="table-wrap">
          <table className="data-table" data-testid="pipeline-steps-table">
            <thead>
              <tr><th>Step</th><th>Status</th><th>Cache</th><th className="num">Attempts</th><th className="num">Duration</th><th>Tracking run</th><th>Note</th></tr>
            </thead>
            <tbody>
              {steps.map((s) => (
                <tr key={s.stepRunId} className={s.stepName === step?.stepName ? 'selected' : undefined} onClick={() => setSelected(s.stepName)} style={{ cursor: 'pointer' }}>
                  <td>{s.stepName}</td>
                  <td><PipelineStateBadge state={s.status} /></td>
                  <td title={s.cacheReason ?? ''}>{s.cacheStatus ?? '—'}</td>
                  <td className="num">{s.attempts}</td>
                  <td className="num">{s.startedAt ? formatDuration((s.finishedAt ?? Date.now()) - s.startedAt) : '—'}</td>
                  <td>{s.trackingRunId ? <Link to={`/runs/${s.trackingRunId}`} onClick={(e) => e.stopPropagation()}>{s.trackingRunId.slice(0, 8)}</Link> : '—'}</td>
                  <td className="muted ellipsis">{s.error ?? modelOutput(s) ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {step ? <StepPanel runId={run.runId} step={step} live={!FINAL.has(run.status)} /> : null}
    </>
  );
}

const modelOutput = (s: StepRun): string | undefined => s.outputs.find((o) => o.artifactPath.startsWith('models:/'))?.artifactPath;

/** One step: cache decision with what changed, outputs with digests, and its log (followed while the run is live). */
function StepPanel({ runId, step, live }: { runId: string; step: StepRun; live: boolean }) {
  const explain = useAsync((signal) => pipelinesApi.explain(runId, step.stepName, signal), [runId, step.stepName, step.status]);
  return (
    <div className="grid-2 pipeline-step-panel" data-testid="step-panel" data-step={step.stepName}>
      <section className="card">
        <h2 className="card-title">Log of {step.stepName}</h2>
        <StepLog runId={runId} step={step.stepName} live={live || step.status === 'running'} />
      </section>
      <div>
        <section className="card" data-testid="cache-panel">
          <h2 className="card-title">Cache: {step.cacheStatus ?? 'not evaluated'}</h2>
          {step.cacheReason ? <p>{step.cacheReason}</p> : null}
          {explain.data?.closest ? (
            explain.data.closest.changes.length === 0 ? (
              <p className="muted">Same key as {explain.data.closest.stepName} in run <Link to={`/pipelines/runs/${explain.data.closest.runId}`}>{explain.data.closest.runId}</Link>.</p>
            ) : (
              <>
                <p className="muted">Changed since {explain.data.closest.stepName} in run <Link to={`/pipelines/runs/${explain.data.closest.runId}`}>{explain.data.closest.runId}</Link>:</p>
                <table className="data-table compact">
                  <thead><tr><th>Key part</th><th>Before</th><th>Now</th></tr></thead>
                  <tbody>
                    {explain.data.closest.changes.map((c) => (
                      <tr key={c.part}><td>{c.part}</td><td className="mono ellipsis" title={c.before ?? ''}>{c.before ?? '(absent)'}</td><td className="mono ellipsis" title={c.now ?? ''}>{c.now ?? '(absent)'}</td></tr>
                    ))}
                  </tbody>
                </table>
              </>
            )
          ) : null}
          {step.cacheKey ? <div className="muted small mono">key {step.cacheKey.slice(0, 24)}…</div> : null}
        </section>
        <section className="card" data-testid="artifacts-panel">
          <h2 className="card-title">Outputs</h2>
          {step.outputs.length === 0 ? <p className="muted">None.</p> : (
            <table className="data-table compact">
              <thead><tr><th>Name</th><th>Stored at</th><th className="num">Size</th><th>Digest</th></tr></thead>
              <tbody>
                {step.outputs.map((o) => (
                  <tr key={o.name}>
                    <td>{o.name}</td>
                    <td className="ellipsis">{o.artifactPath.startsWith('models:/') ? <Link to={`/models/${o.artifactPath.slice(8).replace(/\/(\d+)$/, '/versions/$1')}`}>{o.artifactPath}</Link> : <span className="mono" title={o.artifactPath}>{o.artifactPath}{o.isDir ? '/' : ''}</span>}</td>
                    <td className="num">{formatBytes(o.sizeBytes)}</td>
                    <td className="mono" title={o.digest}>{o.digest.slice(0, 15)}…</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {step.cachedFrom ? <p className="muted small">Reused from step run {step.cachedFrom}.</p> : null}
          {step.trackingRunId ? <p className="small"><Link to={`/runs/${step.trackingRunId}`}>Open the step's tracking run</Link> (params, metrics, inputs).</p> : null}
        </section>
      </div>
    </div>
  );
}

/** A step's log lines, fetched incrementally (after the last sequence number) while `live`. */
function StepLog({ runId, step, live }: { runId: string; step: string; live: boolean }) {
  const [lines, setLines] = useState<StepLogLine[]>([]);
  const [error, setError] = useState<unknown>();
  const after = useRef(0);
  useEffect(() => {
    setLines([]);
    after.current = 0;
  }, [runId, step]);
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      pipelinesApi.logs(runId, step, after.current, controller.signal).then(
        (page) => {
          if (page.lines.length > 0) {
            after.current = page.lines[page.lines.length - 1]!.seq;
            setLines((prev) => [...prev, ...page.lines].slice(-5000));
          }
          if (live || page.lines.length > 0) timer = setTimeout(tick, page.lines.length > 0 ? 0 : POLL_MS);
        },
        (err: unknown) => {
          if (!controller.signal.aborted) setError(err);
        },
      );
    };
    tick();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [runId, step, live]);
  return (
    <>
      <ErrorBox error={error} compact />
      <pre className="pipeline-log" data-testid="step-log">
        {lines.length === 0 ? <span className="muted">(no output yet)</span> : lines.map((l) => (
          <div key={l.seq} className={`log-${l.stream}`}><span className="log-attempt">#{l.attempt}</span>{l.line}</div>
        ))}
      </pre>
    </>
  );
}
