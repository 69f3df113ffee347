import { randomUUID } from 'node:crypto';

/**
 * Request ids are UUID version 7 (RFC 9562): a millisecond timestamp followed by 74 random bits.
 * Time-ordered ids land at the right edge of the inference log's `request_id` index instead of at
 * random places in it, which halves the cost of writing a logged prediction to SQLite (random
 * version 4 ids dirtied a different index page per row).
 */

let prefixMs = -1;
let prefix = '';

/** A new time-ordered request id (`0190f2a1-7c3e-7a21-9f0b-3c5d8e1a2b4f`). */
export function newRequestId(now = Date.now()): string {
  if (now !== prefixMs) {
    const ts = now.toString(16).padStart(12, '0');
    prefix = `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7`;
    prefixMs = now;
  }
  // randomUUID is version 4: the same layout with the version nibble at 14 and the variant bits
  // already set; its random digits after the version nibble become version 7's random bits.
  return prefix + randomUUID().slice(15);
}
