import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { AscentError } from '../../core/errors.js';
import { bodyTooLarge, toAscentError } from '../error-mapping.js';
import { newRequestId } from '../request-id.js';
import { inferOip, oipErrorBody, parseScoringJson, scoreInvocations, scoringErrorBody, type InferenceAnswer } from './scoring-handlers.js';
import { defaultDeploymentOf, type ServingServices } from './serving-services.js';

/** What a prediction path names: a scoring deployment (null: the default one), or an OIP model and version. */
type Target = { protocol: 'scoring'; name: string | null } | { protocol: 'oip'; model: string; version: string | undefined };

/**
 * The prediction routes' hot path, answered straight from node:http: a JSON `POST /invocations`,
 * `/deployments/{name}/invocations` or OIP `/v2/models/{model}[/versions/{v}]/infer`.
 *
 * Fastify's routing, hooks, per-request logger, reply and serializer machinery cost tens of
 * microseconds of a one-row prediction's CPU (docs/serving.md). This handler takes only the plain
 * case (a path with no query string or escapes, and `application/json`) and hands everything else
 * to Fastify untouched, before reading a byte of the body, where the same routes answer it. Both
 * call the same handlers (scoring-handlers.ts), so status, body and headers are the same either
 * way; a parity test (inference-fast-path.test.ts) checks them against `app.inject`.
 */
export class InferenceFastPath {
  private closing = false;

  constructor(private readonly options: { serving: ServingServices; bodyLimit: number; log: FastifyBaseLogger }) {}

  /** Stop taking requests (the server is closing): Fastify answers them with its 503. */
  close(): void {
    this.closing = true;
  }

  /** Answer `req` if it is a plain prediction; false leaves it (unread) to Fastify. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.closing || req.method !== 'POST' || !isJson(req.headers['content-type'])) return false;
    // Triton's binary extension (a JSON header followed by raw tensors) stays with Fastify.
    if (req.headers['inference-header-content-length'] !== undefined) return false;
    const target = targetOf(req.url!);
    if (!target) return false;
    const requestId = headerId(req.headers['x-request-id']) ?? newRequestId();
    const limit = this.options.bodyLimit;
    if (Number(req.headers['content-length']) > limit) {
      req.resume();
      this.fail(res, target, requestId, bodyTooLarge(), true);
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.resume();
      this.fail(res, target, requestId, bodyTooLarge(), true);
    };
    const onEnd = () => this.answer(req, res, target, requestId, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', () => res.destroy());
    return true;
  }

  private answer(req: IncomingMessage, res: ServerResponse, target: Target, requestId: string, raw: Buffer): void {
    const { serving } = this.options;
    let answer: Promise<InferenceAnswer>;
    if (target.protocol === 'oip') {
      answer = inferOip(serving, target.model, target.version, raw, requestId, req.headers);
    } else {
      let body: unknown;
      try {
        body = parseScoringJson(raw.toString('utf8'));
      } catch (err) {
        // As when Fastify's body parser fails: the connection closes after a malformed body.
        return this.fail(res, target, requestId, toAscentError(err), true);
      }
      try {
        answer = scoreInvocations(serving, target.name ?? defaultDeploymentOf(serving), body, requestId, req.headers);
      } catch (err) {
        // No default deployment for the root path.
        return this.fail(res, target, requestId, toAscentError(err), false, err);
      }
    }
    answer.then(
      (a) => send(res, 200, a.requestId, a.body, a),
      (err: unknown) => this.fail(res, target, requestId, toAscentError(err), false, err),
    );
  }

  private fail(res: ServerResponse, target: Target, requestId: string, e: AscentError, closeConnection: boolean, cause?: unknown): void {
    const oip = target.protocol === 'oip';
    if (e.code === 'INTERNAL') this.options.log.error({ reqId: requestId, err: cause }, oip ? 'inference request failed' : 'scoring request failed');
    if (closeConnection) res.setHeader('connection', 'close');
    send(res, e.status, requestId, oip ? oipErrorBody(e) : scoringErrorBody(e));
  }
}

/**
 * The prediction a path names: `/invocations`, `/deployments/{name}/invocations`,
 * `/v2/models/{model}/infer` or `/v2/models/{model}/versions/{v}/infer`. Anything else (a query
 * string, an escape, another path) is Fastify's.
 */
function targetOf(url: string): Target | undefined {
  if (url.includes('?') || url.includes('%')) return undefined;
  if (url === '/invocations') return { protocol: 'scoring', name: null };
  const parts = url.split('/');
  if (parts.length === 4 && parts[1] === 'deployments' && parts[3] === 'invocations' && parts[2]) return { protocol: 'scoring', name: parts[2] };
  if (parts[1] !== 'v2' || parts[2] !== 'models' || !parts[3] || parts.at(-1) !== 'infer') return undefined;
  if (parts.length === 5) return { protocol: 'oip', model: parts[3], version: undefined };
  if (parts.length === 7 && parts[4] === 'versions' && parts[5]) return { protocol: 'oip', model: parts[3], version: parts[5] };
  return undefined;
}

/** Write a whole answer in one go: JSON values as Fastify serializes them, bytes as they are. */
function send(res: ServerResponse, status: number, requestId: string, body: unknown, answer?: InferenceAnswer): void {
  if (res.headersSent || res.destroyed) return;
  const bytes = Buffer.isBuffer(body) && answer?.contentType ? body : undefined;
  const text = bytes ? '' : JSON.stringify(body);
  res.setHeader('x-request-id', requestId);
  if (answer) {
    res.setHeader('x-ascent-variant', answer.variant);
    if (answer.headers) for (const k in answer.headers) res.setHeader(k, answer.headers[k]!);
  }
  res.setHeader('content-type', bytes ? answer!.contentType! : 'application/json; charset=utf-8');
  res.setHeader('content-length', bytes ? bytes.length : Buffer.byteLength(text));
  res.statusCode = status;
  res.end(bytes ?? text);
}

/** `application/json`, with or without parameters, in any case (as Fastify's parser lookup matches it). */
function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  if (contentType === 'application/json') return true;
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase() === 'application/json';
}

/** Fastify's `requestIdHeader`: a non-empty incoming `x-request-id` is the request's id. */
function headerId(h: string | string[] | undefined): string | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  return v ? v : undefined;
}
