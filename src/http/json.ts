/**
 * JSON with non-finite numbers as the strings "NaN", "Infinity", "-Infinity" (proto3 JSON's
 * convention, which the mlflow client and Ascent's SDK both read back as numbers).
 *
 * A replacer function slows JSON.stringify down by half on large pages (search results), and
 * payloads almost never hold a non-finite number: scan first, use the replacer only when needed.
 */
export function stringifyJson(payload: unknown): string {
  if (!hasNonFinite(payload)) return JSON.stringify(payload);
  return JSON.stringify(payload, (_key, value: unknown) => {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    }
    return value;
  });
}

function hasNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const item of value) if (hasNonFinite(item)) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) if (hasNonFinite(record[key])) return true;
  return false;
}
