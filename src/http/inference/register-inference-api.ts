import type { FastifyInstance } from 'fastify';
import type { AppServices } from '../app-services.js';
import { registerMlflowScoringRoutes } from './mlflow-scoring-routes.js';
import { registerOipRoutes } from './oip-routes.js';
import { InferenceFastPath } from './inference-fast-path.js';

/** Largest inference request body by default (a batch of a few thousand rows fits easily). */
export const DEFAULT_MAX_INFERENCE_BYTES = 8 * 1024 * 1024;

/**
 * Inference protocols beside the tracking server's routes: Open Inference Protocol V2 under `/v2`,
 * MLflow's scoring paths (`/invocations`, `/ping`, `/deployments/{name}/invocations`) and the
 * Prometheus `/metrics`. Each protocol is its own scope with its own error shape. Returns the fast
 * path the HTTP server answers plain JSON predictions with before Fastify (inference-fast-path.ts).
 */
export async function registerInferenceApi(app: FastifyInstance, options: { services: AppServices; maxBodyBytes?: number }): Promise<InferenceFastPath> {
  const { services } = options;
  const bodyLimit = options.maxBodyBytes ?? DEFAULT_MAX_INFERENCE_BYTES;
  await app.register(async (scope) => registerOipRoutes(scope, { serving: services.serving, version: services.version, bodyLimit }));
  await app.register(async (scope) => registerMlflowScoringRoutes(scope, { serving: services.serving, bodyLimit }));
  app.get('/metrics', async (_request, reply) => reply.type(services.metrics.contentType).send(await services.metrics.metrics()));
  const fastPath = new InferenceFastPath({ serving: services.serving, bodyLimit, log: app.log });
  app.addHook('preClose', (done) => {
    fastPath.close();
    done();
  });
  return fastPath;
}
