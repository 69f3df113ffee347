import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../../core/errors.js';
import { toAscentError } from '../error-mapping.js';
import { inferOip, oipErrorBody } from './scoring-handlers.js';
import type { ServingServices } from './serving-services.js';

interface ModelParams {
  model: string;
  version?: string;
}

/**
 * Open Inference Protocol V2 (KServe / Triton): health, server and model metadata, readiness and
 * infer. The model name is the deployment name; `/versions/{v}` pins the variant serving version v.
 * Errors are `{"error": "..."}` with a 4xx/5xx status.
 */
export async function registerOipRoutes(app: FastifyInstance, options: { serving: ServingServices; version: string; bodyLimit: number }): Promise<void> {
  const { serving } = options;
  app.setErrorHandler((err, request, reply) => {
    const e = toAscentError(err);
    if (e.code === 'INTERNAL') request.log.error({ err }, 'inference request failed');
    void reply.status(e.status).send(oipErrorBody(e));
  });
  app.removeAllContentTypeParsers();
  // One raw parser: the body is JSON, or a JSON header plus binary tensors (Triton's extension).
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.bodyLimit }, (_req, body, done) => done(null, body));

  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_req, reply) => {
    const stored = await serving.deployments.revisions();
    const ready = [...stored.keys()].every((name) => serving.manager.status(name).state === 'ready');
    return reply.status(ready ? 200 : 503).send({ ready });
  });
  app.get('/v2', async () => ({ name: 'ascent', version: options.version, extensions: ['binary_tensor_data'] }));

  const metadata = async (request: FastifyRequest<{ Params: ModelParams }>) => {
    const { model, version } = request.params;
    const { variant } = serving.manager.metadata(model, version);
    const served = serving.manager.status(model).variants.filter((v) => v.role !== 'shadow').map((v) => v.version);
    const meta = variant.served.model.metadata;
    return { name: model, versions: version ? [version] : [...new Set(served)], platform: meta.platform, inputs: meta.inputs, outputs: meta.outputs };
  };
  app.get('/v2/models/:model', metadata);
  app.get('/v2/models/:model/versions/:version', metadata);

  const ready = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { model, version } = request.params;
    const status = serving.manager.status(model);
    if (status.state === 'absent') throw notFound(`Deployment '${model}' not found`);
    const variants = status.variants.filter((v) => v.role !== 'shadow' && (version === undefined || v.version === version));
    if (version !== undefined && variants.length === 0) throw notFound(`Deployment '${model}' serves no version '${version}'`);
    const isReady = variants.some((v) => v.ready);
    return reply.status(isReady ? 200 : 503).send({ name: model, ready: isReady });
  };
  app.get('/v2/models/:model/ready', ready);
  app.get('/v2/models/:model/versions/:version/ready', ready);

  const infer = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { model, version } = request.params;
    const answer = await inferOip(serving, model, version, request.body, request.id, request.headers);
    if (answer.requestId !== request.id) {
      (request as { id: string }).id = answer.requestId;
      void reply.header('x-request-id', answer.requestId);
    }
    void reply.header('x-ascent-variant', answer.variant);
    if (answer.headers) void reply.headers(answer.headers);
    if (answer.contentType) void reply.type(answer.contentType);
    return reply.send(answer.body);
  };
  app.post('/v2/models/:model/infer', infer);
  app.post('/v2/models/:model/versions/:version/infer', infer);
}
