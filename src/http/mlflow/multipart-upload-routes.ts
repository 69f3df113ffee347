import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalid } from '../../core/errors.js';
import { joinArtifactPath } from '../../storage/artifacts/artifact-path.js';
import type { AppServices } from '../app-services.js';
import { ProtoFields } from './mlflow-request.js';
import { acceptJsonBodies, acceptStreamBodies } from './mlflow-scope.js';
import { wildcardPath, type ArtifactsProxyOptions } from './proxy-request.js';
import { uploadBody } from '../upload-body.js';

const MAX_PARTS = 10_000;

/**
 * MLflow's proxied multipart upload (`mpu/create|complete|abort/<dir>`). MLflow hands the client
 * presigned S3 part URLs; Ascent hands it URLs of its own `mpu/upload/<path>` route, which stores
 * each part through the artifact store, so multipart works on every backend. The target file is
 * `<dir>/<basename of the client's local path>`, as in MLflow's artifact repositories.
 *
 * server-info advertises multipart as off (see server-info-routes.ts), so the client only takes
 * this path when forced with MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD=true.
 */
export async function addMultipartUploadRoutes(scope: FastifyInstance, { artifacts }: AppServices, options: ArtifactsProxyOptions): Promise<void> {
  const prefix = scope.prefix;
  const target = (request: FastifyRequest, f: ProtoFields) => {
    const local = f.requiredString('path');
    const name = local.split(/[\\/]/).pop() ?? '';
    if (name === '') throw invalid(`'path' must name a file, got '${local}'`, 'path');
    return joinArtifactPath(wildcardPath(request), name);
  };

  await scope.register(async (json) => {
    acceptJsonBodies(json);

    json.post('/mpu/create/*', async (request) => {
      const f = ProtoFields.of(request);
      const file = target(request, f);
      const numParts = f.int('num_parts') ?? 1;
      if (numParts < 1 || numParts > MAX_PARTS) throw invalid(`num_parts must be between 1 and ${MAX_PARTS}, got ${numParts}`, 'num_parts');
      const { uploadId } = await artifacts.createMultipartUpload(file);
      const base = `${request.protocol}://${request.host}${prefix}/mpu/upload/${file.split('/').map(encodeURIComponent).join('/')}`;
      const credentials = Array.from({ length: numParts }, (_, i) => ({
        url: `${base}?upload_id=${encodeURIComponent(uploadId)}&part_number=${i + 1}`,
        part_number: i + 1,
        headers: {},
      }));
      return { upload_id: uploadId, credentials };
    });

    json.post('/mpu/complete/*', async (request) => {
      const f = ProtoFields.of(request);
      const parts = f.messages('parts').map((p) => ({ partNumber: p.int('part_number') ?? 0, etag: p.string('etag') ?? '' }));
      await artifacts.completeMultipartUpload(target(request, f), f.requiredString('upload_id'), parts);
      return {};
    });

    json.post('/mpu/abort/*', async (request) => {
      const f = ProtoFields.of(request);
      await artifacts.abortMultipartUpload(target(request, f), f.requiredString('upload_id'));
      return {};
    });
  });

  await scope.register(async (streams) => {
    acceptStreamBodies(streams);

    // Ascent's stand-in for a presigned part URL: the client PUTs the part's bytes here.
    streams.put('/mpu/upload/*', async (request, reply) => {
      const f = ProtoFields.fromObject(request.query as Record<string, unknown>);
      const partNumber = f.int('part_number');
      if (partNumber === undefined) throw invalid("Missing value for required parameter 'part_number'.", 'part_number');
      const { body } = uploadBody(request, options.maxArtifactBytes);
      const { etag } = await artifacts.uploadPart(wildcardPath(request), f.requiredString('upload_id'), partNumber, body);
      return reply.header('etag', etag).send({});
    });
  });
}
