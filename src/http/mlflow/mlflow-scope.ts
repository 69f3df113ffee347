import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AscentError } from '../../core/errors.js';
import { mlflowError, toAscentError } from '../error-mapping.js';
import { stringifyJson } from '../json.js';

/**
 * Make an encapsulated scope speak MLflow: errors as `{error_code, message}` with MLflow's status,
 * unknown routes as 404 ENDPOINT_NOT_FOUND, and JSON with non-finite numbers as "NaN"/"Infinity".
 */
export function mlflowScope(scope: FastifyInstance): void {
  mlflowErrors(scope);
  scope.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    sendMlflowError(new AscentError('ENDPOINT_NOT_FOUND', `No API endpoint ${request.method} ${path}`), request, reply);
  });
}

/**
 * MLflow's error shape and JSON serializer without the 404 handler: for another plugin that adds
 * MLflow-compatible routes under a prefix `registerMlflowApi` already owns (Fastify allows one
 * not-found handler per prefix).
 */
export function mlflowErrors(scope: FastifyInstance): void {
  scope.setErrorHandler((err, request, reply) => sendMlflowError(toAscentError(err), request, reply));
  scope.setReplySerializer((payload) => stringifyJson(payload));
}

function sendMlflowError(error: AscentError, request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'INTERNAL') request.log.error({ err: error.cause ?? error }, 'mlflow api request failed');
  const { status, body } = mlflowError(error);
  void reply.status(status).type('application/json').send(body);
}

/**
 * Parse every request body as JSON whatever its content type (MLflow's server does the same with
 * `get_json(force=True)`): an empty body is `{}`, a double-encoded JSON string is decoded again
 * (older clients send those), and malformed JSON is a MALFORMED_REQUEST.
 */
export function acceptJsonBodies(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, {});
      return;
    }
    try {
      let parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'string') parsed = JSON.parse(parsed);
      done(null, parsed ?? {});
    } catch (err) {
      done(new AscentError('MALFORMED_REQUEST', `Malformed JSON request body: ${(err as Error).message}`), undefined);
    }
  });
}

/** Hand the body to the route as the raw request stream, unread and unbounded by `bodyLimit`. */
export function acceptStreamBodies(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
}
