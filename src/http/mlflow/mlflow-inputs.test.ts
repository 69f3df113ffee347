import { describe, expect, it } from 'vitest';
import { ProtoFields } from './mlflow-request.js';
import { batchMetricInputs, metricInput } from './mlflow-inputs.js';

const outcome = (fn: () => unknown): unknown => {
  try {
    return fn();
  } catch (err) {
    return { error: (err as Error).message };
  }
};

describe('batchMetricInputs', () => {
  it('reads every list as reading it point by point would, errors included', () => {
    const values: unknown[] = [1.5, 0, 'NaN', '2.5', 'x', null, undefined, true];
    const ints: unknown[] = [0, 7, 1_700_000_000_000, '42', 1.5, 2 ** 53, 'x', null, undefined];
    const extras: Record<string, unknown>[] = [{}, {}, { model_id: 'm-1' }, { dataset_name: null }, { dataset_digest: 'd' }, { model_id: '' }];
    let cases = 0;
    for (const value of values) {
      for (const timestamp of ints) {
        for (const step of ints) {
          for (const extra of extras) {
            for (const key of ['loss', 3, null]) {
              const point = { key, value, timestamp, step, ...extra };
              const raw = { metrics: [{ key: 'ok', value: 1, timestamp: 1 }, point] };
              const slow = outcome(() => ProtoFields.fromObject(raw).messages('metrics').map(metricInput));
              expect(outcome(() => batchMetricInputs(ProtoFields.fromObject(raw))), JSON.stringify(point)).toEqual(slow);
              cases++;
            }
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(3000);
    for (const raw of [{}, { metrics: null }, { metrics: 'x' }, { metrics: [null] }, { metrics: [[1]] }]) {
      expect(outcome(() => batchMetricInputs(ProtoFields.fromObject(raw)))).toEqual(outcome(() => ProtoFields.fromObject(raw).messages('metrics').map(metricInput)));
    }
  });
});
