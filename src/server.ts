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
import { SqlWebhookStore } from './registry/webhooks/sql-store.js';
import { WebhookSender } from './registry/webhooks/webhook-sender.js';
import { WebhookDispatcher } from './registry/webhooks/dispatcher.js';
import { WebhookService } from './registry/webhooks/service.js';
import { notifyAfterCommit } from './registry/webhooks/notify-after-commit.js';
import type { AppServices } from './http/app-services.js';
import { PipelineService } from './pipelines/service.js';
import { SqlPipelineStore } from './pipelines/sql-store.js';
import { createStepExecutor } from './pipelines/queue/create-step-executor.js';
import { createPipelineTriggers } from './pipelines/triggers/create-pipeline-triggers.js';
import path from 'node:path';
import { Registry } from 'prom-client';
import { ModelLoader } from './serving/model-loader.js';
import { createServing } from './serving/router/create-serving.js';
import { loaderModelProvider } from './serving/router/loader-model-provider.js';
import { createMonitoring } from './monitoring/create-monitoring.js';
import { readsLocalDatasetFiles } from './monitoring/profiles/local-files-policy.js';

/** A running Ascent server: its URL and a graceful `close`. */
export interface RunningServer {
  url: string;
  app: FastifyInstance;
  services: AppServices;
  close(): Promise<void>;
}

/** Compose stores and services from configuration, in dependency order. */
export async function createServices(config: AscentConfig): Promise<{ services: AppServices; dispatcher: WebhookDispatcher; startServing: () => Promise<void>; startTriggers: () => void; startMonitoring: () => void; close: () => Promise<void> }> {
  const database = await openSqlDatabase({ url: config.databaseUrl, backgroundCheckpoints: true, backgroundWrites: true });
  const artifacts = openArtifactStore(config.artifactsUri);
  const store = new SqlTrackingStore(database);
  const tracking = new TrackingService({ store });
  await tracking.init();
  const loggedModels = new LoggedModelService(tracking);
  const packages = new PackageService({ artifacts, tracking, loggedModels });
  const webhookStore = new SqlWebhookStore(database);
  const webhookSender = new WebhookSender({ version: packageVersion() });
  const webhookLog = pino({ level: config.logLevel, name: 'webhooks' });
  const dispatcher = new WebhookDispatcher({ store: webhookStore, sender: webhookSender, onError: (err) => webhookLog.error({ err }, 'webhook dispatcher error') });
  // Every committed registry write kicks the dispatcher, so deliveries start without waiting for a
  // poll, and the profiler (new versions' reference profiles), created further down.
  let kickProfiler = (): void => {};
  const registryStore = notifyAfterCommit(new SqlRegistryStore(database), () => {
    dispatcher.kick();
    kickProfiler();
  });
  const registry = new RegistryService({ store: registryStore, tracking, loggedModels, packageInspector: packages.inspector });
  const webhooks = new WebhookService({ store: webhookStore, sender: webhookSender, onQueued: () => dispatcher.kick() });
  // No prom-client default metrics: three of its gauges end in `_total`, which promtool rejects.
  const metrics = new Registry();
  const servingLog = pino({ level: config.logLevel, name: 'serving' });
  const loader = new ModelLoader({ registry, packages, artifacts, cacheDir: path.join(config.dataDir, 'model-cache'), python: { pythonExecutable: config.pythonExecutable }, onnx: { threads: config.onnxThreads } });
  const serving = createServing({
    database, registry, provider: loaderModelProvider(loader), metricsRegistry: metrics,
    defaultDeployment: process.env.ASCENT_DEFAULT_DEPLOYMENT || null,
    onError: (err, context) => servingLog.error({ err }, context),
  });
  const monitorLog = pino({ level: config.logLevel, name: 'monitoring' });
  const monitoring = createMonitoring({
    database, log: serving.serving.log, registry, tracking, artifacts, metricsRegistry: metrics,
    localDatasetFiles: readsLocalDatasetFiles(config.host, process.env.ASCENT_PROFILE_LOCAL_FILES),
    ...(process.env.ASCENT_MONITOR_CHECKPOINT_MS ? { checkpointMs: Number(process.env.ASCENT_MONITOR_CHECKPOINT_MS) } : {}),
    onError: (err, context) => monitorLog.error({ err }, context),
  });
  kickProfiler = () => monitoring.profiler.kick();
  const pipelineLog = pino({ level: config.logLevel, name: 'pipelines' });
  // ASCENT_PIPELINE_EXECUTOR=queue sends steps to `ascent worker` processes (PostgreSQL only).
  const executor = await createStepExecutor({ kind: config.pipelineExecutor, databaseUrl: config.databaseUrl, database, artifacts, dataDir: config.dataDir, onError: (err) => pipelineLog.error({ err }, 'step queue error') });
  const pipelines = new PipelineService({ store: new SqlPipelineStore(database), tracking, registry, artifacts, executor });
  const triggers = createPipelineTriggers({ database, pipelines, onError: (err) => pipelineLog.error({ err }, 'pipeline trigger error') });
  const services: AppServices = { tracking, loggedModels, artifacts, registry, releases: new ReleaseService(registry), webhooks, pipelines, pipelineTriggers: triggers.service, serving: serving.serving, monitoring: monitoring.service, metrics, version: packageVersion() };
  return {
    services,
    dispatcher,
    startServing: serving.start,
    startTriggers: triggers.start,
    startMonitoring: monitoring.start,
    close: async () => {
      // Before the database closes, so in-flight deliveries record their outcome.
      await dispatcher.stop({ graceMs: 5_000 });
      await triggers.close();
      // Running pipeline steps stop first and their runs end resumable.
      await pipelines.close();
      await serving.close();
      // After serving: the log's last flush reaches monitoring, which then persists its open windows.
      await monitoring.close();
      await loader.close();
      await artifacts.close?.();
      await database.close();
    },
  };
}

export async function startServer(config: AscentConfig, logger?: Logger): Promise<RunningServer> {
  const log = logger ?? pino({ level: config.logLevel });
  const { services, dispatcher, startServing, startTriggers, startMonitoring, close: closeServices } = await createServices(config);
  const app = await buildApp({ services, logger: log, bodyLimitBytes: config.bodyLimitBytes, maxArtifactBytes: config.maxArtifactBytes });
  await app.listen({ host: config.host, port: config.port });
  // Started here, not in createServices, so tests and tools that only need services run no loop.
  dispatcher.start();
  // Loads every stored deployment, then follows the store (other replicas' writes) and moved aliases.
  await startServing();
  startMonitoring();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  services.pipelines.setTrackingUri(url);
  // Schedules and data triggers start runs only once steps can reach the tracking URL.
  startTriggers();
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
