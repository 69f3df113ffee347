import type { FiringCause, FiringStatus, PipelineTrigger, TriggerFiring, TriggerKind } from './model.js';

/** A trigger as inserted: the entity with its initial state. */
export type NewTrigger = PipelineTrigger;

export interface TriggerPatch {
  enabled?: boolean;
  params?: Record<string, unknown>;
  description?: string | null;
  updatedTime: number;
}

export interface TriggerFilter {
  pipeline?: string;
  kinds?: TriggerKind[];
  enabledOnly?: boolean;
}

/** A firing being claimed: the (trigger, slot) key decides which server fires. */
export interface FiringClaim {
  triggerId: string;
  slotKey: string;
  cause: FiringCause;
  detail: Record<string, unknown>;
  firedTime: number;
}

/**
 * The persistence port of schedules and triggers. Every "fire once" decision is a conditional
 * write in the database the servers share (a unique insert or a compare-and-set), never a lock
 * held in one process, so any number of servers can run the trigger loop on one database.
 */
export interface TriggerStore {
  insertTrigger(trigger: NewTrigger): Promise<void>;
  getTrigger(triggerId: string): Promise<PipelineTrigger | null>;
  listTriggers(filter: TriggerFilter): Promise<PipelineTrigger[]>;
  updateTrigger(triggerId: string, patch: TriggerPatch): Promise<boolean>;
  /** Deletes the trigger and its firing history; false when there was none. */
  deleteTrigger(triggerId: string): Promise<boolean>;

  /** Move a schedule's cursor forward to `slotTime` (never backward, whoever writes first). */
  advanceCursor(triggerId: string, slotTime: number): Promise<void>;
  /**
   * Take the next check of a data trigger: sets `nextCheckTime` to `next` only when it is still
   * `expected`. True for exactly one caller per due check.
   */
  claimCheck(triggerId: string, expected: number, next: number): Promise<boolean>;
  /**
   * Replace a trigger's state when its version is still `expectedVersion` (bumping it). True for
   * exactly one of several servers that saw the same old state.
   */
  compareAndSetState(triggerId: string, expectedVersion: number, state: string): Promise<boolean>;

  /** Record a firing unless one exists for (trigger, slot): true means this caller fires it. */
  claimFiring(claim: FiringClaim): Promise<boolean>;
  /** Record what came of a claimed firing: the run it started, or the error. */
  finishFiring(triggerId: string, slotKey: string, outcome: { status: FiringStatus; runId: string | null; error: string | null }): Promise<void>;
  getFiring(triggerId: string, slotKey: string): Promise<TriggerFiring | null>;
  /** Newest first; by trigger, or every trigger of a pipeline. */
  listFirings(query: { triggerId?: string; pipeline?: string; limit: number }): Promise<TriggerFiring[]>;
}
