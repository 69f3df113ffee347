import { AscentConnectionError, errorFromResponse } from './sdk-errors.js';

/** The subset of the WHATWG `fetch` the SDK needs; pass your own to add auth, proxies or tracing. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** How failed requests are retried: exponential backoff with jitter, capped. */
export interface RetryPolicy {
  /** Total attempts including the first; 1 disables retries. Default 5. */
  maxAttempts: number;
  /** Delay before the first retry, doubled for each further one. Default 200 ms. */
  initialDelayMs: number;
  /** Upper bound for one delay, also for a server's `retry-after`. Default 5,000 ms. */
  maxDelayMs: number;
}

/** Options of an HttpTransport; AscentClient passes its own options through. */
export interface HttpTransportOptions {
  /** The server's URL, e.g. `http://127.0.0.1:5000` (a path prefix behind a proxy is kept). */
  baseUrl: string;
  fetch?: FetchLike;
  /** Sent with every request, e.g. `{ authorization: 'Bearer …' }`. */
  headers?: Record<string, string>;
  /** Per attempt, including reading the body. Default 30,000 ms. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

export type QueryValue = string | number | boolean | null | undefined | readonly (string | number)[];

/** One API call: the path is relative to `/api/v1` and already URL-encoded. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, QueryValue>;
  /** Serialized as JSON (non-finite numbers must already be wire strings). */
  json?: unknown;
  /** A raw body, sent as-is. */
  body?: Uint8Array;
  contentType?: string;
  /** Extra headers of this request only, e.g. `x-ascent-reason`. */
  headers?: Record<string, string>;
  /**
   * Whether repeating the request after a lost response is harmless. Defaults to true for GET,
   * PUT and DELETE; POST and PATCH are then only retried on 429/503, when the server did not act.
   */
  idempotent?: boolean;
}

const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 5_000 };
/** The server (or a proxy in front of it) refused before doing anything: safe to repeat any request. */
const RETRY_ALWAYS = new Set([429, 503]);
/** A gateway gave up; the server may have acted, so only idempotent requests are repeated. */
const RETRY_IDEMPOTENT = new Set([502, 504]);

interface RawResponse {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
}

/** A 2xx answer whose body has not been read yet. */
interface OpenResponse {
  response: Response;
  controller: AbortController;
}

/** HttpTransport sends native-API requests: URL building, timeouts, retries and error mapping. */
export class HttpTransport {
  readonly baseUrl: string;
  private readonly fetchFn: FetchLike;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;

  constructor(options: HttpTransportOptions) {
    if (!/^https?:\/\//i.test(options.baseUrl)) {
      throw new TypeError(`baseUrl must be an http(s) URL, got '${options.baseUrl}'`);
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.headers = { ...options.headers };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
  }

  /** Send a request and parse its JSON answer. */
  async json<T>(request: HttpRequest): Promise<T> {
    const res = await this.send(request);
    if (res.bytes.byteLength === 0) return {} as T;
    return JSON.parse(new TextDecoder().decode(res.bytes)) as T;
  }

  /** Send a request and return the raw bytes of its answer. */
  async bytes(request: HttpRequest): Promise<Uint8Array> {
    return (await this.send(request)).bytes;
  }

  /**
   * Send a request and hand the body of its answer to `consume` as it arrives, for downloads too
   * large to hold in memory. The timeout then bounds each wait for the next chunk rather than the
   * whole transfer, and the request is not repeated once `consume` has started.
   */
  async stream<T>(request: HttpRequest, consume: (body: AsyncIterable<Uint8Array>) => Promise<T>): Promise<T> {
    const url = this.url(request.path, request.query);
    const { response, controller } = await this.send(request, true);
    try {
      return await consume(this.chunks(response, controller));
    } catch (err) {
      if (controller.signal.aborted && controller.signal.reason instanceof TimeoutError) throw this.connectionError(url, controller.signal.reason, 1);
      // undici's error when the connection drops mid-body: the server went away, not the consumer's fault.
      if (err instanceof TypeError && err.message === 'terminated') throw this.connectionError(url, err, 1);
      throw err;
    }
  }

  url(path: string, query: Record<string, QueryValue> = {}): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
      else params.append(key, String(value));
    }
    const qs = params.toString();
    return `${this.baseUrl}/api/v1${path}${qs ? `?${qs}` : ''}`;
  }

  private send(request: HttpRequest): Promise<RawResponse>;
  private send(request: HttpRequest, open: true): Promise<OpenResponse>;
  private async send(request: HttpRequest, open = false): Promise<RawResponse | OpenResponse> {
    const url = this.url(request.path, request.query);
    const idempotent = request.idempotent ?? (request.method === 'GET' || request.method === 'PUT' || request.method === 'DELETE');
    const headers: Record<string, string> = { accept: 'application/json', ...this.headers, ...request.headers };
    let body: Uint8Array | string | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.body !== undefined) {
      headers['content-type'] = request.contentType ?? 'application/octet-stream';
      body = request.body;
    }

    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.retry.maxAttempts;
      let res: RawResponse | OpenResponse;
      try {
        res = await this.attempt(url, { method: request.method, headers, ...(body !== undefined ? { body } : {}) }, open);
      } catch (err) {
        if (!idempotent || last) throw this.connectionError(url, err, attempt);
        await sleep(this.backoff(attempt));
        continue;
      }
      if ('response' in res) return res;
      if (res.status >= 200 && res.status < 300) return res;
      const retryable = RETRY_ALWAYS.has(res.status) || (idempotent && RETRY_IDEMPOTENT.has(res.status));
      if (!retryable || last) {
        throw errorFromResponse(res.status, new TextDecoder().decode(res.bytes), res.headers.get('x-request-id') ?? undefined);
      }
      await sleep(this.backoff(attempt, res.headers.get('retry-after')));
    }
  }

  /**
   * One attempt; the timeout covers reading the whole body, so a stalled download is also cut. With
   * `open`, a 2xx answer is returned before its body is read (error answers are always read whole).
   */
  private async attempt(url: string, init: RequestInit, open: boolean): Promise<RawResponse | OpenResponse> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TimeoutError(this.timeoutMs)), this.timeoutMs);
    try {
      const response = await this.fetchFn(url, { ...init, signal: controller.signal });
      if (open && response.ok) return { response, controller };
      const bytes = new Uint8Array(await response.arrayBuffer());
      return { status: response.status, headers: response.headers, bytes };
    } catch (err) {
      throw controller.signal.aborted && controller.signal.reason instanceof TimeoutError ? controller.signal.reason : err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The body of an open answer, chunk by chunk, each wait for a chunk bounded by the timeout. */
  private async *chunks(response: Response, controller: AbortController): AsyncGenerator<Uint8Array> {
    if (!response.body) return;
    const reader = response.body.getReader();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      for (;;) {
        timer = setTimeout(() => controller.abort(new TimeoutError(this.timeoutMs)), this.timeoutMs);
        const { done, value } = await reader.read();
        clearTimeout(timer);
        if (done) return;
        yield value;
      }
    } finally {
      clearTimeout(timer);
      // Stops the transfer when the consumer gives up early (a refused entry, a full disk).
      await reader.cancel().catch(() => undefined);
    }
  }

  private backoff(attempt: number, retryAfter?: string | null): number {
    const fromServer = parseRetryAfter(retryAfter);
    if (fromServer !== undefined) return Math.min(fromServer, this.retry.maxDelayMs);
    const exp = Math.min(this.retry.maxDelayMs, this.retry.initialDelayMs * 2 ** (attempt - 1));
    // Jitter in [exp/2, exp) keeps many clients that failed together from retrying together.
    return exp / 2 + Math.random() * (exp / 2);
  }

  private connectionError(url: string, err: unknown, attempts: number): AscentConnectionError {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    const detail =
      err instanceof TimeoutError
        ? err.message
        : ((cause as { code?: string })?.code ?? (cause instanceof Error ? cause.message : String(cause)));
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    return new AscentConnectionError(`cannot reach Ascent server at ${this.baseUrl}${tries}: ${detail}`, { url, cause: err });
  }
}

class TimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
