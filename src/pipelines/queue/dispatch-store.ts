import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../storage/sql/schema.js';
import type { SqlDatabase } from '../../storage/sql/sql-database.js';
import type { StepAttemptResult, StepTask } from '../step-executor.js';

/** The PostgreSQL channel a worker notifies after recording a result, so the server wakes at once. */
export const DISPATCH_CHANNEL = 'ascent_step_dispatch';

export type DispatchStatus = 'queued' | 'running' | 'done' | 'cancelled' | 'lost';

/** A dispatch as the server's monitor sees it. */
export interface DispatchState {
  dispatchId: string;
  status: DispatchStatus;
  delivery: number;
  workerId: string | null;
  heartbeatTime: number | null;
  result: StepAttemptResult | null;
}

/** One worker log line, numbered by the database. */
export interface WorkerLogLine {
  logId: number;
  dispatchId: string;
  delivery: number;
  stream: 'stdout' | 'stderr';
  line: string;
}

/**
 * Dispatch records of the distributed executor. A dispatch is one step attempt; each hand-over
 * to a worker is a numbered delivery, and every worker write is conditional on (delivery, worker),
 * so a worker whose delivery was superseded can neither heartbeat, log as current, nor record a result.
 */
export class StepDispatchStore {
  private readonly db: Kysely<Database>;

  constructor(private readonly database: SqlDatabase) {
    this.db = database.db;
  }

  async create(dispatchId: string, task: StepTask, now: number): Promise<void> {
    await this.db
      .insertInto('pipeline_step_dispatches')
      .values({
        dispatch_id: dispatchId,
        pipeline_run_id: task.pipelineRunId,
        step_run_id: task.stepRunId,
        step_name: task.stepName,
        attempt: task.attempt,
        task: JSON.stringify(task),
        status: 'queued',
        delivery: 1,
        worker_id: null,
        heartbeat_time: null,
        created_time: now,
        started_time: null,
        finished_time: null,
        result: null,
      })
      .execute();
  }

  /** Hand the dispatch to a new delivery (its current worker is presumed lost); true when this caller did. */
  async redeliver(dispatchId: string, fromDelivery: number): Promise<boolean> {
    const r = await this.db
      .updateTable('pipeline_step_dispatches')
      .set({ status: 'queued', delivery: fromDelivery + 1, worker_id: null, heartbeat_time: null })
      .where('dispatch_id', '=', dispatchId)
      .where('delivery', '=', fromDelivery)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** End a dispatch without a worker result (cancelled, or lost after too many deliveries). */
  async abandon(dispatchId: string, status: 'cancelled' | 'lost', now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('pipeline_step_dispatches')
      .set({ status, finished_time: now })
      .where('dispatch_id', '=', dispatchId)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async states(dispatchIds: string[]): Promise<DispatchState[]> {
    if (dispatchIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('pipeline_step_dispatches')
      .select(['dispatch_id', 'status', 'delivery', 'worker_id', 'heartbeat_time', 'result'])
      .where('dispatch_id', 'in', dispatchIds)
      .execute();
    return rows.map((r) => ({
      dispatchId: r.dispatch_id,
      status: r.status as DispatchStatus,
      delivery: Number(r.delivery),
      workerId: r.worker_id,
      heartbeatTime: r.heartbeat_time === null ? null : Number(r.heartbeat_time),
      result: r.result === null ? null : (JSON.parse(r.result) as StepAttemptResult),
    }));
  }

  /** Log lines of each dispatch after its own cursor (the last line id already read), oldest first. */
  async logsAfter(cursors: Map<string, number>, limit: number): Promise<WorkerLogLine[]> {
    if (cursors.size === 0) return [];
    const rows = await this.db
      .selectFrom('pipeline_step_worker_logs')
      .select(['log_id', 'dispatch_id', 'delivery', 'stream', 'line'])
      .where((eb) => eb.or([...cursors].map(([id, after]) => eb.and([eb('dispatch_id', '=', id), eb('log_id', '>', after)]))))
      .orderBy('log_id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ logId: Number(r.log_id), dispatchId: r.dispatch_id, delivery: Number(r.delivery), stream: r.stream as 'stdout' | 'stderr', line: r.line }));
  }

  /** Drop a finished dispatch's worker log lines: they were forwarded into the step's own log. */
  async deleteLogs(dispatchId: string): Promise<void> {
    await this.db.deleteFrom('pipeline_step_worker_logs').where('dispatch_id', '=', dispatchId).execute();
  }

  // ---- worker side ----

  /** Take delivery `delivery` of a queued dispatch; the task when this worker got it, null when stale. */
  async claim(dispatchId: string, delivery: number, workerId: string, now: number): Promise<StepTask | null> {
    const row = await this.db
      .updateTable('pipeline_step_dispatches')
      .set({ status: 'running', worker_id: workerId, heartbeat_time: now, started_time: now })
      .where('dispatch_id', '=', dispatchId)
      .where('delivery', '=', delivery)
      .where('status', '=', 'queued')
      .returning('task')
      .executeTakeFirst();
    return row ? (JSON.parse(row.task) as StepTask) : null;
  }

  /** False when the delivery is no longer this worker's (superseded or cancelled): stop the attempt. */
  async heartbeat(dispatchId: string, delivery: number, workerId: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('pipeline_step_dispatches')
      .set({ heartbeat_time: now })
      .where('dispatch_id', '=', dispatchId)
      .where('delivery', '=', delivery)
      .where('worker_id', '=', workerId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async appendLogs(lines: { dispatchId: string; delivery: number; stream: string; line: string; time: number }[]): Promise<void> {
    if (lines.length === 0) return;
    await this.db
      .insertInto('pipeline_step_worker_logs')
      .values(lines.map((l) => ({ dispatch_id: l.dispatchId, delivery: l.delivery, stream: l.stream, line: l.line, time: l.time })))
      .execute();
  }

  /**
   * Record the attempt's result, fenced: only the worker holding the current delivery may. Notifies
   * the server in the same transaction, so the wake-up is sent exactly when the result is visible.
   */
  async complete(dispatchId: string, delivery: number, workerId: string, result: StepAttemptResult, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('pipeline_step_dispatches')
        .set({ status: 'done', result: JSON.stringify(result), finished_time: now })
        .where('dispatch_id', '=', dispatchId)
        .where('delivery', '=', delivery)
        .where('worker_id', '=', workerId)
        .where('status', '=', 'running')
        .executeTakeFirst();
      const won = Number(r.numUpdatedRows) === 1;
      if (won && this.database.dialect.name === 'postgres') await sql`select pg_notify(${DISPATCH_CHANNEL}, ${dispatchId})`.execute(trx);
      return won;
    });
  }
}
