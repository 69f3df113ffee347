import { ApiError } from '../api';

/** Shows a failed request: the server's error code and message, the field it names, and the request id. */
export function ErrorBox({ error, compact = false, onRetry }: { error: unknown; compact?: boolean; onRetry?: () => void }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : undefined;
  const code = api?.code ?? 'ERROR';
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className={compact ? 'error-box compact' : 'error-box'} role="alert" data-testid="error-box">
      <span className="error-code">{code}</span>
      <span className="error-message">{message}</span>
      {api?.field ? <span className="error-field">field: {api.field}</span> : null}
      {api?.requestId && !compact ? <span className="error-request" title="x-request-id">request {api.requestId}</span> : null}
      {onRetry ? (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}
