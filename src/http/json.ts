/**
 * JSON with non-finite numbers as the strings "NaN", "Infinity", "-Infinity" (proto3 JSON's
 * convention, which the mlflow client and Ascent's SDK both read back as numbers).
 */
export function stringifyJson(payload: unknown): string {
  return JSON.stringify(payload, (_key, value: unknown) => {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    }
    return value;
  });
}
