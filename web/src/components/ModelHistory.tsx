import { useState } from 'react';
import { formatRelative, formatTime, formatTimeMs } from '../lib/format';
import { EVENT_GROUPS, describeEvent, groupOf, toLocalInput, type EventGroup } from '../lib/registry-format';
import { useAsync } from '../lib/use-async';
import { registryApi } from '../registry-api';
import { AliasAtQuery } from './AliasAtQuery';
import { ErrorBox } from './ErrorBox';
import { Loading } from './Loading';

const LIMIT = 500;

/**
 * A model's audit timeline, newest first: who did what, when, from which version to which, and
 * why; filtered on the server by alias and event group. Above it, the point-in-time alias query.
 */
export function ModelHistory({
  modelName,
  aliases,
  alias,
  group,
  onFilter,
  reloadKey,
}: {
  modelName: string;
  /** Aliases the model has now (the timeline adds those it once had). */
  aliases: readonly string[];
  alias: string;
  group: EventGroup | '';
  onFilter: (next: { alias: string; group: EventGroup | '' }) => void;
  reloadKey: number;
}) {
  const history = useAsync(
    (signal) => registryApi.history(modelName, { alias: alias || undefined, types: group ? EVENT_GROUPS[group].types : undefined, limit: LIMIT }, signal),
    [modelName, alias, group, reloadKey],
  );
  // Every alias the model ever had, for the filter and the point-in-time query.
  const everyAlias = useAsync((signal) => registryApi.history(modelName, { types: EVENT_GROUPS.alias.types, limit: LIMIT }, signal), [modelName, reloadKey]);
  const known = [...new Set([...aliases, ...(everyAlias.data ?? []).map((e) => e.alias ?? '').filter(Boolean)])].sort();
  const [at, setAt] = useState({ alias: '', time: toLocalInput(Date.now()) });
  const events = history.data ?? [];

  return (
    <div className="history" data-testid="model-history">
      <section className="card">
        <h2 className="card-title">Point in time</h2>
        {known.length ? <AliasAtQuery modelName={modelName} aliases={known} alias={at.alias} time={at.time} onChange={setAt} /> : <div className="empty-inline muted">This model never had an alias.</div>}
      </section>
      <section className="card">
        <div className="card-title-row">
          <h2 className="card-title">
            Audit history <span className="count">{events.length}</span>
          </h2>
          <select className="input" value={alias} onChange={(e) => onFilter({ alias: e.target.value, group })} aria-label="Filter by alias">
            <option value="">all aliases</option>
            {known.map((a) => (
              <option key={a} value={a}>
                @{a}
              </option>
            ))}
          </select>
          <select className="input" value={group} onChange={(e) => onFilter({ alias, group: e.target.value as EventGroup | '' })} aria-label="Filter by event type">
            <option value="">all events</option>
            {Object.entries(EVENT_GROUPS).map(([key, g]) => (
              <option key={key} value={key}>
                {g.label}
              </option>
            ))}
          </select>
          {history.loading ? <Loading /> : null}
        </div>
        <ErrorBox error={history.error} onRetry={history.reload} />
        {!history.loading && !history.error && events.length === 0 ? <div className="empty">No events match.</div> : null}
        <ol className="timeline" data-testid="history-timeline">
          {events.map((e) => (
            <li key={e.seq} className={`event group-${groupOf(e.type)}`} data-type={e.type} data-seq={e.seq} data-alias={e.alias ?? ''} data-from={e.fromVersion ?? ''} data-to={e.toVersion ?? ''}>
              <div className="event-time" title={formatTimeMs(e.time)}>
                <div>{formatTime(e.time)}</div>
                <div className="muted">{formatRelative(e.time)}</div>
              </div>
              <span className="event-dot" aria-hidden="true" />
              <div className="event-body">
                <div className="event-line">
                  <strong className="event-actor">{e.actor}</strong> <span className="event-what">{describeEvent(e)}</span>
                  <code className="event-type">{e.type}</code>
                  <span className="muted event-seq">#{e.seq}</span>
                  {e.alias && e.type === 'alias.set' ? (
                    <button type="button" className="link-button event-ask" onClick={() => setAt({ alias: e.alias!, time: toLocalInput(e.time) })} title="Ask which version the alias pointed to at this moment">
                      at this time?
                    </button>
                  ) : null}
                </div>
                {e.reason ? <div className="event-reason">“{e.reason}”</div> : null}
                {Array.isArray(e.payload?.approvedBy) ? <div className="event-extra muted">approved by {(e.payload.approvedBy as string[]).join(', ')} (request {String(e.payload.requestId)})</div> : null}
              </div>
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
