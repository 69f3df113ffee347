import type { ProtoFields } from './mlflow-request.js';

/**
 * Translate MLflow's snake_case request messages into the tracking service's camelCase inputs.
 * Numbers are parsed here, because proto3 JSON lets them arrive as strings; keys and values are
 * handed over as sent, for the service's zod schemas (shared with the native API) to validate.
 */

/** `[{key, value}]` (params, tags, experiment tags, dataset input tags). */
export function keyValues(fields: ProtoFields, name: string): { key: unknown; value: unknown }[] {
  return fields.messages(name).map((m) => ({ key: m.passThrough('key'), value: m.passThrough('value') }));
}

/**
 * A proto `Metric` (log-metric's own fields, or one entry of log-batch's `metrics`). Number types
 * are checked here so errors name the field as the client sent it (`value`, `metrics[3].value`).
 */
export function metricInput(m: ProtoFields): Record<string, unknown> {
  return dropUndefined({
    key: m.passThrough('key'),
    value: finiteOrName(m.requiredDouble('value')),
    timestamp: m.requiredInt('timestamp'),
    step: m.int('step'),
    modelId: m.passThrough('model_id'),
    datasetName: m.passThrough('dataset_name'),
    datasetDigest: m.passThrough('dataset_digest'),
  });
}

/** The service's schema takes non-finite values by name ("NaN", "Infinity", "-Infinity"). */
function finiteOrName(n: number): number | string {
  if (Number.isFinite(n)) return n;
  return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
}

/** `LogInputs.datasets`: `[{dataset: {name, digest, source_type, source, schema, profile}, tags}]`. */
export function datasetInputs(fields: ProtoFields): Record<string, unknown>[] {
  return fields.messages('datasets').map((input) => {
    const dataset = input.message('dataset');
    return {
      dataset: dataset
        ? dropUndefined({
            name: dataset.passThrough('name'),
            digest: dataset.passThrough('digest'),
            sourceType: dataset.passThrough('source_type'),
            source: dataset.passThrough('source'),
            schema: dataset.passThrough('schema'),
            profile: dataset.passThrough('profile'),
          })
        : undefined,
      tags: keyValues(input, 'tags'),
    };
  });
}

/** `LogInputs.models`: `[{model_id}]`. */
export function modelInputs(fields: ProtoFields): { modelId: string }[] {
  return fields.messages('models').map((m) => ({ modelId: m.requiredString('model_id') }));
}

/** `LogOutputs.models`: `[{model_id, step}]`. */
export function modelOutputs(fields: ProtoFields): { modelId: string; step: number }[] {
  return fields.messages('models').map((m) => ({ modelId: m.requiredString('model_id'), step: m.int('step') ?? 0 }));
}

function dropUndefined<T extends Record<string, unknown>>(obj: T): T {
  for (const k of Object.keys(obj)) if (obj[k] === undefined) delete obj[k];
  return obj;
}
