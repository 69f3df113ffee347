import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { AscentConfig } from './core/config.js';
import { openSqlDatabase } from './storage/sql/sql-database.js';
import { openArtifactStore } from './storage/artifacts/open-artifact-store.js';
import { SqlTrackingStore } from './tracking/sql-store.js';
import { TrackingService } from './tracking/service.js';
import { LoggedModelService } from './tracking/logged-model-service.js';
import { buildApp } from './http/app.js';
import { SqlRegistryStore } from './registry/sql-store.js';
import { RegistryService } from './registry/service.js';
import { ReleaseService } from './registry/releases.js';
import type { AppServices } from './http/app-services.js';

/** A running Ascent server: its URL and a graceful `close`. */
export interface RunningServer {
  url: string;
  app: FastifyInstance;
  services: AppServices;
  close(): Promise<void>;
}

export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

export function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Compose stores and services from configuration, in dependency order. */
export async function createServices(config: AscentConfig): Promise<{ services: AppServices; close: () => Promise<void> }> {
  const database = await openSqlDatabase({ url: config.databaseUrl });
  const artifacts = openArtifactStore(config.artifactsUri);
  const store = new SqlTrackingStore(database);
  const tracking = new TrackingService({ store });
  await tracking.init();
  const loggedModels = new LoggedModelService(tracking);
  const registry = new RegistryService({ store: new SqlRegistryStore(database), tracking, loggedModels });
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
  const app = await buildApp({ services, logger: log, bodyLimitBytes: config.bodyLimitBytes });
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
