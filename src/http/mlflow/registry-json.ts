import type { ModelVersion, RegisteredModel } from '../../registry/model.js';
import { keyValuesJson, type Json } from './mlflow-json.js';

/**
 * Serializers from registry entities to MLflow's `model_registry.proto` JSON: snake_case names,
 * versions as strings, timestamps as epoch milliseconds, and (like `message_to_json`) unset
 * optional fields and empty repeated fields left out.
 */

/** A `ModelVersion` message. `model_id` is MLflow 3's logged model behind the version. */
export function modelVersionJson(v: ModelVersion): Json {
  const json: Json = {
    name: v.name,
    version: v.version,
    creation_timestamp: v.creationTime,
    last_updated_timestamp: v.lastUpdatedTime,
    user_id: v.userId,
    current_stage: v.currentStage,
    description: v.description,
    source: v.source,
    status: v.status,
  };
  // The client turns an absent run_id / status_message into None, a present one into a string.
  if (v.runId) json.run_id = v.runId;
  if (v.statusMessage !== null) json.status_message = v.statusMessage;
  if (v.tags.length > 0) json.tags = keyValuesJson(v.tags);
  if (v.runLink) json.run_link = v.runLink;
  if (v.aliases.length > 0) json.aliases = [...v.aliases];
  if (v.loggedModelId) json.model_id = v.loggedModelId;
  return json;
}

/**
 * A `RegisteredModel` message. `latestVersions` are the newest version per stage, as MLflow's
 * server includes them in get and search answers; `user_id` carries the model's owner.
 */
export function registeredModelJson(m: RegisteredModel, latestVersions: readonly ModelVersion[] = []): Json {
  const json: Json = {
    name: m.name,
    creation_timestamp: m.creationTime,
    last_updated_timestamp: m.lastUpdatedTime,
    user_id: m.owner,
    description: m.description,
  };
  if (latestVersions.length > 0) json.latest_versions = latestVersions.map(modelVersionJson);
  if (m.tags.length > 0) json.tags = keyValuesJson(m.tags);
  if (m.aliases.length > 0) json.aliases = m.aliases.map(({ alias, version }) => ({ alias, version }));
  return json;
}
