import { useState, type FormEvent } from 'react';
import { formatRelative, formatTime } from '../lib/format';
import { targetLabel } from '../lib/registry-format';
import { registryApi, type ApprovalRequest, type ApprovalRule } from '../registry-api';
import { ErrorBox } from './ErrorBox';

function RuleForm({ modelName, aliases, onChanged }: { modelName: string; aliases: readonly string[]; onChanged: () => void }) {
  const [target, setTarget] = useState('');
  const [required, setRequired] = useState(1);
  const [self, setSelf] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    registryApi.setApprovalRule(modelName, target.trim(), { requiredApprovals: required, allowSelfApproval: self }).then(() => {
      setTarget('');
      onChanged();
    }, setError);
  };
  return (
    <details className="subtle-details">
      <summary>Add or change a rule</summary>
      <form className="inline-form" onSubmit={submit} aria-label="Approval rule">
        <input className="input" list="rule-targets" placeholder="alias or stage:Production" value={target} onChange={(e) => setTarget(e.target.value)} aria-label="Rule target" required />
        <datalist id="rule-targets">
          {aliases.map((a) => (
            <option key={a} value={a} />
          ))}
          <option value="stage:Production" />
          <option value="stage:Staging" />
        </datalist>
        <label className="toggle">
          approvals
          <input className="input narrow" type="number" min={1} max={10} value={required} onChange={(e) => setRequired(Number(e.target.value))} aria-label="Required approvals" />
        </label>
        <label className="toggle">
          <input type="checkbox" checked={self} onChange={(e) => setSelf(e.target.checked)} /> requester may approve
        </label>
        <button type="submit" className="btn" disabled={!target.trim()}>
          Save rule
        </button>
      </form>
      <ErrorBox error={error} compact />
    </details>
  );
}

function PendingRequest({ request, rule, onChanged }: { request: ApprovalRequest; rule: ApprovalRule | undefined; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const decide = (decision: 'approve' | 'reject') => {
    setBusy(true);
    setError(undefined);
    registryApi.decide(request.requestId, decision).then(
      () => {
        setBusy(false);
        onChanged();
      },
      (err: unknown) => {
        setBusy(false);
        setError(err);
      },
    );
  };
  const required = rule?.requiredApprovals ?? 1;
  return (
    <li className="approval-request" data-request-id={request.requestId} data-status={request.status}>
      <div className="approval-head">
        <span className="approval-target">
          {targetLabel(request.target)} → v{request.version}
        </span>
        <span className="badge status-running">pending</span>
        <span className="muted approval-count" title={request.approvals.map((a) => a.user).join(', ')}>
          {request.approvals.length}/{required} approval{required > 1 ? 's' : ''}
        </span>
        <span className="spacer" />
        <button type="button" className="btn btn-small btn-primary" onClick={() => decide('approve')} disabled={busy}>
          Approve
        </button>
        <button type="button" className="btn btn-small" onClick={() => decide('reject')} disabled={busy}>
          Reject
        </button>
      </div>
      <div className="approval-meta muted">
        requested by <strong>{request.requestedBy}</strong> <span title={formatTime(request.creationTime)}>{formatRelative(request.creationTime)}</span>
        {request.reason ? <> · “{request.reason}”</> : null}
      </div>
      <ErrorBox error={error} compact />
    </li>
  );
}

/** Approval rules of a model, its pending requests (approve / reject as the acting user), and the decided ones. */
export function ApprovalsPanel({
  modelName,
  rules,
  requests,
  aliases,
  onChanged,
}: {
  modelName: string;
  rules: readonly ApprovalRule[];
  requests: readonly ApprovalRequest[];
  aliases: readonly string[];
  onChanged: () => void;
}) {
  const pending = requests.filter((r) => r.status === 'pending');
  const decided = requests.filter((r) => r.status !== 'pending').sort((a, b) => (b.decidedTime ?? b.creationTime) - (a.decidedTime ?? a.creationTime));
  const ruleOf = new Map(rules.map((r) => [r.target, r]));
  return (
    <div className="approvals" data-testid="approvals-panel">
      <h3 className="section-title">Rules</h3>
      {rules.length === 0 ? (
        <div className="empty-inline muted">No gates: any user may move any alias.</div>
      ) : (
        <table className="data-table kv-table" data-testid="approval-rules">
          <tbody>
            {rules.map((r) => (
              <tr key={r.target} data-target={r.target}>
                <th scope="row" className="mono kv-key">
                  {targetLabel(r.target)}
                </th>
                <td>
                  {r.requiredApprovals} approval{r.requiredApprovals > 1 ? 's' : ''}
                  {r.allowSelfApproval ? ', requester may approve' : ', not by the requester'}
                </td>
                <td className="muted">set by {r.createdBy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <RuleForm modelName={modelName} aliases={aliases} onChanged={onChanged} />

      <h3 className="section-title">
        Pending <span className="count">{pending.length}</span>
      </h3>
      {pending.length === 0 ? <div className="empty-inline muted">Nothing waits for approval.</div> : null}
      <ul className="approval-list" data-testid="pending-approvals">
        {pending.map((r) => (
          <PendingRequest key={r.requestId} request={r} rule={ruleOf.get(r.target)} onChanged={onChanged} />
        ))}
      </ul>

      {decided.length > 0 ? (
        <>
          <h3 className="section-title">
            Decided <span className="count">{decided.length}</span>
          </h3>
          <table className="data-table compact-table" data-testid="decided-approvals">
            <tbody>
              {decided.map((r) => (
                <tr key={r.requestId} data-request-id={r.requestId} data-status={r.status}>
                  <td className="mono">
                    {targetLabel(r.target)} → v{r.version}
                  </td>
                  <td>
                    <span className={`badge approval-${r.status}`}>{r.status}</span>
                  </td>
                  <td className="muted">
                    by {r.requestedBy}
                    {r.decidedBy ? `, ${r.status === 'rejected' ? 'rejected' : 'approved'} by ${r.decidedBy}` : ''}
                  </td>
                  <td className="muted" title={formatTime(r.decidedTime)}>
                    {formatRelative(r.decidedTime ?? r.creationTime)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </div>
  );
}
