import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { invalid, notFound } from '../../core/errors.js';
import { normalizeArtifactPath } from '../../storage/artifacts/artifact-path.js';
import type { AppServices } from '../app-services.js';
import { contentTypeFor } from '../content-type.js';
import { fileInfoJson } from './mlflow-json.js';
import { ProtoFields } from './mlflow-request.js';
import { acceptStreamBodies } from './mlflow-scope.js';
import { addMultipartUploadRoutes } from './multipart-upload-routes.js';
import { uploadBody } from '../upload-body.js';
import { wildcardPath, type ArtifactsProxyOptions } from './proxy-request.js';

/**
 * MLflow's artifact proxy (`mlflow_artifacts.proto`): the client maps `mlflow-artifacts:/<path>`
 * to `<prefix>/artifacts/<path>` and uploads (PUT, raw body), downloads (GET), deletes and lists
 * (GET `artifacts?path=`) through it, against the server's artifact store.
 */
export async function addArtifactsProxyRoutes(scope: FastifyInstance, services: AppServices, options: ArtifactsProxyOptions): Promise<void> {
  const { artifacts } = services;

  const list = async (relative: string) => {
    const folder = normalizeArtifactPath(relative);
    const stat = await artifacts.stat(folder);
    // Like MLflow's server: a missing folder or a file lists as nothing.
    if (!stat?.isDir) return {};
    const files = (await artifacts.list(folder)).map((entry) => fileInfoJson(path.posix.basename(entry.path), entry));
    return files.length > 0 ? { files } : {};
  };

  await scope.register(async (streams) => {
    acceptStreamBodies(streams);

    streams.get('/artifacts', async (request) => list(ProtoFields.of(request).string('path') ?? ''));

    streams.get('/artifacts/*', async (request, reply) => {
      const file = wildcardPath(request);
      if (file === '') return list(ProtoFields.of(request).string('path') ?? '');
      const stat = await artifacts.stat(file);
      if (!stat) throw notFound(`No such artifact: '${file}'`);
      if (stat.isDir) throw invalid(`Artifact path refers to a directory, not a file: '${file}'`, 'path');
      const stream = await artifacts.get(file);
      // Always an attachment with nosniff, as MLflow serves them, so no upload renders in a browser.
      return reply
        .header('content-type', contentTypeFor(file))
        .header('content-length', String(stat.size))
        .header('content-disposition', attachment(path.posix.basename(file)))
        .header('x-content-type-options', 'nosniff')
        .send(stream);
    });

    streams.put('/artifacts/*', async (request) => {
      const file = wildcardPath(request);
      if (file === '') throw invalid('Artifact path must name a file', 'path');
      const { body, contentLength } = uploadBody(request, options.maxArtifactBytes);
      await artifacts.put(file, body, contentLength === undefined ? {} : { contentLength });
      return {};
    });

    streams.delete('/artifacts/*', async (request) => {
      const target = wildcardPath(request);
      // Deleting the store root would delete every run's artifacts at once; MLflow's client never asks.
      if (target === '') throw invalid('Refusing to delete the root of the artifact store', 'path');
      await artifacts.delete(target);
      return {};
    });
  });

  await addMultipartUploadRoutes(scope, services, options);
}

/** `Content-Disposition: attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266). */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
