import type { Kysely } from 'kysely';
import type { Database } from '../../storage/sql/schema.js';
import type { BulkColumn } from '../../storage/sql/bulk-writer.js';
import type { SqlDatabase } from '../../storage/sql/sql-database.js';
import type { FeedbackRecord } from '../inference-record.js';
import type { InferenceLogStore, LogRangeQuery, StoredPrediction } from './store.js';

const PREDICTION_COLUMNS: BulkColumn[] = [
  { name: 'request_id', pgType: 'text' },
  { name: 'deployment', pgType: 'text' },
  { name: 'variant', pgType: 'text' },
  { name: 'model_name', pgType: 'text' },
  { name: 'model_version', pgType: 'text' },
  { name: 'time', pgType: 'bigint' },
  { name: 'latency_ms', pgType: 'double precision' },
  { name: 'shadow', pgType: 'integer' },
  { name: 'inputs', pgType: 'text' },
  { name: 'outputs', pgType: 'text' },
  { name: 'error', pgType: 'text' },
];
const FEEDBACK_PARAMS = 5;
const MAX_IDS = 1000;
/**
 * Rows serialized and written per step of a flush. SQLite writes synchronously on the event loop, so
 * a step is kept to a few milliseconds and the flush yields to waiting requests between steps.
 */
const ROWS_PER_STEP = 200;

/** A prediction as the `inference_log` row PREDICTION_COLUMNS describes. */
const predictionRow = (r: StoredPrediction): unknown[] => [
  r.requestId, r.deployment, r.variant, r.modelName, r.modelVersion, r.timestamp, r.latencyMs, r.shadow ? 1 : 0,
  r.inputs === null ? null : JSON.stringify(r.inputs), JSON.stringify(r.outputs), r.error ?? null,
];

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** InferenceLogStore on Kysely, with predictions written through the database's bulk writer. */
export class SqlInferenceLogStore implements InferenceLogStore {
  private readonly db: Kysely<Database>;
  private readonly database: SqlDatabase;
  private readonly chunk: number;

  constructor(database: SqlDatabase) {
    this.database = database;
    this.db = database.db;
    this.chunk = Math.max(1, Math.floor(Math.min(database.dialect.maxParams, 30_000) / FEEDBACK_PARAMS));
  }

  /**
   * With a background writer (the server on SQLite) the rows are built here and inserted by its
   * thread, a transaction per ROWS_PER_STEP rows. Otherwise they go in one transaction, in steps of
   * ROWS_PER_STEP rows: prepared statements on SQLite, one array-parameter insert per step on
   * PostgreSQL (Kysely compiling a 1,000-row VALUES list cost more than the insert itself).
   */
  async insertPredictions(rows: readonly StoredPrediction[]): Promise<void> {
    if (rows.length === 0) return;
    const background = this.database.background;
    if (background?.healthy) {
      // Built and handed over a step at a time, yielding between steps: serializing a whole flush
      // at once held the event loop for milliseconds. Each step is one transaction on the thread.
      const sent: Promise<void>[] = [];
      for (let i = 0; i < rows.length; i += ROWS_PER_STEP) {
        if (i > 0) await yieldToEventLoop();
        sent.push(background.insert({ table: 'inference_log', columns: PREDICTION_COLUMNS, rows: rows.slice(i, i + ROWS_PER_STEP).map(predictionRow) }));
      }
      await Promise.all(sent);
      return;
    }
    await this.database.bulkTransaction(async (_trx, bulk) => {
      for (let i = 0; i < rows.length; i += ROWS_PER_STEP) {
        if (i > 0) await yieldToEventLoop();
        await bulk.insert({ table: 'inference_log', columns: PREDICTION_COLUMNS, rows: rows.slice(i, i + ROWS_PER_STEP).map(predictionRow), onConflict: '' });
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
