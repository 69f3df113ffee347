import type { Kysely } from 'kysely';
import type { Database } from '../../storage/sql/schema.js';
import type { SqlDatabase } from '../../storage/sql/sql-database.js';
import type { StoredPrediction } from './store.js';

/** Which logged prediction: a request id is shared by a deployment's variants and its shadows. */
export interface LoggedPredictionRef {
  requestId: string;
  deployment: string;
  variant: string;
  shadow: boolean;
}

/** A stored prediction with its position in the log. */
export interface PositionedPrediction {
  position: number;
  prediction: StoredPrediction;
}

/**
 * Reads the stored inference log by position (its row id, increasing in the order one server's
 * flusher writes): what a subscriber needs to resume after a crash from the last position it
 * checkpointed (monitoring re-folds the predictions written after it).
 */
export class InferenceLogTail {
  private readonly db: Kysely<Database>;

  constructor(database: SqlDatabase) {
    this.db = database.db;
  }

  /** The position of a logged prediction, or null when it was never written (its batch failed). */
  async positionOf(ref: LoggedPredictionRef): Promise<number | null> {
    const row = await this.db
      .selectFrom('inference_log')
      .select((eb) => eb.fn.max('log_id').as('position'))
      .where('request_id', '=', ref.requestId)
      .where('deployment', '=', ref.deployment)
      .where('variant', '=', ref.variant)
      .where('shadow', '=', ref.shadow ? 1 : 0)
      .executeTakeFirst();
    return row?.position == null ? null : Number(row.position);
  }

  /** The position of the newest logged prediction (0 for an empty log). */
  async lastPosition(): Promise<number> {
    const row = await this.db.selectFrom('inference_log').select((eb) => eb.fn.max('log_id').as('position')).executeTakeFirst();
    return row?.position == null ? 0 : Number(row.position);
  }

  /** Predictions after `position`, oldest first. */
  async after(position: number, limit: number): Promise<PositionedPrediction[]> {
    const rows = await this.db.selectFrom('inference_log').selectAll().where('log_id', '>', position).orderBy('log_id').limit(limit).execute();
    return rows.map((r) => ({
      position: Number(r.log_id),
      prediction: {
        requestId: r.request_id, deployment: r.deployment, variant: r.variant, modelName: r.model_name, modelVersion: r.model_version,
        timestamp: Number(r.time), latencyMs: Number(r.latency_ms), shadow: Number(r.shadow) === 1,
        inputs: r.inputs === null ? null : (JSON.parse(r.inputs) as Record<string, unknown>[]),
        outputs: JSON.parse(r.outputs) as unknown[],
        ...(r.error !== null ? { error: r.error } : {}),
      },
    }));
  }
}
