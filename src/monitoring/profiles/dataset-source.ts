import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { isAscentError } from '../../core/errors.js';
import type { ArtifactStore } from '../../storage/artifacts/artifact-store.js';
import { joinArtifactPath } from '../../storage/artifacts/artifact-path.js';
import { proxiedArtifactPath } from '../../tracking/artifact-uri.js';
import type { Dataset } from '../../tracking/model.js';
import type { TrackingService } from '../../tracking/service.js';

/** Where a dataset's bytes are: a file on this server's disk, or a path in the artifact store. */
export type DatasetLocation = { kind: 'file'; path: string } | { kind: 'artifact'; path: string };

/** What resolving a dataset source needs. */
export interface DatasetSourceDeps {
  tracking: TrackingService;
  artifacts: ArtifactStore;
  /** Read `file://` URIs and absolute paths on this server's disk (default true). */
  localFiles: boolean;
}

/** A source Ascent cannot read; the message says why (recorded as "source not readable: …"). */
export class UnreadableSource extends Error {}

/** The URI inside an MLflow dataset source (`{"uri": …}`, `{"url": …}`, `{"path": …}`) or the source itself. */
export function sourceUri(dataset: Pick<Dataset, 'source'>): string {
  try {
    const parsed = JSON.parse(dataset.source) as unknown;
    if (parsed && typeof parsed === 'object') {
      const o = parsed as Record<string, unknown>;
      for (const key of ['uri', 'url', 'path']) if (typeof o[key] === 'string') return o[key];
    }
  } catch {
    // Not JSON: the source is the URI itself.
  }
  return dataset.source;
}

const RUNS_URI = /^runs:\/([^/]+)\/(.+)$/;

/**
 * Locate a run's dataset input: `file://` URIs and absolute paths (this server's disk);
 * `mlflow-artifacts:` URIs and `runs:/<run>/<path>` (the artifact store); `s3://` URIs inside the
 * configured S3 artifact store; a relative path is an artifact of the run itself.
 */
export async function locateDataset(uri: string, runArtifactUri: string, deps: DatasetSourceDeps): Promise<DatasetLocation> {
  if (uri.startsWith('file:') || path.isAbsolute(uri)) {
    if (!deps.localFiles) throw new UnreadableSource(`${uri} is a local file and this server does not read local dataset files (ASCENT_PROFILE_LOCAL_FILES=0)`);
    return { kind: 'file', path: uri.startsWith('file:') ? fileURLToPath(uri) : uri };
  }
  const proxied = proxiedArtifactPath(uri);
  if (proxied !== null) return { kind: 'artifact', path: joinArtifactPath(proxied) };
  const runs = RUNS_URI.exec(uri);
  if (runs) {
    const info = await deps.tracking.getRunInfo(runs[1]!);
    const root = proxiedArtifactPath(info.artifactUri);
    if (root === null) throw new UnreadableSource(`the artifacts of run ${runs[1]} are not stored by this server (${info.artifactUri})`);
    return { kind: 'artifact', path: joinArtifactPath(root, runs[2]!) };
  }
  if (uri.startsWith('s3://')) {
    const root = deps.artifacts.rootUri.replace(/\/+$/, '');
    if (deps.artifacts.kind === 's3' && uri.startsWith(`${root}/`)) return { kind: 'artifact', path: joinArtifactPath(uri.slice(root.length + 1)) };
    throw new UnreadableSource(`${uri} is outside the artifact store this server reads (${deps.artifacts.rootUri})`);
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) throw new UnreadableSource(`${uri}: sources of this kind are not read (file, mlflow-artifacts, runs:/ and the artifact store's s3:// are)`);
  const root = proxiedArtifactPath(runArtifactUri);
  if (root === null) throw new UnreadableSource(`${uri} is a relative path and the run's artifacts are not stored by this server`);
  return { kind: 'artifact', path: joinArtifactPath(root, uri) };
}

/**
 * Make the dataset readable as a local file (artifacts are copied to a temporary file with the same
 * name, so the format still shows in the extension); `release` removes the copy.
 */
export async function fetchDataset(location: DatasetLocation, artifacts: ArtifactStore, maxBytes: number): Promise<{ file: string; release: () => void }> {
  if (location.kind === 'file') {
    const stat = await fs.promises.stat(location.path).catch(() => null);
    if (!stat) throw new UnreadableSource(`no such file ${location.path}`);
    if (!stat.isFile()) throw new UnreadableSource(`${location.path} is not a file`);
    if (stat.size > maxBytes) throw new UnreadableSource(`${location.path} is ${stat.size} bytes, over the ${maxBytes}-byte limit`);
    return { file: location.path, release: () => {} };
  }
  const stat = await artifacts.stat(location.path);
  if (!stat) throw new UnreadableSource(`no artifact at ${location.path}`);
  if (stat.isDir) throw new UnreadableSource(`artifact ${location.path} is a directory`);
  if (stat.size > maxBytes) throw new UnreadableSource(`artifact ${location.path} is ${stat.size} bytes, over the ${maxBytes}-byte limit`);
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'ascent-profile-'));
  const release = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const file = path.join(dir, path.posix.basename(location.path));
    await pipeline(await artifacts.get(location.path), fs.createWriteStream(file));
    return { file, release };
  } catch (err) {
    release();
    if (isAscentError(err) && err.code === 'NOT_FOUND') throw new UnreadableSource(`no artifact at ${location.path}`);
    throw err;
  }
}
