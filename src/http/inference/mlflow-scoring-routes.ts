import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AscentError } from '../../core/errors.js';
import { toAscentError } from '../error-mapping.js';
import { parseScoringJson, scoreInvocations, scoringErrorBody } from './scoring-handlers.js';
import { defaultDeploymentOf, type ServingServices } from './serving-services.js';

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
    void reply.status(e.status).send(scoringErrorBody(e));
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: options.bodyLimit }, (_req, body, done) => {
    try {
      done(null, parseScoringJson(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: options.bodyLimit }, (_req, body, done) => done(null, { csv: body as string }));

  const score = async (name: string, request: FastifyRequest, reply: FastifyReply) => {
    const answer = await scoreInvocations(serving, name, request.body, request.id, request.headers);
    void reply.header('x-ascent-variant', answer.variant);
    return answer.body;
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
