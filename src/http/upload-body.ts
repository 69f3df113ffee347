import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { AscentError } from '../core/errors.js';

/** An upload body ready for the artifact store, with the length the client declared (if any). */
export interface UploadBody {
  body: Readable | Buffer;
  contentLength: number | undefined;
}

/**
 * The raw body of an upload route (see `acceptStreamBodies`), refused with PAYLOAD_TOO_LARGE as
 * soon as it is known to exceed `maxBytes`: up front from Content-Length, or mid-stream for a
 * chunked body, in which case the store's write fails and nothing is kept.
 */
export function uploadBody(request: FastifyRequest, maxBytes: number): UploadBody {
  const header = request.headers['content-length'];
  const contentLength = header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
  if (contentLength !== undefined && contentLength > maxBytes) throw tooLarge(maxBytes);
  const raw = request.body;
  // No content type and no body: Fastify skips the parser and leaves `body` undefined.
  if (!(raw instanceof Readable)) return { body: Buffer.alloc(0), contentLength };
  // Pulled only as the store reads, so an error surfaces in the store's write, never unhandled.
  return { body: Readable.from(limitBytes(raw, maxBytes), { objectMode: false }), contentLength };
}

function tooLarge(maxBytes: number): AscentError {
  return new AscentError('PAYLOAD_TOO_LARGE', `Artifact upload is larger than the server's limit of ${maxBytes} bytes`);
}

/** Yield the body's chunks, failing once more than `maxBytes` have gone through. */
async function* limitBytes(source: AsyncIterable<Buffer | string>, maxBytes: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    seen += bytes.length;
    if (seen > maxBytes) throw tooLarge(maxBytes);
    yield bytes;
  }
}
