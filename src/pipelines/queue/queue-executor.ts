import pg from 'pg';
import type { PgBoss } from 'pg-boss';
import { systemClock, type Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { StepAttemptResult, StepExecutionHooks, StepExecutor, StepTask } from '../step-executor.js';
import { DISPATCH_CHANNEL, type DispatchState, type StepDispatchStore } from './dispatch-store.js';
import { STEP_QUEUE, type StepJob } from './step-queue.js';

export interface QueueExecutorOptions {
  store: StepDispatchStore;
  boss: PgBoss;
  /** PostgreSQL URL for the LISTEN connection that wakes the monitor when a worker records a result. */
  listenUrl?: string;
  clock?: Clock;
  /** How often in-flight dispatches are checked when nothing woke us (default 250 ms). */
  pollMs?: number;
  /** A running dispatch whose heartbeat has not moved for this long is handed to another worker (default 30 s). */
  leaseMs?: number;
  /** Deliveries of one attempt before it fails as lost (default 3). */
  maxDeliveries?: number;
  onError?: (err: unknown) => void;
}

interface InFlight {
  dispatchId: string;
  task: StepTask;
  hooks: StepExecutionHooks;
  resolve: (result: StepAttemptResult) => void;
  delivery: number;
  /** The last heartbeat value seen, and when (by this server's clock: immune to clock skew). */
  heartbeat: number | null;
  heartbeatSeenAt: number;
  worker: string | null;
  onAbort: () => void;
  /** Highest log line id forwarded. Per dispatch: ids from concurrent workers may commit out of order. */
  lastLogId: number;
}

/**
 * Runs step attempts on `ascent worker` processes through a PostgreSQL queue (pg-boss). This side
 * creates one dispatch per attempt, watches it (results, log lines, heartbeats), hands it to another
 * worker when its worker goes silent, and resolves with the one result the current delivery recorded.
 * See ARCHITECTURE.md in this folder.
 */
export class QueueExecutor implements StepExecutor {
  readonly kind = 'queue' as const;
  private readonly store: StepDispatchStore;
  private readonly boss: PgBoss;
  private readonly clock: Clock;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly maxDeliveries: number;
  private readonly onError: (err: unknown) => void;
  private readonly inFlight = new Map<string, InFlight>();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private kicked = false;
  private listener: pg.Client | undefined;
  private readonly listenUrl: string | undefined;
  private closed = false;

  constructor(options: QueueExecutorOptions) {
    this.store = options.store;
    this.boss = options.boss;
    this.clock = options.clock ?? systemClock;
    this.pollMs = options.pollMs ?? 250;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.maxDeliveries = options.maxDeliveries ?? 3;
    this.onError = options.onError ?? (() => {});
    this.listenUrl = options.listenUrl;
  }

  async execute(task: StepTask, hooks: StepExecutionHooks): Promise<StepAttemptResult> {
    if (this.closed) return { status: 'cancelled', error: 'executor closed', outputs: [], executedBy: 'queue' };
    if (hooks.signal.aborted) return { status: 'cancelled', error: 'cancelled before dispatch', outputs: [], executedBy: 'queue' };
    await this.listen();
    const dispatchId = newId('dsp');
    await this.store.create(dispatchId, task, this.clock.now());
    const onAbort = () => this.kick();
    const done = new Promise<StepAttemptResult>((resolve) => {
      this.inFlight.set(dispatchId, { dispatchId, task, hooks, resolve, delivery: 1, heartbeat: null, heartbeatSeenAt: this.clock.now(), worker: null, onAbort, lastLogId: 0 });
    });
    // Removed when the attempt ends: a run's signal is shared by all of its steps.
    hooks.signal.addEventListener('abort', onAbort, { once: true });
    await this.send(dispatchId, 1);
    this.loop ??= this.monitor();
    return done;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const f of this.inFlight.values()) {
      await this.store.abandon(f.dispatchId, 'cancelled', this.clock.now()).catch(this.onError);
      f.hooks.signal.removeEventListener('abort', f.onAbort);
      f.resolve({ status: 'cancelled', error: 'server stopping', outputs: [], executedBy: f.worker ?? 'queue' });
    }
    this.inFlight.clear();
    this.kick();
    await this.loop;
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }

  private async send(dispatchId: string, delivery: number): Promise<void> {
    const job: StepJob = { dispatchId, delivery };
    await this.boss.send(STEP_QUEUE, job as unknown as object);
  }

  /** One LISTEN connection per executor: a recorded result wakes the monitor without waiting for the poll. */
  private async listen(): Promise<void> {
    if (this.listener || !this.listenUrl) return;
    const client = new pg.Client({ connectionString: this.listenUrl });
    this.listener = client;
    client.on('notification', () => this.kick());
    client.on('error', (err) => {
      this.onError(err);
      this.listener = undefined;
    });
    try {
      await client.connect();
      await client.query(`listen ${DISPATCH_CHANNEL}`);
    } catch (err) {
      this.listener = undefined;
      this.onError(err);
    }
  }

  private kick(): void {
    if (this.wake) this.wake();
    else this.kicked = true;
  }

  private idle(): Promise<void> {
    if (this.kicked) {
      this.kicked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), this.pollMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private async monitor(): Promise<void> {
    try {
      while (this.inFlight.size > 0) {
        try {
          await this.check();
        } catch (err) {
          this.onError(err);
        }
        if (this.inFlight.size > 0) await this.idle();
      }
    } finally {
      this.loop = undefined;
      // A dispatch added while the loop was finishing needs a loop of its own.
      if (this.inFlight.size > 0 && !this.closed) this.loop = this.monitor();
    }
  }

  private async check(): Promise<void> {
    const ids = [...this.inFlight.keys()];
    // States first, lines second: a worker commits its last lines before its result, so every line
    // of a dispatch read as done here is visible to the log query that follows.
    const states = await this.store.states(ids);
    await this.forwardLogs(ids);
    const now = this.clock.now();
    for (const state of states) {
      const f = this.inFlight.get(state.dispatchId);
      if (f) await this.advance(f, state, now);
    }
  }

  private async forwardLogs(ids: string[]): Promise<void> {
    for (;;) {
      // Cursors per dispatch: each dispatch's lines come from one worker at a time, in order, while
      // ids of different workers' lines may commit out of order, so one global cursor could skip lines.
      const cursors = new Map(ids.flatMap((id) => { const f = this.inFlight.get(id); return f ? [[id, f.lastLogId] as const] : []; }));
      const lines = await this.store.logsAfter(cursors, 5000);
      for (const l of lines) {
        const f = this.inFlight.get(l.dispatchId);
        if (!f || l.logId <= f.lastLogId) continue;
        f.lastLogId = l.logId;
        f.hooks.onLog(l.stream, l.line);
      }
      if (lines.length < 5000) return;
    }
  }

  private finish(f: InFlight, result: StepAttemptResult): void {
    f.hooks.signal.removeEventListener('abort', f.onAbort);
    this.inFlight.delete(f.dispatchId);
    f.resolve(result);
    // Forwarded already (every check reads lines before states); only the dispatch row stays as the record.
    this.store.deleteLogs(f.dispatchId).catch(this.onError);
  }

  private async advance(f: InFlight, s: DispatchState, now: number): Promise<void> {
    if (s.status === 'done' && s.result) {
      // Its log lines are all forwarded: they were read after this state (see check).
      this.finish(f, s.result);
      return;
    }
    if (s.status === 'cancelled' || s.status === 'lost') {
      this.finish(f, { status: s.status === 'cancelled' ? 'cancelled' : 'failed', error: s.status === 'cancelled' ? 'cancelled' : 'worker lost', outputs: [], executedBy: s.workerId ?? 'queue' });
      return;
    }
    if (f.hooks.signal.aborted) {
      // Workers see the status change at their next heartbeat and stop the step.
      await this.store.abandon(f.dispatchId, 'cancelled', now);
      this.finish(f, { status: 'cancelled', error: 'cancelled', outputs: [], executedBy: s.workerId ?? 'queue' });
      return;
    }
    if (s.delivery !== f.delivery || s.heartbeatTime !== f.heartbeat || s.workerId !== f.worker) {
      if (s.workerId !== null && s.workerId !== f.worker) f.hooks.onLog('stderr', `[ascent] attempt ${f.task.attempt} running on worker ${s.workerId} (delivery ${s.delivery})`);
      f.delivery = s.delivery;
      f.heartbeat = s.heartbeatTime;
      f.worker = s.workerId;
      f.heartbeatSeenAt = now;
      return;
    }
    if (s.status !== 'running' || now - f.heartbeatSeenAt <= this.leaseMs) return;
    // The worker went silent for a whole lease: presume it dead and hand the attempt to another one.
    if (s.delivery >= this.maxDeliveries) {
      if (await this.store.abandon(f.dispatchId, 'lost', now)) {
        this.finish(f, { status: 'failed', error: `worker ${s.workerId ?? '?'} lost; gave up after ${s.delivery} deliveries`, outputs: [], executedBy: s.workerId ?? 'queue' });
      }
      return;
    }
    if (await this.store.redeliver(f.dispatchId, s.delivery)) {
      f.hooks.onLog('stderr', `[ascent] worker ${s.workerId ?? '?'} sent no heartbeat for ${Math.round((now - f.heartbeatSeenAt) / 1000)} s; handing attempt ${f.task.attempt} to another worker (delivery ${s.delivery + 1})`);
      f.delivery = s.delivery + 1;
      f.worker = null;
      f.heartbeat = null;
      f.heartbeatSeenAt = now;
      await this.send(f.dispatchId, s.delivery + 1);
    }
  }
}
