import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { joinArtifactPath, normalizeArtifactPath } from '../../storage/artifacts/artifact-path.js';
import type { ArtifactStore } from '../../storage/artifacts/artifact-store.js';
import { requireProxiedArtifactPath } from '../../tracking/artifact-uri.js';
import type { AppServices } from '../app-services.js';
import { fileInfoJson, type Json } from './mlflow-json.js';
import { ProtoFields } from './mlflow-request.js';

/** The tracking API's `artifacts/list`: one folder of a run's artifacts, paths relative to the run's root. */
export function addRunArtifactRoutes(scope: FastifyInstance, { tracking, artifacts }: AppServices): void {
  scope.get('/artifacts/list', async (request) => {
    const f = ProtoFields.of(request);
    const info = await tracking.getRunInfo(f.runId());
    const files = await listArtifactFolder(artifacts, requireProxiedArtifactPath(info.artifactUri), f.string('path') ?? '');
    return files.length > 0 ? { root_uri: info.artifactUri, files } : { root_uri: info.artifactUri };
  });
}

/**
 * FileInfos of the immediate children of `relative` under the store path `root`, each named
 * `relative/<child>` as MLflow's server names them. A missing folder, or a file, lists nothing.
 */
export async function listArtifactFolder(artifacts: ArtifactStore, root: string, relative: string): Promise<Json[]> {
  const rel = normalizeArtifactPath(relative);
  const folder = joinArtifactPath(root, rel);
  const stat = await artifacts.stat(folder);
  if (!stat?.isDir) return [];
  const entries = await artifacts.list(folder);
  return entries.map((entry) => {
    const name = path.posix.basename(entry.path);
    return fileInfoJson(rel === '' ? name : `${rel}/${name}`, entry);
  });
}
