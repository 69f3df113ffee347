import { invalid } from '../../core/errors.js';

/**
 * Turn a user-supplied relative artifact path into its canonical form: forward slashes, no `.`
 * segments, no empty segments, no trailing slash. `''` is the store root.
 *
 * Throws INVALID_ARGUMENT (field `path`) for anything that could address a location outside the
 * store: `..` segments, absolute or drive-qualified paths, NUL bytes and backslashes.
 */
export function normalizeArtifactPath(p: string): string {
  if (typeof p !== 'string') throw invalid('Artifact path must be a string', 'path');
  if (p.includes('\0')) throw invalid('Artifact path must not contain NUL bytes', 'path');
  // A backslash is a separator on Windows and an ordinary character on POSIX and in S3 keys, so
  // the same path would name different things on different backends; refuse it everywhere.
  if (p.includes('\\')) throw invalid(`Artifact path '${p}' must use '/' as separator, not '\\'`, 'path');
  if (p.startsWith('/')) throw invalid(`Artifact path '${p}' must be relative, not absolute`, 'path');
  // `C:x` is drive-relative and `C:/x` absolute on Windows; neither belongs in a relative path.
  if (/^[A-Za-z]:/.test(p)) throw invalid(`Artifact path '${p}' must not start with a drive letter`, 'path');

  const segments: string[] = [];
  for (const segment of p.split('/')) {
    if (segment === '' || segment === '.') continue;
    // Decoding is the caller's job, but a literal `%2e%2e` becomes `..` the moment any layer
    // below (a proxy, an S3 gateway) decodes it, so it is refused as if it were `..`.
    if (segment.replace(/%2e/gi, '.') === '..') {
      throw invalid(`Artifact path '${p}' must not contain '..' segments`, 'path');
    }
    segments.push(segment);
  }
  return segments.join('/');
}

/** Join artifact path parts with `/` and normalize the result; empty parts are ignored. */
export function joinArtifactPath(...parts: string[]): string {
  return normalizeArtifactPath(
    parts
      .map((part) => normalizeArtifactPath(part))
      .filter((part) => part !== '')
      .join('/'),
  );
}
