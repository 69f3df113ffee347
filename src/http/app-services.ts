import type { ArtifactStore } from '../storage/artifacts/artifact-store.js';
import type { LoggedModelService } from '../tracking/logged-model-service.js';
import type { TrackingService } from '../tracking/service.js';
import type { RegistryService } from '../registry/service.js';
import type { ReleaseService } from '../registry/releases.js';
import type { WebhookService } from '../registry/webhooks/service.js';
import type { PipelineService } from '../pipelines/service.js';
import type { TriggerService } from '../pipelines/triggers/service.js';
import type { MetricsRegistry, ServingServices } from './inference/serving-services.js';
import type { MonitoringService } from '../monitoring/service.js';

/** Everything the HTTP layer may call: services, never stores or SQL. */
export interface AppServices {
  tracking: TrackingService;
  loggedModels: LoggedModelService;
  artifacts: ArtifactStore;
  registry: RegistryService;
  releases: ReleaseService;
  webhooks: WebhookService;
  pipelines: PipelineService;
  pipelineTriggers: TriggerService;
  serving: ServingServices;
  monitoring: MonitoringService;
  /** The Prometheus registry served at `/metrics`; any domain may register its metrics on it. */
  metrics: MetricsRegistry;
  version: string;
}
