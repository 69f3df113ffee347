import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { formatTimeMs } from '../lib/format';
import { registryApi, type AliasAt } from '../registry-api';
import { ErrorBox } from './ErrorBox';

/**
 * "Which version was @alias at <time>?": asks `GET …/aliases/:alias/at`, which answers from the
 * audit history, so it also covers aliases that have since moved or been deleted.
 */
export function AliasAtQuery({
  modelName,
  aliases,
  alias,
  time,
  onChange,
}: {
  modelName: string;
  aliases: readonly string[];
  alias: string;
  /** A datetime-local value, in the browser's time zone. */
  time: string;
  onChange: (next: { alias: string; time: string }) => void;
}) {
  const [answer, setAnswer] = useState<{ alias: string; at: number; result: AliasAt } | null>(null);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const chosen = alias || aliases[0] || '';

  const ask = (e: FormEvent) => {
    e.preventDefault();
    const at = new Date(time).getTime();
    if (!chosen || !Number.isFinite(at)) return;
    setBusy(true);
    setError(undefined);
    registryApi.aliasAt(modelName, chosen, new Date(at).toISOString()).then(
      (result) => {
        setAnswer({ alias: chosen, at, result });
        setBusy(false);
      },
      (err: unknown) => {
        setAnswer(null);
        setError(err);
        setBusy(false);
      },
    );
  };

  const base = `/models/${encodeURIComponent(modelName)}/versions/`;
  return (
    <div className="alias-at" data-testid="alias-at">
      <form className="inline-form" onSubmit={ask} aria-label="Alias at time">
        <span>Which version was</span>
        <select className="input" value={chosen} onChange={(e) => onChange({ alias: e.target.value, time })} aria-label="Alias to look up">
          {aliases.map((a) => (
            <option key={a} value={a}>
              @{a}
            </option>
          ))}
        </select>
        <span>at</span>
        <input className="input" type="datetime-local" step="0.001" value={time} onChange={(e) => onChange({ alias: chosen, time: e.target.value })} aria-label="Point in time" required />
        <button type="submit" className="btn btn-primary" disabled={busy || !chosen || !time}>
          Ask
        </button>
      </form>
      {answer ? (
        <div className="alias-at-answer" data-testid="alias-at-answer" data-version={answer.result.version ?? ''}>
          {answer.result.version ? (
            <>
              At {formatTimeMs(answer.at)}, <strong>@{answer.alias}</strong> pointed to{' '}
              <Link to={base + encodeURIComponent(answer.result.version)} className="version-link">
                version {answer.result.version}
              </Link>
              {answer.result.event ? (
                <span className="muted">
                  {' '}
                  — set by {answer.result.event.actor} at {formatTimeMs(answer.result.event.time)} (event #{answer.result.event.seq}
                  {answer.result.event.reason ? `: “${answer.result.event.reason}”` : ''})
                </span>
              ) : null}
            </>
          ) : (
            <>
              At {formatTimeMs(answer.at)}, <strong>@{answer.alias}</strong> pointed to no version
              {answer.result.event ? <span className="muted"> (deleted by {answer.result.event.actor} at {formatTimeMs(answer.result.event.time)})</span> : <span className="muted"> (not set yet)</span>}.
            </>
          )}
        </div>
      ) : null}
      <ErrorBox error={error} compact />
    </div>
  );
}
