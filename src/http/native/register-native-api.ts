import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppServices } from '../app-services.js';
import { nativeErrorBody, toAscentError } from '../error-mapping.js';
import { stringifyJson } from '../json.js';
import { NativeRouter } from './native-router.js';
import { addWebhookRoutes } from './webhook-routes.js';
import { addExperimentRoutes } from './experiment-routes.js';
import { addRunRoutes } from './run-routes.js';
import { addArtifactRoutes } from './artifact-routes.js';
import { addRegistryRoutes } from './registry-routes.js';
import { addPipelineRoutes } from './pipeline-routes.js';
import { addPipelineTriggerRoutes } from './pipeline-trigger-routes.js';
import { addDeploymentRoutes } from './deployment-routes.js';
import { addMonitoringRoutes } from './monitoring-routes.js';

/** The native REST API under `/api/v1`, with its OpenAPI document at `/api/v1/openapi.json`. */
export async function registerNativeApi(app: FastifyInstance, options: { services: AppServices; prefix?: string; maxArtifactBytes?: number }): Promise<void> {
  const { services } = options;
  const maxArtifactBytes = options.maxArtifactBytes ?? 5 * 1024 ** 3;
  app.setErrorHandler((err, request, reply) => {
    const error = toAscentError(err);
    if (error.code === 'INTERNAL') request.log.error({ err }, 'request failed');
    void reply.status(error.status).send(nativeErrorBody(error));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'ENDPOINT_NOT_FOUND', message: `No route ${request.method} ${request.url}` } });
  });
  app.setReplySerializer((payload) => stringifyJson(payload));
  // Artifact uploads stream their body whatever its content type; everything else is JSON.
  let rawScope: FastifyInstance = app;
  await app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    rawScope = raw;
  });

  const router = new NativeRouter(app, '/api/v1', rawScope);
  addExperimentRoutes(router, services);
  addRunRoutes(router, services);
  addArtifactRoutes(router, services, { maxArtifactBytes });
  addRegistryRoutes(router, services);
  addWebhookRoutes(router, services);
  addPipelineRoutes(router, services);
  addPipelineTriggerRoutes(router, services);
  addDeploymentRoutes(router, services);
  addMonitoringRoutes(router, services);
  router.add({
    method: 'GET',
    url: '/logged-models/:modelId',
    summary: 'Get a logged model (MLflow 3)',
    tag: 'models',
    params: z.object({ modelId: z.string().min(1).max(64) }),
    handler: async ({ params }) => services.loggedModels.get(params.modelId),
  });
  app.get('/openapi.json', async () => router.openApi({ title: 'Ascent native API', version: services.version }));
}
