import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { bodyTooLarge, toAscentError } from '../error-mapping.js';
import { newRequestId } from '../request-id.js';
import { inferOip, oipErrorBody, parseScoringJson, scoreInvocations, scoringErrorBody, type InferenceAnswer } from './scoring-handlers.js';
import { defaultDeploymentOf, type ServingServices } from './serving-services.js';
import type { AscentError } from '../../core/errors.js';

/** One protocol's predict call and error shape, with the route's path parameters bound. */
interface Route {
  /** What the handler takes: the parsed JSON (MLflow scoring) or the raw bytes (OIP). */
  parse: (raw: Buffer) => unknown;
  handle: (body: unknown, requestId: string, req: IncomingMessage) => Promise<InferenceAnswer>;
  errorBody: (e: AscentError) => unknown;
  logMessage: string;
}

/**
 * The prediction routes' hot path, answered straight from node:http: a JSON `POST /invocations`,
 * `/deployments/{name}/invocations` or OIP `/v2/models/{model}[/versions/{v}]/infer`.
 *
 * Fastify's routing, hooks, per-request logger, reply and serializer machinery cost about a sixth of
 * a one-row prediction's CPU (bench/RESULTS.md, serving). This handler takes only the plain case —
 * a path with no query string or escapes and `application/json` — and hands everything else to
 * Fastify untouched (before reading a byte of the body), where the same routes answer it. Both call
 * the same handlers (scoring-handlers.ts), so status, body and headers are the same either way; a
 * parity test (inference-fast-path.test.ts) checks them against `app.inject`.
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
    const route = this.route(req.url!);
    if (!route) return false;
    const requestId = headerId(req.headers['x-request-id']) ?? newRequestId();
    const declared = Number(req.headers['content-length']);
    if (declared > this.options.bodyLimit) {
      req.resume();
      this.fail(res, route, requestId, bodyTooLarge(), true);
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= this.options.bodyLimit) return void chunks.push(chunk);
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.resume();
      this.fail(res, route, requestId, bodyTooLarge(), true);
    };
    const onEnd = () => {
      let body: unknown;
      try {
        body = route.parse(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      } catch (err) {
        return this.fail(res, route, requestId, toAscentError(err), true);
      }
      route.handle(body, requestId, req).then(
        (answer) => send(res, 200, answer.requestId, answer.body, answer),
        (err: unknown) => this.fail(res, route, requestId, toAscentError(err), false, err),
      );
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', () => res.destroy());
    return true;
  }

  private route(url: string): Route | undefined {
    if (url.includes('?') || url.includes('%')) return undefined;
    const { serving } = this.options;
    const parts = url.split('/');
    // '/invocations' → ['', 'invocations']; '/deployments/x/invocations' → ['', 'deployments', 'x', 'invocations'].
    if (parts.length === 2 && parts[1] === 'invocations') return this.scoring(() => defaultDeploymentOf(serving));
    if (parts.length === 4 && parts[1] === 'deployments' && parts[3] === 'invocations' && parts[2]) {
      const name = parts[2];
      return this.scoring(() => name);
    }
    // '/v2/models/m/infer' or '/v2/models/m/versions/v/infer'.
    if (parts[1] !== 'v2' || parts[2] !== 'models' || !parts[3] || parts.at(-1) !== 'infer') return undefined;
    if (parts.length === 5) return this.oip(parts[3], undefined);
    if (parts.length === 7 && parts[4] === 'versions' && parts[5]) return this.oip(parts[3], parts[5]);
    return undefined;
  }

  private scoring(name: () => string): Route {
    const { serving } = this.options;
    return {
      parse: (raw) => parseScoringJson(raw.toString('utf8')),
      handle: async (body, requestId, req) => scoreInvocations(serving, name(), body, requestId, req.headers),
      errorBody: scoringErrorBody,
      logMessage: 'scoring request failed',
    };
  }

  private oip(model: string, version: string | undefined): Route {
    const { serving } = this.options;
    return {
      parse: (raw) => raw,
      handle: (body, requestId, req) => inferOip(serving, model, version, body, requestId, req.headers),
      errorBody: oipErrorBody,
      logMessage: 'inference request failed',
    };
  }

  private fail(res: ServerResponse, route: Route, requestId: string, e: AscentError, closeConnection: boolean, cause?: unknown): void {
    if (e.code === 'INTERNAL') this.options.log.error({ reqId: requestId, err: cause }, route.logMessage);
    if (closeConnection) res.setHeader('connection', 'close');
    send(res, e.status, requestId, route.errorBody(e));
  }
}

/** Write a whole answer in one go: JSON values as Fastify serializes them, bytes as they are. */
function send(res: ServerResponse, status: number, requestId: string, body: unknown, answer?: InferenceAnswer): void {
  if (res.headersSent || res.destroyed) return;
  const bytes = Buffer.isBuffer(body) && answer?.contentType ? body : undefined;
  const text = bytes ? '' : JSON.stringify(body);
  res.setHeader('x-request-id', requestId);
  if (answer) {
    res.setHeader('x-ascent-variant', answer.variant);
    for (const [k, v] of Object.entries(answer.headers ?? {})) res.setHeader(k, v);
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
