import path from 'node:path';
import { z } from 'zod';
import { notFound } from '../../core/errors.js';
import { normalizeArtifactPath, joinArtifactPath } from '../../storage/artifacts/artifact-path.js';
import { requireProxiedArtifactPath } from '../../tracking/artifact-uri.js';
import type { AppServices } from '../app-services.js';
import type { NativeRouter } from './native-router.js';
import { contentTypeFor } from '../content-type.js';
import { uploadBody } from '../upload-body.js';

const RunParams = z.object({ runId: z.string().min(1).max(64) });

/** Browse, download and upload a run's artifacts (through the server's artifact store). */
export function addArtifactRoutes(router: NativeRouter, { tracking, artifacts }: AppServices, options: { maxArtifactBytes: number }): void {
  const runRoot = async (runId: string) => requireProxiedArtifactPath((await tracking.getRunInfo(runId)).artifactUri);

  router.add({
    method: 'GET',
    url: '/runs/:runId/artifacts',
    summary: "List one folder of a run's artifacts",
    tag: 'artifacts',
    params: RunParams,
    query: z.object({ path: z.string().optional() }),
    response: z.object({ rootUri: z.string(), files: z.array(z.object({ path: z.string(), isDir: z.boolean(), fileSize: z.number().optional() })) }),
    handler: async ({ params, query }) => {
      const info = await tracking.getRunInfo(params.runId);
      const root = requireProxiedArtifactPath(info.artifactUri);
      const rel = normalizeArtifactPath(query.path ?? '');
      const entries = await artifacts.list(joinArtifactPath(root, rel));
      const prefix = root === '' ? '' : `${root}/`;
      return {
        rootUri: info.artifactUri,
        files: entries.map((e) => ({ path: e.path.startsWith(prefix) ? e.path.slice(prefix.length) : e.path, isDir: e.isDir, ...(e.fileSize !== undefined ? { fileSize: e.fileSize } : {}) })),
      };
    },
  });
  router.add({
    method: 'GET',
    url: '/runs/:runId/artifacts/content',
    summary: 'Download one artifact file',
    tag: 'artifacts',
    params: RunParams,
    query: z.object({ path: z.string().min(1) }),
    rawResponse: true,
    handler: async ({ params, query, reply }) => {
      const full = joinArtifactPath(await runRoot(params.runId), normalizeArtifactPath(query.path));
      const stat = await artifacts.stat(full);
      if (!stat || stat.isDir) throw notFound(`Artifact '${query.path}' not found in run ${params.runId}`);
      const stream = await artifacts.get(full);
      reply.header('content-type', contentTypeFor(query.path));
      reply.header('content-length', String(stat.size));
      reply.header('content-disposition', `inline; filename="${encodeURIComponent(path.posix.basename(query.path))}"`);
      reply.header('x-content-type-options', 'nosniff');
      return reply.send(stream);
    },
  });
  router.add({
    method: 'PUT',
    url: '/runs/:runId/artifacts/content',
    summary: 'Upload one artifact file (raw body)',
    tag: 'artifacts',
    params: RunParams,
    query: z.object({ path: z.string().min(1) }),
    rawBody: true,
    handler: async ({ params, query, request }) => {
      const info = await tracking.getRunInfo(params.runId);
      const full = joinArtifactPath(requireProxiedArtifactPath(info.artifactUri), normalizeArtifactPath(query.path));
      const { body, contentLength } = uploadBody(request, options.maxArtifactBytes);
      const { size } = await artifacts.put(full, body, contentLength !== undefined ? { contentLength } : {});
      return { path: query.path, size };
    },
  });
}
