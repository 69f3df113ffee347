import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { invalid } from '../../core/errors.js';

/** Options for a BodyMeter. */
export interface BodyMeterOptions {
  /** Refuse the body (the stream errors) unless it has exactly this many bytes. */
  expectedLength?: number;
  /** Also compute the MD5 of the bytes, which is what S3 reports as a part's ETag. */
  md5?: boolean;
}

/**
 * A pass-through stream that counts (and optionally hashes) the bytes of an upload. A length
 * mismatch errors the stream before it ends, so the writer never commits a truncated or padded file.
 */
export class BodyMeter extends Transform {
  bytes = 0;
  private readonly expectedLength: number | undefined;
  private readonly hash: Hash | undefined;

  constructor(options: BodyMeterOptions = {}) {
    super();
    this.expectedLength = checkContentLength(options.expectedLength);
    this.hash = options.md5 ? createHash('md5') : undefined;
  }

  /** The quoted MD5 hex digest, in the form S3 returns ETags; only after the stream has ended. */
  etag(): string {
    if (!this.hash) throw new Error('BodyMeter was created without md5');
    return `"${this.hash.digest('hex')}"`;
  }

  override _transform(chunk: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    this.bytes += bytes.length;
    if (this.expectedLength !== undefined && this.bytes > this.expectedLength) {
      callback(lengthMismatch(this.expectedLength, 'more'));
      return;
    }
    this.hash?.update(bytes);
    callback(null, bytes);
  }

  override _flush(callback: TransformCallback): void {
    if (this.expectedLength !== undefined && this.bytes !== this.expectedLength) {
      callback(lengthMismatch(this.expectedLength, `only ${this.bytes}`));
      return;
    }
    callback();
  }
}

/** Validate an optional declared content length: a non-negative safe integer or undefined. */
export function checkContentLength(length: number | undefined): number | undefined {
  if (length === undefined) return undefined;
  if (!Number.isSafeInteger(length) || length < 0) {
    throw invalid(`contentLength must be a non-negative integer, got ${String(length)}`, 'contentLength');
  }
  return length;
}

function lengthMismatch(expected: number, actual: string) {
  return invalid(`Body has ${actual} bytes but contentLength declared ${expected}`, 'contentLength');
}
