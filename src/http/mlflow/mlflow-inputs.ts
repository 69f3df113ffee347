import type { ProtoFields } from './mlflow-request.js';

/**
 * Translate MLflow's snake_case request messages into the tracking and registry services' camelCase inputs.
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

/**
 * log-batch's `metrics`. Points of the common shape (string key, numeric value, integer timestamp
 * and step, no model or dataset fields) are copied as they are — the result `metricInput` would
 * give them, without a reader object per point; any other list is read point by point, so its
 * errors name the field exactly as before.
 */
export function batchMetricInputs(fields: ProtoFields): Record<string, unknown>[] {
  const list = fields.rawList('metrics');
  if (list) {
    const out: Record<string, unknown>[] = [];
    for (const item of list) {
      const m = item as Record<string, unknown> | null;
      if (typeof m !== 'object' || m === null || Array.isArray(m)) break;
      const { key, value, timestamp, step } = m;
      if (typeof key !== 'string' || typeof value !== 'number' || !Number.isSafeInteger(timestamp)) break;
      if (step !== undefined && step !== null && !Number.isSafeInteger(step)) break;
      if ((m.model_id ?? m.dataset_name ?? m.dataset_digest ?? null) !== null) break;
      out.push(step === undefined || step === null ? { key, value: finiteOrName(value), timestamp } : { key, value: finiteOrName(value), timestamp, step });
    }
    if (out.length === list.length) return out;
  }
  return fields.messages('metrics').map(metricInput);
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

/** Tags of a registry request; a tag sent without a value gets the empty value, as in MLflow. */
export function registryTags(fields: ProtoFields): { key: unknown; value: unknown }[] {
  return fields.messages('tags').map((m) => ({ key: m.passThrough('key'), value: m.passThrough('value') ?? '' }));
}

/** A model version number: a string in proto JSON, also taken as a JSON number from hand-written clients. */
export function versionField(fields: ProtoFields, name = 'version'): string {
  const raw = fields.passThrough(name);
  if (typeof raw === 'number') return String(raw);
  return fields.requiredString(name);
}

/** MLflow marks prompts (registered models and versions that hold a prompt) with this tag. */
export const IS_PROMPT_TAG = 'mlflow.prompt.is_prompt';
const PROMPT_CLAUSE = String.raw`tags?\.[${'`'}"]mlflow\.prompt\.is_prompt[${'`'}"]\s*(=|!=)\s*'(true|false)'`;
/** The clause with the AND that joins it to the rest of the filter, wherever it stands. */
const PROMPT_CLAUSE_WITH_AND = new RegExp(String.raw`\s+and\s+${PROMPT_CLAUSE}(?=\s|$)|^\s*${PROMPT_CLAUSE}\s+and\s+|^\s*${PROMPT_CLAUSE}\s*$`, 'i');

/**
 * MLflow's server leaves prompts out of registry searches unless the filter asks for them, and the
 * client appends ``tag.`mlflow.prompt.is_prompt` != 'true'`` to every model search. A plain tag
 * comparison would also drop every model without that tag, so the "not a prompt" clause is taken
 * off the filter and prompts are dropped from the page instead (a page may then hold fewer than
 * `max_results` items; its `next_page_token` is unaffected). A filter that asks for prompts
 * (`= 'true'`, `!= 'false'`) is a plain tag comparison and is passed on unchanged.
 */
export function promptFilter(filter: string | undefined): { filter: string | null; keep: (entity: { tags: readonly { key: string; value: string }[] }) => boolean } {
  const notPrompt = (entity: { tags: readonly { key: string; value: string }[] }) => !entity.tags.some((t) => t.key === IS_PROMPT_TAG && t.value.toLowerCase() === 'true');
  if (filter === undefined || filter.trim() === '') return { filter: null, keep: notPrompt };
  const match = PROMPT_CLAUSE_WITH_AND.exec(filter);
  if (!match) return { filter, keep: notPrompt };
  const op = match.slice(1).find((g) => g === '=' || g === '!=');
  const value = match.slice(1).find((g) => /^(true|false)$/i.test(g ?? ''));
  const wantsPrompts = (op === '=') === (value?.toLowerCase() === 'true');
  if (wantsPrompts) return { filter, keep: () => true };
  const rest = (filter.slice(0, match.index) + filter.slice(match.index + match[0].length)).trim();
  return { filter: rest === '' ? null : rest, keep: notPrompt };
}

function dropUndefined<T extends Record<string, unknown>>(obj: T): T {
  for (const k of Object.keys(obj)) if (obj[k] === undefined) delete obj[k];
  return obj;
}
