import type { IncomingHttpHeaders } from 'node:http';
import { AscentError, ERROR_CATALOGUE } from '../../core/errors.js';
import { csvRequest, invocationsRequest, mlflowPredictions } from '../../serving/codec/index.js';
import { decodeInfer, encodeInfer } from './oip-codec.js';
import { stickyValue, type ServingServices } from './serving-services.js';

/**
 * The inference protocols' request handling without a transport: what `/invocations` and OIP's
 * `infer` do with a parsed body, and the error each protocol answers with. The Fastify routes
 * (mlflow-scoring-routes.ts, oip-routes.ts) and the raw fast path (inference-fast-path.ts) both
 * call these, so the two give byte-identical answers.
 */

/** An answer to send: status 200, its body and the headers beyond content-type and request id. */
export interface InferenceAnswer {
  /** The request id the answer carries (OIP adopts the body's `id`). */
  requestId: string;
  variant: string;
  /** A JSON value (sent as application/json) or encoded bytes with their content type. */
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

/** Parse a scoring request's JSON text the way MLflow's scoring server reports a bad one. */
export function parseScoringJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AscentError('MALFORMED_REQUEST', `Malformed JSON: ${(err as Error).message}`);
  }
}

/** MLflow `/invocations`: a parsed JSON body (or `{csv}` text) → `{"predictions": [...]}`. */
export async function scoreInvocations(serving: ServingServices, name: string, body: unknown, requestId: string, headers: IncomingHttpHeaders): Promise<InferenceAnswer> {
  if (body === undefined || body === null) throw new AscentError('UNSUPPORTED_MEDIA_TYPE', 'POST /invocations needs a body of type application/json or text/csv');
  const input = typeof body === 'object' && 'csv' in (body as object) ? csvRequest((body as { csv: string }).csv) : invocationsRequest(body);
  const stickyKey = serving.manager.served(name)?.stickyKey;
  const sticky = stickyKey ? stickyValue(headers, stickyKey, input.kind === 'columns' ? firstRecord(input) : undefined) : undefined;
  const result = await serving.manager.predict({ deployment: name, requestId, input, ...(sticky !== undefined ? { stickyKey: sticky } : {}) });
  return { requestId, variant: result.variant, body: mlflowPredictions(result.outputs) };
}

/** MLflow scoring's error shape: input problems are BAD_REQUEST, other codes keep their MLflow names. */
export function scoringErrorBody(e: AscentError): { error_code: string; message: string } {
  const bad = e.code === 'INVALID_ARGUMENT' || e.code === 'MALFORMED_REQUEST';
  return { error_code: bad ? 'BAD_REQUEST' : ERROR_CATALOGUE[e.code].mlflowCode, message: e.message };
}

/** OIP `infer`: a JSON body (or JSON header plus binary tensors) → the OIP response. */
export async function inferOip(serving: ServingServices, model: string, version: string | undefined, raw: unknown, requestId: string, headers: IncomingHttpHeaders): Promise<InferenceAnswer> {
  if (!Buffer.isBuffer(raw) || raw.length === 0) throw new AscentError('INVALID_ARGUMENT', 'The infer request needs a JSON body', { field: 'body' });
  const headerLen = headers['inference-header-content-length'];
  const decoded = decodeInfer(raw, headerLen === undefined ? undefined : Number(headerLen));
  // The caller's id (body `id`) is the request id everywhere: response body, header, inference log.
  const id = decoded.id || requestId;
  const stickyKey = serving.manager.served(model)?.stickyKey;
  const result = await serving.manager.predict({
    deployment: model,
    requestId: id,
    input: { kind: 'oip', tensors: decoded.tensors, ...(decoded.outputs ? { outputs: decoded.outputs } : {}) },
    ...(version !== undefined ? { version } : {}),
    ...(decoded.outputs ? { outputs: decoded.outputs } : {}),
    ...(stickyKey ? { stickyKey: stickyValue(headers, stickyKey) } : {}),
  });
  const encoded = encodeInfer({ modelName: model, modelVersion: result.modelVersion, id, outputs: result.outputs }, decoded.binaryOutputs);
  if (encoded.headerLength !== undefined) {
    return { requestId: id, variant: result.variant, body: encoded.body, contentType: 'application/octet-stream', headers: { 'inference-header-content-length': String(encoded.headerLength) } };
  }
  return { requestId: id, variant: result.variant, body: encoded.body };
}

/** OIP's error shape: `{"error": "..."}`. */
export function oipErrorBody(e: AscentError): { error: string } {
  return { error: e.message };
}

/** The first row of a table as a record (where a sticky key may be a column). */
function firstRecord(input: { columns: string[]; rows: unknown[][] }): Record<string, unknown> {
  return Object.fromEntries(input.columns.map((c, i) => [c, input.rows[0]?.[i]]));
}
