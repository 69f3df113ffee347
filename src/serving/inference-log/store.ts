import type { FeedbackRecord, InferenceRecord } from '../inference-record.js';

/** A logged prediction: inputs are null when the record was not sampled for input storage. */
export interface StoredPrediction extends Omit<InferenceRecord, 'inputs'> {
  inputs: Record<string, unknown>[] | null;
}

/** A time-range query over one deployment's log, newest first. */
export interface LogRangeQuery {
  deployment: string;
  /** Inclusive lower bound, epoch ms. */
  from?: number;
  /** Exclusive upper bound, epoch ms. */
  to?: number;
  variant?: string;
  /** Include mirrored predictions (default true). */
  shadow?: boolean;
  limit: number;
}

/** Persistence port of the inference log and feedback (written in batches by the flusher). */
export interface InferenceLogStore {
  insertPredictions(rows: readonly StoredPrediction[]): Promise<void>;
  insertFeedback(rows: readonly FeedbackRecord[]): Promise<void>;
  predictionsByRequestIds(requestIds: readonly string[]): Promise<StoredPrediction[]>;
  predictions(q: LogRangeQuery): Promise<StoredPrediction[]>;
  feedbackByRequestIds(requestIds: readonly string[]): Promise<FeedbackRecord[]>;
  feedback(q: Omit<LogRangeQuery, 'variant' | 'shadow'>): Promise<FeedbackRecord[]>;
}
