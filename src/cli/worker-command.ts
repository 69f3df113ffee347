import type { Command } from 'commander';
import pino from 'pino';
import { invalid } from '../core/errors.js';

/** `ascent worker`: take pipeline steps from the server's PostgreSQL queue and run them here. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run pipeline steps from the PostgreSQL queue (server started with ASCENT_PIPELINE_EXECUTOR=queue)')
    .option('--database-url <url>', 'the server\'s postgres://… database (env ASCENT_DATABASE_URL)')
    .option('--artifacts-uri <uri>', 'the server\'s artifact store, e.g. s3://bucket/prefix (env ASCENT_ARTIFACTS_URI)')
    .option('-c, --concurrency <n>', 'steps run at once (env ASCENT_WORKER_CONCURRENCY, default 1)')
    .option('--worker-id <id>', 'name shown as "executed by" (env ASCENT_WORKER_ID, default <hostname>/<pid>)')
    .option('--work-dir <dir>', 'scratch folder for step inputs and outputs (env ASCENT_WORKER_DIR, default a temp folder)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env ASCENT_LOG_LEVEL)')
    .action(async (opts: { databaseUrl?: string; artifactsUri?: string; concurrency?: string; workerId?: string; workDir?: string; logLevel?: string }) => {
      const env = process.env;
      const databaseUrl = opts.databaseUrl ?? env.ASCENT_DATABASE_URL;
      const artifactsUri = opts.artifactsUri ?? env.ASCENT_ARTIFACTS_URI;
      if (!databaseUrl) throw invalid('Set --database-url or ASCENT_DATABASE_URL to the server\'s PostgreSQL database', 'databaseUrl');
      if (!artifactsUri) throw invalid('Set --artifacts-uri or ASCENT_ARTIFACTS_URI to the server\'s artifact store', 'artifactsUri');
      const concurrency = Number(opts.concurrency ?? env.ASCENT_WORKER_CONCURRENCY ?? 1);
      const workerId = opts.workerId ?? env.ASCENT_WORKER_ID;
      const workRoot = opts.workDir ?? env.ASCENT_WORKER_DIR;
      const log = pino({ level: opts.logLevel ?? env.ASCENT_LOG_LEVEL ?? 'info', name: 'worker' });
      const { startQueueWorker } = await import('../pipelines/queue/start-queue-worker.js');
      const running = await startQueueWorker({
        databaseUrl,
        artifactsUri,
        concurrency,
        ...(workerId ? { workerId } : {}),
        ...(workRoot ? { workRoot } : {}),
        ...(env.ASCENT_WORKER_HEARTBEAT_MS ? { heartbeatMs: Number(env.ASCENT_WORKER_HEARTBEAT_MS) } : {}),
        onAttempt: (e) => log.info(e, e.recorded ? 'step attempt finished' : 'step attempt superseded; result discarded'),
        onError: (err) => log.error({ err }, 'worker error'),
      });
      log.info({ workerId: running.worker.workerId, concurrency }, 'ascent worker ready');
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'stopping: finishing running steps');
        running.close().then(
          () => process.exit(0),
          (err: unknown) => {
            log.error({ err }, 'stop failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}
