import { invalid } from '../../core/errors.js';
import type { CompletedPart } from './artifact-store.js';

/** S3's limit; the disk store keeps the same one so a client behaves the same on both backends. */
export const MAX_PART_NUMBER = 10_000;

/** Refuse a part number S3 would refuse. */
export function checkPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw invalid(`partNumber must be an integer from 1 to ${MAX_PART_NUMBER}, got ${String(partNumber)}`, 'partNumber');
  }
}

/** Refuse a completion list S3 would refuse: empty, out of order, duplicated, or missing an etag. */
export function checkCompletedParts(parts: CompletedPart[]): void {
  if (!Array.isArray(parts) || parts.length === 0) {
    throw invalid('Completing a multipart upload needs at least one part', 'parts');
  }
  let previous = 0;
  for (const part of parts) {
    checkPartNumber(part.partNumber);
    if (part.partNumber <= previous) {
      throw invalid('parts must be listed in strictly ascending partNumber order', 'parts');
    }
    if (typeof part.etag !== 'string' || unquoteEtag(part.etag) === '') {
      throw invalid(`Part ${part.partNumber} has no etag`, 'parts');
    }
    previous = part.partNumber;
  }
}

/** ETags travel quoted or bare depending on the client; compare them without the quotes. */
export function unquoteEtag(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}
