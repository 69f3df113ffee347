import { randomBytes } from 'node:crypto';

/**
 * JSON with non-finite numbers as the strings "NaN", "Infinity", "-Infinity" (proto3 JSON's
 * convention, which the mlflow client and Ascent's SDK both read back as numbers).
 *
 * A replacer function slows JSON.stringify down by half on large pages (search results), and
 * payloads almost never hold a non-finite number: scan first, use the replacer only when needed.
 */
export function stringifyJson(payload: unknown): string {
  const scan = scanPayload(payload);
  const stringify = scan.nonFinite ? stringifyNonFinite : (value: unknown) => JSON.stringify(value);
  if (!scan.raw) return stringify(payload);
  // RawJson.toJSON stands each text in as a marker string (a per-call nonce makes it unguessable);
  // one native stringify, then one pass swaps the quoted markers for the texts.
  const splice: Splice = { nonce: `__ascent_raw_${randomBytes(8).toString('hex')}_`, texts: [] };
  active = splice;
  let out: string;
  try {
    out = stringify(payload);
  } finally {
    active = null;
  }
  return out.replace(new RegExp(`"${splice.nonce}(\\d+)"`, 'g'), (_m, i: string) => splice.texts[Number(i)]!);
}

interface Splice {
  nonce: string;
  texts: string[];
}

/** The splice of the stringifyJson call in progress (stringify is synchronous, so one at a time). */
let active: Splice | null = null;

/**
 * A value that is already JSON text (e.g. a run's materialized data), spliced verbatim by
 * `stringifyJson` instead of being parsed only to be stringified again. Any other JSON.stringify
 * gets the parsed value, so it is correct everywhere, just slower.
 */
export class RawJson {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    if (!active) return JSON.parse(this.text);
    active.texts.push(this.text);
    return `${active.nonce}${active.texts.length - 1}`;
  }
}

function stringifyNonFinite(payload: unknown): string {
  return JSON.stringify(payload, (_key, value: unknown) => {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    }
    return value;
  });
}

interface Scan {
  nonFinite: boolean;
  raw: boolean;
}

/** One walk finds both: a non-finite number (needs the replacer) and a RawJson (needs composing). */
function scanPayload(value: unknown, scan: Scan = { nonFinite: false, raw: false }): Scan {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) scan.nonFinite = true;
  } else if (value instanceof RawJson) {
    scan.raw = true;
  } else if (value !== null && typeof value === 'object') {
    if (Array.isArray(value)) {
      for (const item of value) scanPayload(item, scan);
    } else {
      const record = value as Record<string, unknown>;
      for (const key in record) scanPayload(record[key], scan);
    }
  }
  return scan;
}
