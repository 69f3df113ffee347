import type { FastifyInstance } from 'fastify';

/**
 * `GET /api/3.0/mlflow/server-info`, which mlflow ≥ 3.x clients read to learn the server's
 * capabilities (mlflow/utils/server_info.py). Multipart uploads and downloads are advertised as
 * off, so the client uploads each artifact with one streamed PUT to the proxy, which is always
 * supported; the proxy's `mpu/*` routes still work for a client that forces them on with
 * MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD=true. Workspaces are off, so the client never sends a
 * workspace header.
 */
export function addServerInfoRoutes(scope: FastifyInstance): void {
  scope.get('/server-info', async () => ({
    store_type: 'SqlStore',
    workspaces_enabled: false,
    trace_archival_enabled: false,
    multipart_uploads_enabled: false,
    multipart_downloads_enabled: false,
    presigned_upload_run_id_supported: false,
    presigned_upload_model_id_supported: false,
    features_enabled: { gateway: false },
  }));
}
