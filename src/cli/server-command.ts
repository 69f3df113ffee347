import type { Command } from 'commander';
import { loadConfig } from '../core/config.js';

/** `ascent server`: run the tracking server (and UI) on the configured database and artifact store. */
export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('start the Ascent server (embedded SQLite + local artifacts unless configured otherwise)')
    .option('--host <host>', 'interface to listen on (env ASCENT_HOST, default 127.0.0.1)')
    .option('-p, --port <port>', 'port (env ASCENT_PORT, default 5000)')
    .option('--database-url <url>', 'sqlite:<file> or postgres://… (env ASCENT_DATABASE_URL)')
    .option('--artifacts-uri <uri>', 'folder or s3://bucket/prefix (env ASCENT_ARTIFACTS_URI)')
    .option('--data-dir <dir>', 'folder for the embedded defaults (env ASCENT_DATA_DIR, default ./.ascent)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env ASCENT_LOG_LEVEL)')
    .action(async (opts: { host?: string; port?: string; databaseUrl?: string; artifactsUri?: string; dataDir?: string; logLevel?: string }) => {
      const config = loadConfig({
        host: opts.host,
        port: opts.port,
        databaseUrl: opts.databaseUrl,
        artifactsUri: opts.artifactsUri,
        dataDir: opts.dataDir,
        logLevel: opts.logLevel,
      });
      // Loaded on demand so client verbs (`ascent runs ls`) start without the server's dependencies.
      const { startServer } = await import('../server.js');
      const server = await startServer(config);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        server.app.log.info({ signal }, 'shutting down: draining requests');
        const force = setTimeout(() => process.exit(1), 15_000);
        force.unref();
        server.close().then(
          () => process.exit(0),
          (err: unknown) => {
            server.app.log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}
