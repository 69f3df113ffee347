import type { FastifyError } from 'fastify';
import { AscentError, ERROR_CATALOGUE, type ErrorCode } from '../core/errors.js';

/** Turn anything thrown in a route into a coded AscentError (one place for the mapping). */
export function toAscentError(err: unknown): AscentError {
  if (err instanceof AscentError) return err;
  const fe = err as Partial<FastifyError> & { statusCode?: number; validation?: unknown };
  if (fe && typeof fe === 'object') {
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return bodyTooLarge();
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new AscentError('UNSUPPORTED_MEDIA_TYPE', fe.message ?? 'Unsupported content type');
    if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new AscentError('MALFORMED_REQUEST', 'Request body is empty but content-type is application/json');
    if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (fe.statusCode === 400 && err instanceof SyntaxError)) {
      return new AscentError('MALFORMED_REQUEST', `Malformed JSON body: ${fe.message ?? ''}`.trim());
    }
    if (fe.validation) return new AscentError('INVALID_ARGUMENT', fe.message ?? 'Invalid request');
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code: ErrorCode = fe.statusCode === 404 ? 'NOT_FOUND' : fe.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : fe.statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'INVALID_ARGUMENT';
      return new AscentError(code, fe.message ?? 'Bad request');
    }
  }
  return new AscentError('INTERNAL', 'Internal server error', { cause: err });
}

/** A request body over the server's limit. */
export function bodyTooLarge(): AscentError {
  return new AscentError('PAYLOAD_TOO_LARGE', `Request body is larger than the server's limit`);
}

/** Body of a native API error: `{ error: { code, message, field? } }`. */
export function nativeErrorBody(err: AscentError): { error: { code: ErrorCode; message: string; field?: string } } {
  return { error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } };
}

/** MLflow's error shape and status for the same error. */
export function mlflowError(err: AscentError): { status: number; body: { error_code: string; message: string } } {
  const entry = ERROR_CATALOGUE[err.code];
  return { status: entry.mlflowStatus, body: { error_code: entry.mlflowCode, message: err.message } };
}
