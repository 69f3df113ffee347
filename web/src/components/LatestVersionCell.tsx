import { Link } from 'react-router-dom';
import { formatRelative, formatTime } from '../lib/format';
import { useAsync } from '../lib/use-async';
import { registryApi } from '../registry-api';

/**
 * The newest version of a model, asked per row (`versions?maxResults=1`, newest first) because a
 * registered model does not carry its latest version; a page of models costs one request per row.
 */
export function LatestVersionCell({ modelName }: { modelName: string }) {
  const latest = useAsync((signal) => registryApi.searchVersions(modelName, { maxResults: 1 }, signal), [modelName]);
  const v = latest.data?.items[0];
  if (latest.error) return <span className="muted" title={String((latest.error as Error).message)}>?</span>;
  if (!latest.data) return <span className="spinner small" aria-label="loading" />;
  if (!v) return <span className="muted">none</span>;
  return (
    <span className="latest-version">
      <Link to={`/models/${encodeURIComponent(modelName)}/versions/${encodeURIComponent(v.version)}`} className="version-link">
        v{v.version}
      </Link>{' '}
      <span className="muted" title={formatTime(v.creationTime)}>
        {formatRelative(v.creationTime)}
      </span>
    </span>
  );
}
