import type { ArtifactEntry } from '../../storage/artifacts/artifact-store.js';
import type { DatasetInput, Experiment, KeyValue, LoggedModel, Metric, Run, RunInfo } from '../../tracking/model.js';
import { RawJson } from '../json.js';

/**
 * Serializers from domain entities to MLflow's proto JSON: snake_case names, int64 as JSON numbers,
 * enums by name, and, as MLflow's `message_to_json` does, unset optional fields and empty repeated
 * fields left out. Non-finite metric values stay numbers here; the scope's reply serializer writes
 * them as "NaN", "Infinity", "-Infinity".
 */
export type Json = Record<string, unknown>;

/** Set `obj[name] = list` only when the list is non-empty (proto omits empty repeated fields). */
function putList(obj: Json, name: string, list: readonly unknown[]): Json {
  if (list.length > 0) obj[name] = list;
  return obj;
}

function putIf(obj: Json, name: string, value: unknown): Json {
  if (value !== null && value !== undefined) obj[name] = value;
  return obj;
}

export function keyValuesJson(list: readonly KeyValue[]): Json[] {
  return list.map(({ key, value }) => ({ key, value }));
}

export function experimentJson(e: Experiment): Json {
  const json: Json = {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
  };
  return putList(json, 'tags', keyValuesJson(e.tags));
}

export function runInfoJson(info: RunInfo): Json {
  const json: Json = {
    run_id: info.runId,
    run_uuid: info.runId,
    run_name: info.runName,
    experiment_id: info.experimentId,
    user_id: info.userId,
    status: info.status,
    start_time: info.startTime,
  };
  putIf(json, 'end_time', info.endTime);
  json.artifact_uri = info.artifactUri;
  json.lifecycle_stage = info.lifecycleStage;
  return json;
}

export function metricJson(m: Metric & { runId?: string }): Json {
  const json: Json = { key: m.key, value: m.value, timestamp: m.timestamp, step: m.step };
  putIf(json, 'dataset_name', m.datasetName);
  putIf(json, 'dataset_digest', m.datasetDigest);
  putIf(json, 'model_id', m.modelId);
  return putIf(json, 'run_id', m.runId);
}

function datasetInputJson(input: DatasetInput): Json {
  const d = input.dataset;
  const dataset: Json = { name: d.name, digest: d.digest, source_type: d.sourceType, source: d.source };
  putIf(dataset, 'schema', d.schema);
  putIf(dataset, 'profile', d.profile);
  return putList({ dataset }, 'tags', keyValuesJson(input.tags));
}

export function runJson(run: Run): Json {
  // The store's materialized data is already this JSON; only its empty lists are dropped here.
  const data: Json | RawJson = run.dataJson !== undefined ? new RawJson(withoutEmptyLists(run.dataJson)) : {};
  if (!(data instanceof RawJson)) {
    putList(data, 'metrics', run.data.metrics.map(metricJson));
    putList(data, 'params', keyValuesJson(run.data.params));
    putList(data, 'tags', keyValuesJson(run.data.tags));
  }
  const inputs: Json = {};
  putList(inputs, 'dataset_inputs', run.inputs.datasetInputs.map(datasetInputJson));
  putList(inputs, 'model_inputs', run.inputs.modelInputs.map((m) => ({ model_id: m.modelId })));
  const outputs: Json = {};
  putList(outputs, 'model_outputs', run.outputs.modelOutputs.map((m) => ({ model_id: m.modelId, step: m.step })));
  return { info: runInfoJson(run.info), data, inputs, outputs };
}

/**
 * Drop `"metrics":[]`, `"params":[]`, `"tags":[]` from a run's canonical data JSON. Safe on text:
 * an unescaped `"` cannot occur inside a JSON string, so the pattern only matches structure, and the
 * only dangling comma it can leave is right before the closing brace (tags is the last list).
 */
function withoutEmptyLists(json: string): string {
  const out = json.replace(/"(?:metrics|params|tags)":\[\],?/g, '');
  return out.endsWith(',}') ? `${out.slice(0, -2)}}` : out;
}

export function loggedModelJson(m: LoggedModel): Json {
  const info: Json = {
    model_id: m.modelId,
    experiment_id: m.experimentId,
    name: m.name,
    creation_timestamp_ms: m.creationTime,
    last_updated_timestamp_ms: m.lastUpdatedTime,
    artifact_uri: m.artifactLocation,
    status: m.status,
  };
  putIf(info, 'model_type', m.modelType);
  putIf(info, 'source_run_id', m.sourceRunId);
  putIf(info, 'status_message', m.statusMessage);
  putList(info, 'tags', keyValuesJson(m.tags));
  const data: Json = {};
  putList(data, 'params', keyValuesJson(m.params));
  putList(data, 'metrics', m.metrics.map(metricJson));
  return { info, data };
}

/** A FileInfo whose path is `name` (relative to whatever the response is relative to). */
export function fileInfoJson(name: string, entry: ArtifactEntry): Json {
  const json: Json = { path: name, is_dir: entry.isDir };
  return putIf(json, 'file_size', entry.isDir ? undefined : entry.fileSize);
}

/** A page of results: the list under `name`, and `next_page_token` only when there is a next page. */
export function pageJson(name: string, items: readonly unknown[], nextPageToken: string | undefined): Json {
  const json = putList({}, name, items);
  return putIf(json, 'next_page_token', nextPageToken);
}
