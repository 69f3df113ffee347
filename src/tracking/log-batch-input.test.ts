import { describe, expect, it } from 'vitest';
import { parseInput } from '../core/validate.js';
import { LogBatchInput } from './model.js';
import { isValidKey, parseLogBatch } from './log-batch-input.js';

/** The schema's verdict: the parsed batch, or the error's code, message and field. */
function viaSchema(raw: unknown): unknown {
  try {
    return parseInput(LogBatchInput, raw, 'batch');
  } catch (err) {
    return { error: (err as Error).message, details: (err as { details?: unknown }).details };
  }
}

function viaFastPath(raw: unknown): unknown {
  try {
    return parseLogBatch(raw);
  } catch (err) {
    return { error: (err as Error).message, details: (err as { details?: unknown }).details };
  }
}

/** A small deterministic generator, so a failure names a reproducible case. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

const KEYS: unknown[] = ['loss', 'a/b', 'x y:z.w-1', '', '/abs', 'a/../b', '..', 'bad!key', 'k'.repeat(250), 'k'.repeat(251), 7, null, undefined];
const VALUES: unknown[] = [0, -1.5, 1e308, Number.NaN, Number.POSITIVE_INFINITY, 'NaN', '-Infinity', 'nan', '1.5', true, null, undefined];
const INTS: unknown[] = [0, 1, -3, 1_700_000_000_000, 2 ** 53, 1.5, '12', '-4', 'x', null, undefined, Number.NaN];
const OPTIONAL: unknown[] = [undefined, undefined, undefined, null, 'm-1', '', 5];

describe('parseLogBatch', () => {
  it('gives the same batch or the same error as the LogBatchInput schema, on 3000 generated batches', () => {
    const rnd = lcg(42);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    for (let n = 0; n < 3000; n++) {
      const mostlyValid = rnd() < 0.6;
      const metrics = Array.from({ length: Math.floor(rnd() * 6) }, () => {
        const m: Record<string, unknown> = mostlyValid
          ? { key: pick(['loss', 'acc', 'a/b']), value: rnd(), timestamp: 1_700_000_000_000 + n, step: rnd() < 0.3 ? undefined : n }
          : { key: pick(KEYS), value: pick(VALUES), timestamp: pick(INTS), step: pick(INTS) };
        if (!mostlyValid) {
          for (const f of ['modelId', 'datasetName', 'datasetDigest']) {
            const v = pick(OPTIONAL);
            if (v !== undefined) m[f] = v;
          }
        }
        if (rnd() < 0.05) m.extra = 'ignored';
        return rnd() < 0.02 ? pick([null, 'x', [1]]) : m;
      });
      const raw: Record<string, unknown> = { metrics: rnd() < 0.05 ? 'nope' : metrics };
      if (rnd() < 0.3) raw.params = [{ key: pick(['p', 'bad!', '']), value: pick(['v', 3]) }];
      if (rnd() < 0.2) raw.tags = [{ key: 't', value: 'v' }];
      expect(viaFastPath(raw), JSON.stringify(raw)).toEqual(viaSchema(raw));
    }
  });

  it('applies the size limit and the defaults like the schema', () => {
    const point = { key: 'm', value: 1, timestamp: 1 };
    for (const raw of [{}, { metrics: [point] }, { metrics: Array.from({ length: 1001 }, () => point) }, { metrics: [point], params: [], tags: undefined }, null, [], 'x']) {
      expect(viaFastPath(raw)).toEqual(viaSchema(raw));
    }
  });

  it('checks keys as the schema does', () => {
    for (const k of KEYS) expect(isValidKey(k), String(k)).toBe(LogBatchInput.safeParse({ metrics: [{ key: k, value: 1, timestamp: 1 }] }).success);
  });
});
