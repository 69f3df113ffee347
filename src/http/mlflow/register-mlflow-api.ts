import type { FastifyInstance } from 'fastify';
import type { AppServices } from '../app-services.js';
import { addArtifactsProxyRoutes } from './artifacts-proxy-routes.js';
import { addExperimentRoutes } from './experiments-routes.js';
import { addLoggedModelRoutes } from './logged-models-routes.js';
import { addMetricRoutes } from './metrics-routes.js';
import { acceptJsonBodies, mlflowScope } from './mlflow-scope.js';
import { addRegisteredModelRoutes } from './registry-models-routes.js';
import { addModelVersionRoutes } from './registry-versions-routes.js';
import { addRunArtifactRoutes } from './run-artifacts-routes.js';
import { addRunRoutes } from './runs-routes.js';
import { addServerInfoRoutes } from './server-info-routes.js';

/** Options of the MLflow-compatible API. */
export interface MlflowApiOptions {
  /** Largest artifact one upload (a PUT, or one multipart part) may carry, in bytes (default 5 GiB). */
  maxArtifactBytes?: number;
}

export const DEFAULT_MAX_ARTIFACT_BYTES = 5 * 1024 ** 3;

/** Where MLflow's server answers its tracking API; the client uses the first, MLflow's UI the second. */
const TRACKING_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow', '/api/2.0/preview/mlflow'];
const ARTIFACT_PREFIXES = ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts'];
const V3_PREFIXES = ['/api/3.0/mlflow', '/ajax-api/3.0/mlflow'];

/**
 * The MLflow-compatible REST API: tracking and the model registry (`/api/2.0/mlflow`), the artifact proxy
 * (`/api/2.0/mlflow-artifacts`) and server-info (`/api/3.0/mlflow`), each prefix an encapsulated
 * scope whose errors and unknown routes answer in MLflow's `{error_code, message}` shape.
 */
export async function registerMlflowApi(app: FastifyInstance, services: AppServices, options: MlflowApiOptions = {}): Promise<void> {
  const maxArtifactBytes = options.maxArtifactBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
  for (const prefix of TRACKING_PREFIXES) {
    await app.register(
      async (scope) => {
        mlflowScope(scope);
        acceptJsonBodies(scope);
        addExperimentRoutes(scope, services);
        addRunRoutes(scope, services);
        addMetricRoutes(scope, services);
        addRunArtifactRoutes(scope, services);
        addLoggedModelRoutes(scope, services);
        addRegisteredModelRoutes(scope, services);
        addModelVersionRoutes(scope, services);
      },
      { prefix },
    );
  }
  for (const prefix of ARTIFACT_PREFIXES) {
    await app.register(
      async (scope) => {
        mlflowScope(scope);
        await addArtifactsProxyRoutes(scope, services, { maxArtifactBytes });
      },
      { prefix },
    );
  }
  for (const prefix of V3_PREFIXES) {
    await app.register(
      async (scope) => {
        mlflowScope(scope);
        addServerInfoRoutes(scope);
      },
      { prefix },
    );
  }
}
