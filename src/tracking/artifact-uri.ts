import { invalid } from '../core/errors.js';

/** Scheme of artifact URIs that the server proxies to its own artifact store. */
export const PROXY_SCHEME = 'mlflow-artifacts:';

/**
 * The artifact-store path behind a proxied URI: `mlflow-artifacts:/1/abc/artifacts` → `1/abc/artifacts`.
 * Returns null for URIs the server does not hold (a client-chosen `s3://…` location, say).
 */
export function proxiedArtifactPath(uri: string): string | null {
  if (!uri.startsWith(PROXY_SCHEME)) return null;
  let rest = uri.slice(PROXY_SCHEME.length);
  // mlflow-artifacts://host:port/path carries an authority the server ignores.
  if (rest.startsWith('//')) rest = rest.slice(2).replace(/^[^/]*/, '');
  return rest.replace(/^\/+/, '');
}

export function requireProxiedArtifactPath(uri: string): string {
  const path = proxiedArtifactPath(uri);
  if (path === null) throw invalid(`Artifacts at '${uri}' are not stored by this server`, 'artifact_uri');
  return path;
}
