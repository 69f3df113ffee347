import { invalid } from '../../core/errors.js';
import type { TrackingService } from '../../tracking/service.js';

/** The run tag where MLflow keeps the JSON list of models logged with the legacy `runs/log-model`. */
export const LOG_MODEL_HISTORY_TAG = 'mlflow.log-model.history';

const REQUIRED_FIELDS = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'];

/**
 * MLflow's legacy `runs/log-model`: check the model JSON as MLflow's handler does, then append it
 * to the run's `mlflow.log-model.history` tag (a JSON list), as MLflow's stores do.
 *
 * The read-append-write is not atomic: two concurrent calls for one run may lose an entry. MLflow's
 * SQL store has the same window; clients log a run's models one after another.
 */
export async function recordLoggedModel(tracking: TrackingService, runId: string, modelJson: string): Promise<void> {
  let model: unknown;
  try {
    model = JSON.parse(modelJson);
  } catch {
    throw invalid(`Malformed model info. \n ${modelJson.slice(0, 200)} \n is not a valid JSON.`, 'model_json');
  }
  if (typeof model !== 'object' || model === null || Array.isArray(model)) {
    throw invalid('Malformed model info: model_json must be a JSON object', 'model_json');
  }
  const missingFields = REQUIRED_FIELDS.filter((k) => !(k in model));
  if (missingFields.length > 0) {
    throw invalid(`Model json is missing mandatory fields: ${missingFields.join(', ')}`, 'model_json');
  }
  const run = await tracking.getRun(runId);
  const previous = run.data.tags.find((t) => t.key === LOG_MODEL_HISTORY_TAG)?.value;
  let history: unknown[] = [];
  if (previous) {
    try {
      const parsed: unknown = JSON.parse(previous);
      if (Array.isArray(parsed)) history = parsed;
    } catch {
      // A hand-set tag that is not a JSON list is replaced rather than failing every later log.
    }
  }
  history.push(model);
  await tracking.setTag(runId, { key: LOG_MODEL_HISTORY_TAG, value: JSON.stringify(history) });
}
