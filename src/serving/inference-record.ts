/**
 * What the inference path hands to the inference log and its subscribers (monitoring). Every
 * prediction produces one record; subscribers see every record with its inputs, while the stored
 * log keeps inputs only for the sampled fraction (outputs are always stored).
 */
export interface InferenceRecord {
  requestId: string;
  deployment: string;
  variant: string;
  modelName: string;
  modelVersion: string;
  /** Epoch milliseconds when the request arrived. */
  timestamp: number;
  latencyMs: number;
  /** True for mirrored (shadow) predictions whose response never reached the caller. */
  shadow: boolean;
  /** Feature records, one per input row (column name → value). */
  inputs: Record<string, unknown>[];
  /** One prediction per input row (a number, a label, or an object of named outputs). */
  outputs: unknown[];
  /** Present when the prediction failed. */
  error?: string;
}

/** Ground truth (or a reward) that arrives later for a request id. */
export interface FeedbackRecord {
  requestId: string;
  deployment: string;
  /** One label per predicted row, in row order. */
  labels?: unknown[];
  reward?: number;
  timestamp: number;
}

/** Receives batches off the hot path (after each flush). Must not throw; must return quickly. */
export interface InferenceSubscriber {
  onPredictions(records: readonly InferenceRecord[]): void | Promise<void>;
  onFeedback?(records: readonly FeedbackRecord[]): void | Promise<void>;
}
