import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { AscentConfig } from './core/config.js';
import { packageRoot, packageVersion } from './core/package-info.js';
import { openSqlDatabase } from './storage/sql/sql-database.js';
import { openArtifactStore } from './storage/artifacts/open-artifact-store.js';
import { SqlTrackingStore } from './tracking/sql-store.js';
import { TrackingService } from './tracking/service.js';
import { LoggedModelService } from './tracking/logged-model-service.js';
import { buildApp } from './http/app.js';
import { SqlRegistryStore } from './registry/sql-store.js';
import { RegistryService } from './registry/service.js';
import { ReleaseService } from './registry/releases.js';
import { PackageService } from './registry/packages/package-service.js';
import type { AppServices } from './http/app-services.js';

/** A running Ascent server: its URL and a graceful `close`. */
export interface RunningServer {
  url: string;
  app: FastifyInstance;
  services: AppServices;
  close(): Promise<void>;
}

/** Compose stores and services from configuration, in dependency order. */
export async function createServices(config: AscentConfig): Promise<{ services: AppServices; close: () => Promise<void> }> {
  const database = await openSqlDatabase({ url: config.databaseUrl });
  const artifacts = openArtifactStore(config.artifactsUri);
  const store = new SqlTrackingStore(database);
  const tracking = new TrackingService({ store });
  await tracking.init();
  const loggedModels = new LoggedModelService(tracking);
  const packages = new PackageService({ artifacts, tracking, loggedModels });
  const registry = new RegistryService({ store: new SqlRegistryStore(database), tracking, loggedModels, packageInspector: packages.inspector });
  const services: AppServices = { tracking, loggedModels, artifacts, registry, releases: new ReleaseService(registry), version: packageVersion() };
  return {
    services,
    close: async () => {
      await artifacts.close?.();
      await database.close();
    },
  };
}

export async function startServer(config: AscentConfig, logger?: Logger): Promise<RunningServer> {
  const log = logger ?? pino({ level: config.logLevel });
  const { services, close: closeServices } = await createServices(config);
  const app = await buildApp({ services, logger: log, bodyLimitBytes: config.bodyLimitBytes, maxArtifactBytes: config.maxArtifactBytes });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ url, database: redact(config.databaseUrl), artifacts: config.artifactsUri }, 'ascent server listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    app,
    services,
    close: () => {
      closing ??= (async () => {
        await app.close();
        await closeServices();
      })();
      return closing;
    },
  };
}

/** Hide the password of a database URL in logs. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

export { packageRoot, packageVersion };
