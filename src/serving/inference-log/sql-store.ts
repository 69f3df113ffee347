import type { Kysely } from 'kysely';
import type { Database } from '../../storage/sql/schema.js';
import type { SqlDatabase } from '../../storage/sql/sql-database.js';
import type { FeedbackRecord } from '../inference-record.js';
import type { InferenceLogStore, LogRangeQuery, StoredPrediction } from './store.js';

const PREDICTION_COLUMNS = 11;
const MAX_IDS = 1000;

/** InferenceLogStore on Kysely: multi-row inserts sized to the dialect's parameter limit. */
export class SqlInferenceLogStore implements InferenceLogStore {
  private readonly db: Kysely<Database>;
  private readonly chunk: number;

  constructor(database: SqlDatabase) {
    this.db = database.db;
    this.chunk = Math.max(1, Math.floor(Math.min(database.dialect.maxParams, 30_000) / PREDICTION_COLUMNS));
  }

  async insertPredictions(rows: readonly StoredPrediction[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += this.chunk) {
        await trx.insertInto('inference_log').values(rows.slice(i, i + this.chunk).map((r) => ({
          request_id: r.requestId,
          deployment: r.deployment,
          variant: r.variant,
          model_name: r.modelName,
          model_version: r.modelVersion,
          time: r.timestamp,
          latency_ms: r.latencyMs,
          shadow: r.shadow ? 1 : 0,
          inputs: r.inputs === null ? null : JSON.stringify(r.inputs),
          outputs: JSON.stringify(r.outputs),
          error: r.error ?? null,
        }))).execute();
      }
    });
  }

  async insertFeedback(rows: readonly FeedbackRecord[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += this.chunk) {
        await trx.insertInto('inference_feedback').values(rows.slice(i, i + this.chunk).map((r) => ({
          request_id: r.requestId,
          deployment: r.deployment,
          labels: r.labels === undefined ? null : JSON.stringify(r.labels),
          reward: r.reward ?? null,
          time: r.timestamp,
        }))).execute();
      }
    });
  }

  async predictionsByRequestIds(requestIds: readonly string[]): Promise<StoredPrediction[]> {
    const out: StoredPrediction[] = [];
    for (let i = 0; i < requestIds.length; i += MAX_IDS) {
      const rows = await this.db.selectFrom('inference_log').selectAll().where('request_id', 'in', requestIds.slice(i, i + MAX_IDS)).orderBy('log_id').execute();
      out.push(...rows.map(toPrediction));
    }
    return out;
  }

  async predictions(q: LogRangeQuery): Promise<StoredPrediction[]> {
    let query = this.db.selectFrom('inference_log').selectAll().where('deployment', '=', q.deployment);
    if (q.from !== undefined) query = query.where('time', '>=', q.from);
    if (q.to !== undefined) query = query.where('time', '<', q.to);
    if (q.variant !== undefined) query = query.where('variant', '=', q.variant);
    if (q.shadow === false) query = query.where('shadow', '=', 0);
    const rows = await query.orderBy('time', 'desc').orderBy('log_id', 'desc').limit(q.limit).execute();
    return rows.map(toPrediction);
  }

  async feedbackByRequestIds(requestIds: readonly string[]): Promise<FeedbackRecord[]> {
    const out: FeedbackRecord[] = [];
    for (let i = 0; i < requestIds.length; i += MAX_IDS) {
      const rows = await this.db.selectFrom('inference_feedback').selectAll().where('request_id', 'in', requestIds.slice(i, i + MAX_IDS)).orderBy('feedback_id').execute();
      out.push(...rows.map(toFeedback));
    }
    return out;
  }

  async feedback(q: Omit<LogRangeQuery, 'variant' | 'shadow'>): Promise<FeedbackRecord[]> {
    let query = this.db.selectFrom('inference_feedback').selectAll().where('deployment', '=', q.deployment);
    if (q.from !== undefined) query = query.where('time', '>=', q.from);
    if (q.to !== undefined) query = query.where('time', '<', q.to);
    const rows = await query.orderBy('time', 'desc').orderBy('feedback_id', 'desc').limit(q.limit).execute();
    return rows.map(toFeedback);
  }
}

function toPrediction(r: Omit<Database['inference_log'], 'log_id'>): StoredPrediction {
  return {
    requestId: r.request_id,
    deployment: r.deployment,
    variant: r.variant,
    modelName: r.model_name,
    modelVersion: r.model_version,
    timestamp: Number(r.time),
    latencyMs: Number(r.latency_ms),
    shadow: Number(r.shadow) === 1,
    inputs: r.inputs === null ? null : (JSON.parse(r.inputs) as Record<string, unknown>[]),
    outputs: JSON.parse(r.outputs) as unknown[],
    ...(r.error !== null ? { error: r.error } : {}),
  };
}

function toFeedback(r: Omit<Database['inference_feedback'], 'feedback_id'>): FeedbackRecord {
  return {
    requestId: r.request_id,
    deployment: r.deployment,
    ...(r.labels !== null ? { labels: JSON.parse(r.labels) as unknown[] } : {}),
    ...(r.reward !== null ? { reward: Number(r.reward) } : {}),
    timestamp: Number(r.time),
  };
}
