import { Link } from 'react-router-dom';
import { formatExact, formatNumber, formatRelative, formatTime, shortId } from '../lib/format';
import type { ModelVersion } from '../registry-api';

/** At most this many metric columns; the version page lists them all. */
const MAX_METRIC_COLUMNS = 6;

/** A model's versions: stage, aliases, source run, creation, and the metrics copied from the run. */
export function VersionsTable({ modelName, versions }: { modelName: string; versions: readonly ModelVersion[] }) {
  const metricKeys = [...new Set(versions.flatMap((v) => v.metrics.map((m) => m.key)))].sort().slice(0, MAX_METRIC_COLUMNS);
  const base = `/models/${encodeURIComponent(modelName)}/versions/`;
  return (
    <div className="table-wrap">
      <table className="data-table" data-testid="versions-table">
        <thead>
          <tr>
            <th className="col-narrow">Version</th>
            <th>Stage</th>
            <th>Aliases</th>
            <th>Source run</th>
            <th>Created</th>
            <th>By</th>
            {metricKeys.map((k, i) => (
              <th key={k} className={`num${i === 0 ? ' metric-first' : ''}`} data-column={`metrics.${k}`}>
                {k}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => {
            const metrics = new Map(v.metrics.map((m) => [m.key, m.value]));
            return (
              <tr key={v.version} data-version={v.version}>
                <td className="cell-name">
                  <Link to={base + encodeURIComponent(v.version)}>v{v.version}</Link>
                  {v.status !== 'READY' ? <span className="badge status-failed"> {v.status.toLowerCase()}</span> : null}
                </td>
                <td>{v.currentStage === 'None' ? <span className="muted">—</span> : <span className={`badge stage-${v.currentStage.toLowerCase()}`}>{v.currentStage}</span>}</td>
                <td>
                  {v.aliases.length ? (
                    <span className="chips">
                      {[...v.aliases].sort().map((a) => (
                        <span key={a} className="alias-chip static" data-alias={a}>
                          <span className="alias-name">@{a}</span>
                        </span>
                      ))}
                    </span>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td>
                  {v.runId ? (
                    <Link to={`/runs/${encodeURIComponent(v.runId)}`} className="mono" title={v.runId}>
                      {shortId(v.runId, 12)}
                    </Link>
                  ) : (
                    <span className="muted" title={v.source}>
                      —
                    </span>
                  )}
                </td>
                <td title={formatTime(v.creationTime)}>{formatRelative(v.creationTime)}</td>
                <td>{v.userId || <span className="muted">—</span>}</td>
                {metricKeys.map((k) => {
                  const value = metrics.get(k);
                  return (
                    <td key={k} className="num mono" title={value === undefined ? undefined : formatExact(value)}>
                      {value === undefined ? <span className="muted">—</span> : formatNumber(value)}
                    </td>
                  );
                })}
              </tr>
            );
          })}
          {versions.length === 0 ? (
            <tr>
              <td colSpan={6 + metricKeys.length} className="empty">
                No versions yet.
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}
