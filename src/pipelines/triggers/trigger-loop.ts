import { Cron } from 'croner';
import type { DataConfig, PipelineTrigger, ScheduleConfig } from './model.js';
import { digestDataLocation, type DataDigester } from './data-digest.js';
import type { TriggerService } from './service.js';

export interface TriggerLoopOptions {
  service: TriggerService;
  /** How often due cron slots and data checks are looked for (default 1 s). */
  tickMs?: number;
  digest?: DataDigester;
  /** Where unexpected failures go (database down, unreadable watched path); the loop keeps running. */
  onError?: (err: unknown, trigger?: PipelineTrigger) => void;
}

/** The cron slots of a schedule to fire at `now`, oldest first, after its policy for missed slots. */
export function dueSlots(trigger: PipelineTrigger, now: number): { fire: number[]; skipped: number; latest: number | null } {
  const config = trigger.config as ScheduleConfig;
  const cursor = trigger.cursorTime ?? trigger.createdTime;
  const cron = new Cron(config.cron, { paused: true, timezone: config.timezone });
  // Newest first; the window is bounded so a long outage never walks years of slots.
  const recent = cron.previousRuns(config.maxCatchUp + 1, new Date(now)).map((d) => d.getTime()).filter((t) => t > cursor && t <= now);
  if (recent.length === 0) return { fire: [], skipped: 0, latest: null };
  const latest = recent[0] as number;
  const graceMs = config.graceSeconds * 1000;
  if (config.missed === 'catch_up') {
    const fire = recent.slice(0, config.maxCatchUp).reverse();
    return { fire, skipped: recent.length - fire.length, latest };
  }
  // skip: only the newest slot, and only while it is on time; everything older was missed.
  const onTime = now - latest <= graceMs;
  return { fire: onTime ? [latest] : [], skipped: recent.length - (onTime ? 1 : 0), latest };
}

/**
 * The periodic half of triggers, one per server: fires due cron slots and checks watched data
 * locations. Servers sharing a database all run it; the store's conditional writes make each slot
 * and each data change fire once. See ARCHITECTURE.md in this folder.
 */
export class TriggerLoop {
  private readonly service: TriggerService;
  private readonly tickMs: number;
  private readonly digest: DataDigester;
  private readonly onError: (err: unknown, trigger?: PipelineTrigger) => void;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(options: TriggerLoopOptions) {
    this.service = options.service;
    this.tickMs = options.tickMs ?? 1000;
    this.digest = options.digest ?? digestDataLocation;
    this.onError = options.onError ?? (() => {});
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stop ticking and wait for a tick in progress (its runs are already started). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err: unknown) => this.onError(err))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.tickMs);
        });
    }, delay);
  }

  /** One pass over every enabled schedule and data trigger (exported for tests and tools). */
  async tick(): Promise<void> {
    const triggers = await this.service.store.listTriggers({ kinds: ['schedule', 'data'], enabledOnly: true });
    for (const trigger of triggers) {
      if (this.stopped && this.timer !== undefined) return;
      try {
        if (trigger.kind === 'schedule') await this.fireSchedule(trigger);
        else await this.checkData(trigger);
      } catch (err) {
        this.onError(err, trigger);
      }
    }
  }

  private async fireSchedule(trigger: PipelineTrigger): Promise<void> {
    const now = this.service.clock.now();
    const { fire, skipped, latest } = dueSlots(trigger, now);
    for (const slot of fire) {
      const slotKey = `cron:${new Date(slot).toISOString()}`;
      await this.service.fireSlot({ trigger, slotKey, cause: 'schedule', detail: { slot: new Date(slot).toISOString(), ...(skipped > 0 ? { skippedSlots: skipped } : {}) } });
    }
    if (latest !== null) await this.service.store.advanceCursor(trigger.triggerId, latest);
  }

  private async checkData(trigger: PipelineTrigger): Promise<void> {
    const now = this.service.clock.now();
    if (trigger.nextCheckTime > now) return;
    const config = trigger.config as DataConfig;
    // One server per due check reads the location; the others skip it until the next one.
    if (!(await this.service.store.claimCheck(trigger.triggerId, trigger.nextCheckTime, now + config.pollSeconds * 1000))) return;
    const digest = await this.digest(config.uri);
    await this.service.checkData(trigger, digest);
  }
}
