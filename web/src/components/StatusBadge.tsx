import type { RunStatus } from '../api';

/** Coloured pill for a run status. */
export function StatusBadge({ status }: { status: RunStatus | string }) {
  return (
    <span className={`badge status-${status.toLowerCase()}`} data-status={status}>
      {status === 'RUNNING' ? <span className="pulse" aria-hidden="true" /> : null}
      {status.charAt(0) + status.slice(1).toLowerCase()}
    </span>
  );
}
