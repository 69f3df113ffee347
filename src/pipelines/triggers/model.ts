import { z } from 'zod';
import { Cron } from 'croner';

/** Entities of pipeline schedules and triggers, and the zod schemas of their inputs. */

export const TRIGGER_KINDS = ['schedule', 'data', 'upstream', 'event'] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

/** What to do with cron slots that passed while no server was running. */
export const MISSED_POLICIES = ['skip', 'catch_up'] as const;
export type MissedPolicy = (typeof MISSED_POLICIES)[number];

/** Why a pipeline run was started by a trigger. */
export const FIRING_CAUSES = ['schedule', 'data', 'upstream', 'event', 'http'] as const;
export type FiringCause = (typeof FIRING_CAUSES)[number];

export const FIRING_STATUSES = ['started', 'failed'] as const;
export type FiringStatus = (typeof FIRING_STATUSES)[number];

const PipelineName = z.string().min(1).max(200).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-", starting with a letter or digit');
const EventType = z.string().min(1).max(200).regex(/^[A-Za-z0-9*][A-Za-z0-9._:*-]*$/, 'letters, digits, ".", "_", ":", "-" or "*"');

/** A cron expression croner accepts (5 or 6 fields; seconds first when 6), checked when parsed. */
const CronExpression = z
  .string()
  .min(1)
  .max(200)
  .superRefine((expr, ctx) => {
    try {
      new Cron(expr, { paused: true });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not a valid cron expression: ${(err as Error).message}` });
    }
  });

const TimeZone = z
  .string()
  .min(1)
  .max(100)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'not a known IANA time zone');

export const ScheduleConfig = z.strictObject({
  cron: CronExpression,
  timezone: TimeZone.default('UTC'),
  /** `skip` (default): slots missed while down are dropped; `catch_up`: each missed slot runs, oldest first. */
  missed: z.enum(MISSED_POLICIES).default('skip'),
  /** A slot is on time while it is at most this old; older ones count as missed (default 60 s). */
  graceSeconds: z.number().int().min(1).max(86_400).default(60),
  /** Catch-up runs at most this many missed slots (the newest ones) per check (default 100). */
  maxCatchUp: z.number().int().min(1).max(1000).default(100),
});
export type ScheduleConfig = z.infer<typeof ScheduleConfig>;

export const DataConfig = z.strictObject({
  /** A local path (file or folder) or an `s3://bucket/prefix`; its listing digest is compared. */
  uri: z.string().min(1).max(2000),
  /** Seconds between checks (default 30). */
  pollSeconds: z.number().min(0.1).max(86_400).default(30),
});
export type DataConfig = z.infer<typeof DataConfig>;

export const UpstreamConfig = z.strictObject({
  pipeline: PipelineName,
  /** Run statuses of the upstream pipeline that fire (default: succeeded only). */
  statuses: z.array(z.enum(['succeeded', 'failed', 'cancelled'])).min(1).default(['succeeded']),
});
export type UpstreamConfig = z.infer<typeof UpstreamConfig>;

export const EventConfig = z.strictObject({
  /** Domain event type this trigger listens to (e.g. `monitor.alert`), `*` for any; HTTP fires always work. */
  eventType: EventType.default('*'),
});
export type EventConfig = z.infer<typeof EventConfig>;

export type TriggerConfig = ScheduleConfig | DataConfig | UpstreamConfig | EventConfig;

const Params = z.record(z.string().min(1).max(200), z.unknown()).default({});
const Description = z.string().max(2000).nullable().default(null);

/** Input of `createTrigger`: one of the four kinds, each with its own config. */
export const CreateTriggerInput = z.discriminatedUnion('kind', [
  z.strictObject({ pipeline: PipelineName, kind: z.literal('schedule'), config: ScheduleConfig, params: Params, description: Description, enabled: z.boolean().default(true) }),
  z.strictObject({ pipeline: PipelineName, kind: z.literal('data'), config: DataConfig, params: Params, description: Description, enabled: z.boolean().default(true) }),
  z.strictObject({ pipeline: PipelineName, kind: z.literal('upstream'), config: UpstreamConfig, params: Params, description: Description, enabled: z.boolean().default(true) }),
  z.strictObject({ pipeline: PipelineName, kind: z.literal('event'), config: EventConfig, params: Params, description: Description, enabled: z.boolean().default(true) }),
]);
export type CreateTriggerInput = z.input<typeof CreateTriggerInput>;

export const UpdateTriggerInput = z.strictObject({
  enabled: z.boolean().optional(),
  params: z.record(z.string().min(1).max(200), z.unknown()).optional(),
  description: z.string().max(2000).nullable().optional(),
});
export type UpdateTriggerInput = z.input<typeof UpdateTriggerInput>;

/** Input of a manual (HTTP) firing. */
export const FireTriggerInput = z.strictObject({
  /** Merged over the trigger's own params for this run. */
  params: z.record(z.string().min(1).max(200), z.unknown()).default({}),
  /** Fires at most once per key: a retried HTTP call with the same key starts no second run. */
  idempotencyKey: z.string().min(1).max(200).optional(),
  /** Recorded in the firing's history (size-limited). */
  payload: z.unknown().optional(),
});
export type FireTriggerInput = z.input<typeof FireTriggerInput>;

export const TriggerId = z.string().min(1).max(64).regex(/^trg_[0-9a-f]+$/, 'a trigger id (trg_…)');
export { PipelineName, EventType };

/** A schedule or trigger of one pipeline. */
export interface PipelineTrigger {
  triggerId: string;
  pipeline: string;
  kind: TriggerKind;
  description: string | null;
  config: TriggerConfig;
  /** Parameters every run this trigger starts gets (a firing may add its own on top). */
  params: Record<string, unknown>;
  enabled: boolean;
  createdTime: number;
  updatedTime: number;
  /** Schedules: the latest slot already fired or skipped. */
  cursorTime: number | null;
  /** Data triggers: the digest of the watched location at the last check. */
  state: string | null;
  stateVersion: number;
  nextCheckTime: number;
}

/** One recorded firing: why, when, and the run it started (or why starting it failed). */
export interface TriggerFiring {
  triggerId: string;
  pipeline: string;
  /** Unique per trigger: the cron slot, data change number, upstream run or idempotency key. */
  slotKey: string;
  cause: FiringCause;
  detail: Record<string, unknown>;
  firedTime: number;
  status: FiringStatus;
  runId: string | null;
  error: string | null;
}

/** The outcome of one attempt to fire: `duplicate` when another server (or an earlier call) already fired this slot. */
export type FireOutcome = { fired: true; firing: TriggerFiring } | { fired: false; duplicate: true; slotKey: string };
