import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AscentError, ERROR_CATALOGUE } from '../../core/errors.js';
import { csvRequest, invocationsRequest, mlflowPredictions } from '../../serving/codec/index.js';
import { toAscentError } from '../error-mapping.js';
import { defaultDeploymentOf, stickyValue, type ServingServices } from './serving-services.js';

/**
 * MLflow's scoring server protocol: `POST /invocations` (JSON dataframe_split, dataframe_records,
 * instances or inputs, or text/csv; other content types 415) answering `{"predictions": [...]}`,
 * and `GET /ping`. Root paths serve the default deployment; `/deployments/{name}/invocations` any.
 */
export async function registerMlflowScoringRoutes(app: FastifyInstance, options: { serving: ServingServices; bodyLimit: number }): Promise<void> {
  const { serving } = options;
  app.setErrorHandler((err, request, reply) => {
    const e = toAscentError(err);
    if (e.code === 'INTERNAL') request.log.error({ err }, 'scoring request failed');
    // MLflow's scoring server reports input problems as BAD_REQUEST; other codes keep their MLflow names.
    const bad = e.code === 'INVALID_ARGUMENT' || e.code === 'MALFORMED_REQUEST';
    const entry = ERROR_CATALOGUE[e.code];
    void reply.status(e.status).send({ error_code: bad ? 'BAD_REQUEST' : entry.mlflowCode, message: e.message });
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: options.bodyLimit }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      done(new AscentError('MALFORMED_REQUEST', `Malformed JSON: ${(err as Error).message}`), undefined);
    }
  });
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: options.bodyLimit }, (_req, body, done) => done(null, { csv: body as string }));

  const score = async (name: string, request: FastifyRequest, reply: FastifyReply) => {
    const body = request.body;
    if (body === undefined || body === null) throw new AscentError('UNSUPPORTED_MEDIA_TYPE', 'POST /invocations needs a body of type application/json or text/csv');
    const input = typeof body === 'object' && 'csv' in (body as object) ? csvRequest((body as { csv: string }).csv) : invocationsRequest(body);
    const stickyKey = serving.manager.served(name)?.stickyKey;
    const sticky = stickyKey ? stickyValue(request, stickyKey, input.kind === 'columns' ? firstRecord(input) : undefined) : undefined;
    const result = await serving.manager.predict({ deployment: name, requestId: request.id, input, ...(sticky !== undefined ? { stickyKey: sticky } : {}) });
    void reply.header('x-ascent-variant', result.variant);
    return mlflowPredictions(result.outputs);
  };

  app.post('/invocations', async (request, reply) => score(defaultDeploymentOf(serving), request, reply));
  app.post<{ Params: { name: string } }>('/deployments/:name/invocations', async (request, reply) => score(request.params.name, request, reply));
  app.get('/ping', async (_request, reply) => {
    const name = defaultDeploymentOf(serving);
    const status = serving.manager.status(name);
    if (status.state === 'absent') throw new AscentError('NOT_FOUND', `Deployment '${name}' not found`);
    const ready = status.variants.some((v) => v.role !== 'shadow' && v.ready);
    return reply.status(ready ? 200 : 503).type('text/plain').send(ready ? '\n' : 'not ready\n');
  });
}

/** The first row of a table as a record (where a sticky key may be a column). */
function firstRecord(input: { columns: string[]; rows: unknown[][] }): Record<string, unknown> {
  return Object.fromEntries(input.columns.map((c, i) => [c, input.rows[0]?.[i]]));
}
