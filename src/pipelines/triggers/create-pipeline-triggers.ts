import type { Clock } from '../../core/clock.js';
import type { SqlDatabase } from '../../storage/sql/sql-database.js';
import type { PipelineService } from '../service.js';
import type { PipelineLauncher } from './pipeline-launcher.js';
import { TriggerService } from './service.js';
import { SqlTriggerStore } from './sql-store.js';
import { TriggerLoop } from './trigger-loop.js';

/** Triggers wired to the pipeline service: the service, the per-server loop, and how to stop them. */
export interface PipelineTriggers {
  service: TriggerService;
  loop: TriggerLoop;
  /** Start the loop (the server does once it listens). */
  start(): void;
  close(): Promise<void>;
}

/** Starts runs through `PipelineService`, recording which trigger (and slot) caused them. */
export function pipelineServiceLauncher(pipelines: PipelineService): PipelineLauncher {
  return {
    startRun: async (request) => {
      const run = await pipelines.startRun({
        pipeline: request.pipeline,
        params: request.params as Record<string, never>,
        trigger: { kind: request.trigger.cause === 'http' ? 'api' : request.trigger.cause, detail: { triggerId: request.trigger.triggerId, slot: request.trigger.slotKey } },
      });
      return { runId: run.runId };
    },
    pipelineExists: async (name) => {
      try {
        await pipelines.getPipeline(name);
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** Build triggers on the server's database and pipeline service; upstream triggers follow finished runs. */
export function createPipelineTriggers(options: { database: SqlDatabase; pipelines: PipelineService; clock?: Clock; tickMs?: number; onError?: (err: unknown) => void }): PipelineTriggers {
  const onError = options.onError ?? (() => {});
  const service = new TriggerService({ store: new SqlTriggerStore(options.database), launcher: pipelineServiceLauncher(options.pipelines), ...(options.clock ? { clock: options.clock } : {}) });
  const loop = new TriggerLoop({ service, tickMs: options.tickMs ?? (Number(process.env.ASCENT_TRIGGER_TICK_MS) || 1000), onError });
  const unsubscribe = options.pipelines.onRunFinished(async (run) => {
    if (run.status !== 'succeeded' && run.status !== 'failed' && run.status !== 'cancelled') return;
    try {
      await service.onRunFinished({ runId: run.runId, pipeline: run.pipelineName, status: run.status });
    } catch (err) {
      onError(err);
    }
  });
  return {
    service,
    loop,
    start: () => loop.start(),
    close: async () => {
      unsubscribe();
      await loop.stop();
    },
  };
}
