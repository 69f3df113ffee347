/**
 * Whether reference profiles may read training datasets from this server's own disk. Anyone who
 * can log a run could otherwise have the server profile (and expose a sample of) any file it can
 * read, so it is the default only for a server listening on loopback — one user's own machine,
 * where the client's dataset path is the server's too. ASCENT_PROFILE_LOCAL_FILES=1 or 0 decides
 * explicitly.
 */
export function readsLocalDatasetFiles(host: string, setting: string | undefined): boolean {
  if (setting === '1' || setting === '0') return setting === '1';
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
