import { AscentError } from '../core/errors.js';
import type { KeyValue } from '../tracking/model.js';

/** Tags and params may be given as a plain object or as the API's `{key, value}` list. */
export type KeyValues = Record<string, string | number | boolean> | readonly KeyValue[];

export function toKeyValues(values: KeyValues | undefined): KeyValue[] {
  if (values === undefined) return [];
  if (Array.isArray(values)) return values.map((kv: KeyValue) => ({ key: kv.key, value: kv.value }));
  return Object.entries(values).map(([key, value]) => ({ key, value: String(value) }));
}

/** Encode one path segment (keys may hold `/`, names anything). */
export const seg = (value: string): string => encodeURIComponent(value);

/** The server's key rule, repeated here so a bad key fails at the call that logged it, not in a later batch. */
export function checkKey(key: string, field = 'key'): void {
  const ok =
    typeof key === 'string' &&
    key.length > 0 &&
    key.length <= 250 &&
    /^[\w\-./ :]+$/.test(key) &&
    !key.startsWith('/') &&
    !key.split('/').includes('..');
  if (!ok) {
    throw new AscentError(
      'INVALID_ARGUMENT',
      `Invalid ${field} '${String(key).slice(0, 80)}': 1-250 alphanumerics, underscores, dashes, periods, spaces, colons and slashes, not absolute, no '..'`,
      { field },
    );
  }
}
