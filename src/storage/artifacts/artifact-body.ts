import { Readable } from 'node:stream';
import type { ArtifactBody } from './artifact-store.js';

/** Present any accepted upload body as a Node Readable of Buffers. */
export function bodyToReadable(body: ArtifactBody): Readable {
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    return Readable.from([Buffer.from(body)], { objectMode: false });
  }
  // NodeJS.ReadableStream also admits old-style streams; wrapping gives them the modern interface.
  return body instanceof Readable ? body : new Readable().wrap(body);
}

/** Read a whole body into memory; only for inputs with a known small bound, such as upload parts. */
export async function readBodyToBuffer(body: ArtifactBody): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of bodyToReadable(body)) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  }
  return Buffer.concat(chunks);
}
