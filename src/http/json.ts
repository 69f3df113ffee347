/**
 * JSON with non-finite numbers as the strings "NaN", "Infinity", "-Infinity" (proto3 JSON's
 * convention, which the mlflow client and Ascent's SDK both read back as numbers).
 *
 * A replacer function slows JSON.stringify down by half on large pages (search results), and
 * payloads almost never hold a non-finite number: scan first, use the replacer only when needed.
 */
export function stringifyJson(payload: unknown): string {
  const scan = scanPayload(payload);
  if (scan.raw) return compose(payload);
  if (!scan.nonFinite) return JSON.stringify(payload);
  return stringifyNonFinite(payload);
}

/**
 * A value that is already JSON text (e.g. a run's materialized data), spliced verbatim by
 * `stringifyJson` instead of being parsed only to be stringified again.
 */
export class RawJson {
  constructor(readonly text: string) {}
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

/** JSON.stringify's output, with RawJson texts spliced in where they stand. */
function compose(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : stringifyNonFinite(value);
  if (value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return stringifyNonFinite(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined || typeof item === 'function' ? 'null' : compose(item))).join(',')}]`;
  const parts: string[] = [];
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const item = record[key];
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    parts.push(`${JSON.stringify(key)}:${compose(item)}`);
  }
  return `{${parts.join(',')}}`;
}
