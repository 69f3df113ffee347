import http from 'node:http';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AppServices } from './app-services.js';
import { nativeErrorBody, toAscentError } from './error-mapping.js';
import { registerNativeApi } from './native/register-native-api.js';
import { DEFAULT_MAX_ARTIFACT_BYTES, registerMlflowApi } from './mlflow/register-mlflow-api.js';
import { registerWebUi } from './web-ui.js';
import { registerInferenceApi } from './inference/register-inference-api.js';
import { newRequestId } from './request-id.js';
import type { InferenceFastPath } from './inference/inference-fast-path.js';

export interface BuildAppOptions {
  services: AppServices;
  logger?: Logger | false;
  bodyLimitBytes?: number;
  /** Largest single artifact upload, in bytes (default 5 GiB). */
  maxArtifactBytes?: number;
  /** Serve the built web UI at `/` (default true). */
  serveUi?: boolean;
}

/** The Fastify application: native API, MLflow-compatible API, health, and the web UI. */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  // Built with the inference routes below; the server is created before them.
  const fast: { path?: InferenceFastPath } = {};
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimitBytes ?? 16 * 1024 * 1024,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => newRequestId(),
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // The server Fastify would create, with plain JSON predictions answered before Fastify's handler.
    serverFactory: (handler, factoryOptions) => {
      // Fastify has filled in its defaults (keep-alive 72 s, no request or connection timeout).
      const opts = factoryOptions as unknown as { keepAliveTimeout: number; requestTimeout: number; connectionTimeout: number };
      const server = http.createServer({}, (req, res) => {
        if (!fast.path?.handle(req, res)) handler(req, res);
      });
      server.keepAliveTimeout = opts.keepAliveTimeout;
      server.requestTimeout = opts.requestTimeout;
      server.setTimeout(opts.connectionTimeout);
      return server;
    },
  }) as unknown as FastifyInstance;

  // Set when the request arrives, so every answer carries it (errors and 404s too). A callback hook
  // rather than an async onSend one: no promise and no hook runner on the reply path. A route that
  // adopts another id (OIP's body `id`) sets the header again.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  // Default error handler for everything outside an API-specific scope (which set their own).
  app.setErrorHandler((err, request, reply) => {
    const error = toAscentError(err);
    if (error.code === 'INTERNAL') request.log.error({ err }, 'request failed');
    void reply.status(error.status).send(nativeErrorBody(error));
  });

  app.get('/health', async (_req, reply) => reply.type('text/plain').send('OK'));
  app.get('/version', async (_req, reply) => reply.type('text/plain').send(options.services.version));

  const maxArtifactBytes = options.maxArtifactBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
  await app.register(registerNativeApi, { prefix: '/api/v1', services: options.services, maxArtifactBytes });
  await registerMlflowApi(app, options.services, { maxArtifactBytes });
  fast.path = await registerInferenceApi(app, { services: options.services });
  if (options.serveUi !== false) await registerWebUi(app);
  return app;
}
