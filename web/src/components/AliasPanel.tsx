import { useEffect, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { ApiError } from '../api';
import { registryApi, type ApprovalRule, type RegisteredModel } from '../registry-api';
import { ErrorBox } from './ErrorBox';

function LockIcon() {
  return (
    <svg viewBox="0 0 16 16" width="11" height="11" aria-hidden="true">
      <rect x="3" y="7" width="10" height="7" rx="1.5" fill="currentColor" />
      <path d="M5.5 7V5a2.5 2.5 0 0 1 5 0v2" fill="none" stroke="currentColor" strokeWidth="1.6" />
    </svg>
  );
}

interface Move {
  alias: string;
  version: string;
  reason: string;
}

/**
 * Aliases of a model (alias → version) with the form that moves one. A move the server refuses
 * because the alias is approval-gated (403 PERMISSION_DENIED) shows the server's message and
 * offers to file the same move as an approval request.
 */
export function AliasPanel({ model, versions, rules, onChanged }: { model: RegisteredModel; versions: readonly string[]; rules: readonly ApprovalRule[]; onChanged: () => void }) {
  const [form, setForm] = useState<Move>({ alias: '', version: versions[0] ?? '', reason: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [denied, setDenied] = useState<Move | null>(null);
  const [done, setDone] = useState<string | null>(null);
  // A confirmation goes stale as soon as others act on the request, so it fades after a while.
  useEffect(() => {
    if (!done) return;
    const timer = setTimeout(() => setDone(null), 8000);
    return () => clearTimeout(timer);
  }, [done]);
  const gate = new Map(rules.map((r) => [r.target, r]));
  const version = form.version || versions[0] || '';

  const run = async (action: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    setDone(null);
    try {
      setDone(await action());
      setForm({ alias: '', version: '', reason: '' });
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const move = (e: FormEvent) => {
    e.preventDefault();
    const wanted = { ...form, alias: form.alias.trim(), version };
    setDenied(null);
    void run(async () => {
      try {
        await registryApi.setAlias(model.name, wanted.alias, wanted.version, wanted.reason);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'PERMISSION_DENIED') setDenied(wanted);
        throw err;
      }
      return `Moved @${wanted.alias} to version ${wanted.version}.`;
    });
  };

  const requestApproval = (wanted: Move) =>
    void run(async () => {
      const req = await registryApi.requestApproval(model.name, { target: wanted.alias, version: wanted.version, reason: wanted.reason });
      setDenied(null);
      return `Approval requested: @${req.target} → version ${req.version} (${req.requestId}). It moves once approved.`;
    });

  const remove = (alias: string) => {
    if (!window.confirm(`Delete alias @${alias} of ${model.name}?`)) return;
    setDenied(null);
    void run(async () => {
      await registryApi.deleteAlias(model.name, alias);
      return `Deleted @${alias}.`;
    });
  };

  const aliases = [...model.aliases].sort((a, b) => a.alias.localeCompare(b.alias));
  return (
    <div data-testid="alias-panel">
      {aliases.length === 0 ? <div className="empty-inline muted">No aliases. Point one at a version below (for example champion).</div> : null}
      <ul className="alias-list">
        {aliases.map((a) => {
          const rule = gate.get(a.alias);
          return (
            <li key={a.alias} data-alias={a.alias} data-version={a.version}>
              <span className="alias-chip static">
                <span className="alias-name">@{a.alias}</span>
              </span>
              <span className="arrow muted">→</span>
              <Link to={`/models/${encodeURIComponent(model.name)}/versions/${encodeURIComponent(a.version)}`} className="version-link">
                v{a.version}
              </Link>
              {rule ? (
                <span className="gate" title={`Moving @${a.alias} needs ${rule.requiredApprovals} approval${rule.requiredApprovals > 1 ? 's' : ''}${rule.allowSelfApproval ? '' : ' from someone other than the requester'}`}>
                  <LockIcon /> {rule.requiredApprovals} approval{rule.requiredApprovals > 1 ? 's' : ''}
                </span>
              ) : null}
              <span className="spacer" />
              <button type="button" className="link-button" onClick={() => setForm({ ...form, alias: a.alias })}>
                move
              </button>
              <button type="button" className="link-button danger" onClick={() => remove(a.alias)} aria-label={`Delete alias ${a.alias}`}>
                delete
              </button>
            </li>
          );
        })}
      </ul>
      <form className="inline-form" onSubmit={move} aria-label="Move alias">
        <input className="input alias-input" list="alias-names" placeholder="alias" value={form.alias} onChange={(e) => setForm({ ...form, alias: e.target.value })} aria-label="Alias" required />
        <datalist id="alias-names">
          {aliases.map((a) => (
            <option key={a.alias} value={a.alias} />
          ))}
        </datalist>
        <span className="muted">→</span>
        <select className="input" value={version} onChange={(e) => setForm({ ...form, version: e.target.value })} aria-label="Version">
          {versions.map((v) => (
            <option key={v} value={v}>
              version {v}
            </option>
          ))}
        </select>
        <input className="input grow" placeholder="reason (optional)" title="Recorded in the audit history" value={form.reason} onChange={(e) => setForm({ ...form, reason: e.target.value })} aria-label="Reason" />
        <button type="submit" className="btn btn-primary" disabled={busy || !form.alias.trim() || !version}>
          Move alias
        </button>
      </form>
      {error ? (
        <div className="form-feedback">
          <ErrorBox error={error} compact />
          {denied ? (
            <button type="button" className="btn" onClick={() => requestApproval(denied)} disabled={busy}>
              Request approval for @{denied.alias} → v{denied.version}
            </button>
          ) : null}
        </div>
      ) : null}
      {done ? (
        <div className="success" role="status">
          {done}
        </div>
      ) : null}
    </div>
  );
}
