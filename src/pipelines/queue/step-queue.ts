import { PgBoss } from 'pg-boss';

/** The pg-boss queue step attempts travel on. */
export const STEP_QUEUE = 'ascent-pipeline-steps';

/** What a queued job carries: which dispatch, and which delivery of it (the fencing number). */
export interface StepJob {
  dispatchId: string;
  delivery: number;
}

/**
 * Open pg-boss on the metadata database (its own `pgboss` schema) with the step queue created.
 * Jobs are only the hand-over: retries and liveness are decided by the server from the dispatch
 * records, so the queue itself never retries (retryLimit 0).
 */
export async function openStepQueue(options: { url: string; poolSize?: number; supervise?: boolean; onError?: (err: Error) => void }): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: options.url,
    schema: 'pgboss',
    max: options.poolSize ?? 4,
    useListenNotify: true,
    supervise: options.supervise ?? true,
    application_name: 'ascent-step-queue',
  });
  boss.on('error', (err: Error) => options.onError?.(err));
  await boss.start();
  if (!(await boss.getQueue(STEP_QUEUE))) {
    try {
      await boss.createQueue(STEP_QUEUE, { retryLimit: 0, expireInSeconds: 23 * 3600, deleteAfterSeconds: 24 * 3600, notify: true });
    } catch (err) {
      // Another server or worker created it between our check and our create.
      if (!(await boss.getQueue(STEP_QUEUE))) throw err;
    }
  }
  return boss;
}
