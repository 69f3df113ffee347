/**
 * The serving codec: every protocol handler turns its body into a `ModelRequest`, calls
 * `prepareInputs` (signature check, then conversion to the runtime's tensors), runs the model, and
 * writes the outputs back with one of the decoders.
 *
 *   MLflow /invocations JSON → invocationsRequest(body)      → mlflowPredictions(outputs)
 *   MLflow /invocations CSV  → csvRequest(text)              → mlflowPredictions(outputs)
 *   OIP V2 /infer            → oipRequest(body)              → oipResponse(outputs, model, id)
 *   native predict records   → recordsRequest(records)       → outputRows(outputs)
 *
 * A request's `params` (MLflow) / `parameters` (OIP) go to `predict(tensors, { parameters })`.
 * Errors are INVALID_ARGUMENT naming the field (`inputs[3] 'petal_width': expected double, got string`).
 */
import type { ModelSignature } from '../../registry/packages/manifest.js';
import type { ModelMetadata, Tensor } from '../model-runtime.js';
import { validateRequest } from '../signature-validator.js';
import { encodeInputs } from './input-encoder.js';
import type { ModelRequest } from './model-request.js';

export { csvRequest, parseCsvLine } from './csv.js';
export { encodeInputs, convert } from './input-encoder.js';
export { invocationsRequest, oipRequest, recordsRequest, MAX_REQUEST_ROWS, type ModelRequest } from './model-request.js';
export { mlflowPredictions, oipResponse, outputRows, plainData, rowCount } from './output-decoder.js';
export { specsFromSignature, tensorSpecsOf } from './signature-specs.js';
export { validateRequest } from '../signature-validator.js';

/** Check a request against the model's signature and encode it as the model's input tensors. */
export function prepareInputs(request: ModelRequest, model: { metadata: ModelMetadata; signature: ModelSignature | null }): Tensor[] {
  validateRequest(request, model.signature);
  return encodeInputs(request, model.metadata.inputs, model.signature);
}
