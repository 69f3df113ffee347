import type { FastifyRequest } from 'fastify';
import { normalizeArtifactPath } from '../../storage/artifacts/artifact-path.js';

/** Options of the artifact proxy. */
export interface ArtifactsProxyOptions {
  /** Largest body one upload (a PUT, or one multipart part) may carry, in bytes. */
  maxArtifactBytes: number;
}

/**
 * The wildcard tail of a proxy URL as a normalized store path. Fastify has already percent-decoded
 * it, so `%2e%2e` arrives as `..`; `normalizeArtifactPath` refuses `..`, absolute paths,
 * backslashes and NUL (and a still-encoded `%2e%2e` from double encoding) with INVALID_ARGUMENT,
 * before the store is touched.
 */
export function wildcardPath(request: FastifyRequest): string {
  return normalizeArtifactPath((request.params as { '*'?: string })['*'] ?? '');
}
