import { createHmac } from 'node:crypto';
import type dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { systemClock, type Clock } from '../../core/clock.js';
import { AddressRefusedError, hostOf, pinnedLookup, resolveAllowed } from './address-policy.js';
import type { WebhookRequestBody } from './model.js';

/** Where and how to send: the parts of a webhook a request needs. */
export interface SendTarget {
  url: string;
  secret: string;
  allowPrivate: boolean;
}

/** The outcome of one POST; never thrown, always recorded. */
export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** The caller aborted the request (dispatcher stopping); the receiver may or may not have it. */
  aborted: boolean;
}

export interface WebhookSenderOptions {
  /** Ascent's version, sent as `user-agent: Ascent-Webhooks/<version>`. */
  version: string;
  /** Whole-request deadline (connect, send, response) in ms; default 10 000. */
  timeoutMs?: number;
  clock?: Clock;
}

const MAX_ERROR_CHARS = 500;
const MAX_BODY_SNIPPET = 200;

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, the x-ascent-signature header value. */
export function signBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

const truncate = (s: string, n = MAX_ERROR_CHARS) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * Signs and POSTs one webhook body, behind the SSRF guard. Shared by the dispatcher and the
 * synchronous `test` ping so both follow the same rules.
 */
export class WebhookSender {
  readonly timeoutMs: number;
  private readonly userAgent: string;
  private readonly clock: Clock;

  constructor(options: WebhookSenderOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.userAgent = `Ascent-Webhooks/${options.version}`;
    this.clock = options.clock ?? systemClock;
  }

  async send(target: SendTarget, body: WebhookRequestBody, options: { signal?: AbortSignal } = {}): Promise<SendResult> {
    const started = performance.now();
    const done = (r: Omit<SendResult, 'durationMs' | 'aborted'>): SendResult => ({
      ...r,
      error: r.error === null ? null : truncate(r.error),
      durationMs: Math.round(performance.now() - started),
      aborted: options.signal?.aborted ?? false,
    });
    const url = new URL(target.url);
    let addresses: dns.LookupAddress[] | undefined;
    if (!target.allowPrivate) {
      try {
        // Checked at every delivery, not only at create: DNS may have changed since (rebinding).
        addresses = await resolveAllowed(hostOf(url));
      } catch (err) {
        const message = err instanceof AddressRefusedError ? err.message : `DNS lookup of ${url.hostname} failed: ${(err as Error).message}`;
        return done({ ok: false, statusCode: null, error: message });
      }
    }
    const json = JSON.stringify(body);
    const timestamp = String(Math.floor(this.clock.now() / 1000));
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(json)),
      'user-agent': this.userAgent,
      'x-ascent-event': body.type,
      'x-ascent-delivery': body.id,
      'x-ascent-timestamp': timestamp,
      'x-ascent-signature': signBody(target.secret, timestamp, json),
    };
    try {
      const { statusCode, snippet } = await this.post(url, headers, json, addresses, options.signal);
      const ok = statusCode >= 200 && statusCode < 300;
      return done({ ok, statusCode, error: ok ? null : `HTTP ${statusCode}${snippet ? `: ${snippet}` : ''}` });
    } catch (err) {
      return done({ ok: false, statusCode: null, error: describe(err) });
    }
  }

  private post(url: URL, headers: Record<string, string>, json: string, addresses: dns.LookupAddress[] | undefined, signal: AbortSignal | undefined): Promise<{ statusCode: number; snippet: string }> {
    return new Promise((resolve, reject) => {
      const request = (url.protocol === 'https:' ? https : http).request(url, {
        method: 'POST',
        headers,
        // A fresh connection per delivery: every connect goes through the checked lookup, and a
        // stopping dispatcher leaves no pooled sockets behind. Redirects are not followed (3xx fails).
        agent: false,
        ...(addresses ? { lookup: pinnedLookup(addresses) } : {}),
        ...(signal ? { signal } : {}),
      });
      const timer = setTimeout(() => request.destroy(new Error(`timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
      request.on('response', (response) => {
        let snippet = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (snippet.length < MAX_BODY_SNIPPET) snippet += chunk;
        });
        response.on('end', () => {
          clearTimeout(timer);
          resolve({ statusCode: response.statusCode ?? 0, snippet: truncate(snippet.trim(), MAX_BODY_SNIPPET) });
        });
        response.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        // Destroyed mid-body (timeout, abort) without an 'error': settle anyway (a settled promise ignores it).
        response.on('close', () => {
          clearTimeout(timer);
          if (!response.complete) reject(new Error('the connection closed before the response ended'));
        });
      });
      request.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      request.end(json);
    });
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  if (err.name === 'AbortError') return 'interrupted: the dispatcher stopped before the receiver answered';
  return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
}
