import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
// Type-only imports: the trigger shapes are defined once, in the pipelines domain, and erased at build.
import type { FireOutcome, PipelineTrigger, TriggerFiring } from '../../../src/pipelines/triggers/model.js';
import { request } from '../api';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { formatRelative, formatTime } from '../lib/format';
import { useAsync } from '../lib/use-async';

const enc = encodeURIComponent;

/** The native trigger routes as this page uses them. */
const triggersApi = {
  list: async (pipeline: string, signal?: AbortSignal) => (await request<{ items: PipelineTrigger[] }>('GET', '/api/v1/pipeline-triggers', { query: { pipeline }, signal })).items,
  firings: async (pipeline: string, signal?: AbortSignal) => (await request<{ items: TriggerFiring[] }>('GET', `/api/v1/pipelines/${enc(pipeline)}/trigger-firings`, { query: { limit: 100 }, signal })).items,
  create: (body: unknown) => request<PipelineTrigger>('POST', '/api/v1/pipeline-triggers', { body }),
  setEnabled: (id: string, enabled: boolean) => request<PipelineTrigger>('PATCH', `/api/v1/pipeline-triggers/${enc(id)}`, { body: { enabled } }),
  fire: (pipeline: string, id: string) => request<FireOutcome>('POST', `/api/v1/pipelines/${enc(pipeline)}/triggers/${enc(id)}/fire`, { body: {} }),
};

/** What a trigger watches, in words. */
function when(t: PipelineTrigger): string {
  const c = t.config as Record<string, unknown>;
  if (t.kind === 'schedule') return `cron ${String(c.cron)} (${String(c.timezone)}), missed slots: ${c.missed === 'catch_up' ? 'catch up' : 'skip'}`;
  if (t.kind === 'data') return `new data at ${String(c.uri)}, checked every ${String(c.pollSeconds)} s`;
  if (t.kind === 'upstream') return `${String(c.pipeline)} ${(c.statuses as string[]).join(' or ')}`;
  return c.eventType === '*' ? 'any event' : `event ${String(c.eventType)}`;
}

/** `/pipelines/:name/triggers`: a pipeline's schedules and triggers, and their firing history. */
export function PipelineTriggersPage() {
  const { name = '' } = useParams();
  const triggers = useAsync((signal) => triggersApi.list(name, signal), [name]);
  const firings = useAsync((signal) => triggersApi.firings(name, signal), [name]);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [cron, setCron] = useState('0 3 * * *');
  const [missed, setMissed] = useState<'skip' | 'catch_up'>('skip');
  const reload = () => {
    triggers.reload();
    firings.reload();
  };
  const act = async (fn: () => Promise<unknown>) => {
    setActionError(undefined);
    try {
      await fn();
      reload();
    } catch (err) {
      setActionError(err);
    }
  };
  const addSchedule = (e: FormEvent) => {
    e.preventDefault();
    void act(() => triggersApi.create({ pipeline: name, kind: 'schedule', config: { cron, missed } }));
  };
  return (
    <>
      <PageHeader
        crumbs={[{ label: 'Pipelines', to: '/pipelines' }, { label: name, to: `/pipelines?pipeline=${enc(name)}` }]}
        title={`Triggers of ${name}`}
        subtitle={<>Schedules, new data, upstream success and events start runs by themselves; add more with <code>ascent pipelines triggers add {name} …</code></>}
        actions={<button type="button" className="btn" onClick={reload}>Refresh</button>}
      />
      {actionError ? <ErrorBox error={actionError} /> : null}
      <section className="card">
        <h2 className="card-title">Schedules and triggers</h2>
        {triggers.error ? <ErrorBox error={triggers.error} /> : null}
        {triggers.loading && !triggers.data ? <Loading /> : null}
        {triggers.data && triggers.data.length === 0 ? <p className="muted">No triggers: runs of {name} start only by hand.</p> : null}
        {triggers.data && triggers.data.length > 0 ? (
          <div className="table-wrap">
            <table className="data-table" data-testid="pipeline-triggers-table">
              <thead>
                <tr><th>Trigger</th><th>Kind</th><th>When</th><th>Params</th><th>Enabled</th><th /></tr>
              </thead>
              <tbody>
                {triggers.data.map((t) => (
                  <tr key={t.triggerId}>
                    <td><code>{t.triggerId}</code>{t.description ? <div className="muted">{t.description}</div> : null}</td>
                    <td>{t.kind}</td>
                    <td>{when(t)}</td>
                    <td className="muted">{Object.keys(t.params).length ? JSON.stringify(t.params) : '—'}</td>
                    <td>{t.enabled ? 'yes' : 'no'}</td>
                    <td>
                      <button type="button" className="btn" onClick={() => void act(() => triggersApi.setEnabled(t.triggerId, !t.enabled))}>{t.enabled ? 'Disable' : 'Enable'}</button>{' '}
                      <button type="button" className="btn" disabled={!t.enabled} onClick={() => void act(() => triggersApi.fire(name, t.triggerId))}>Fire now</button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <form className="inline-form" onSubmit={addSchedule} aria-label="Add a schedule">
          <label>Cron <input value={cron} onChange={(e) => setCron(e.target.value)} aria-label="cron expression" size={16} /></label>{' '}
          <label>Missed slots{' '}
            <select value={missed} onChange={(e) => setMissed(e.target.value as 'skip' | 'catch_up')} aria-label="missed slots">
              <option value="skip">skip</option>
              <option value="catch_up">catch up</option>
            </select>
          </label>{' '}
          <button type="submit" className="btn btn-primary">Add schedule</button>
        </form>
      </section>
      <section className="card">
        <h2 className="card-title">Firing history</h2>
        {firings.error ? <ErrorBox error={firings.error} /> : null}
        {firings.loading && !firings.data ? <Loading /> : null}
        {firings.data && firings.data.length === 0 ? <p className="muted">Nothing fired yet.</p> : null}
        {firings.data && firings.data.length > 0 ? (
          <div className="table-wrap">
            <table className="data-table" data-testid="trigger-firings-table">
              <thead>
                <tr><th>Fired</th><th>Cause</th><th>Slot</th><th>Trigger</th><th>Run</th><th>Status</th></tr>
              </thead>
              <tbody>
                {firings.data.map((f) => (
                  <tr key={`${f.triggerId}/${f.slotKey}`}>
                    <td title={formatTime(f.firedTime)}>{formatRelative(f.firedTime)}</td>
                    <td>{f.cause}</td>
                    <td><code>{f.slotKey}</code></td>
                    <td><code>{f.triggerId}</code></td>
                    <td>{f.runId ? <Link to={`/pipelines/runs/${f.runId}`}>{f.runId}</Link> : '—'}</td>
                    <td>{f.error ? <span title={f.error}>{f.status}: {f.error}</span> : f.status}</td>
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
