/** Ascent's TypeScript SDK: a typed client of the native API and a tracking layer for training code. */
export { AscentClient, type AscentClientOptions, type StartRunOptions } from './ascent-client.js';
export { HttpTransport, type FetchLike, type HttpTransportOptions, type RetryPolicy } from './http-transport.js';
export { ExperimentsApi, type CreateExperimentOptions, type ListExperimentsParams } from './experiments-api.js';
export {
  RunsApi,
  type ArtifactFile,
  type CreateRunParams,
  type DatasetInputParams,
  type LogBatchParams,
  type MetricPoint,
  type SearchRunsParams,
  type UpdateRunParams,
} from './runs-api.js';
export { ProjectsApi } from './projects-api.js';
export { PipelinesApi, type PipelineRunDetail, type PipelineSummary, type RegisterPipelineParams, type RunPipelineOptions, type Pipeline, type PipelineRun, type PipelineVersion, type StepRun, type StepLogLine, type StepExplanation } from './pipelines-api.js';
export { PipelineTriggersApi, type CreateTriggerParams, type FireTriggerParams, type FireOutcome, type PipelineTrigger, type TriggerFiring } from './pipeline-triggers-api.js';
export { LoggedModelsApi } from './logged-models-api.js';
export {
  ModelsApi,
  type CreateModelOptions,
  type CreateVersionParams,
  type DownloadedPackage,
  type DownloadPackageOptions,
  type HistoryParams,
  type SearchModelsParams,
  type VersionRef,
} from './models-api.js';
export { ApprovalsApi, type ApprovalRequestParams, type ApprovalRuleOptions, type ListApprovalsParams } from './approvals-api.js';
export { type ChangeOptions } from './acting-user.js';
export { DeploymentsApi, type CreateDeploymentParams, type DeploymentWithStatus, type FeedbackParams, type PredictResponse, type TrafficChange, type UpdateDeploymentParams } from './deployments-api.js';
export { MonitoringApi, type MonitorConfigParams, type ProfileStatusReport, type ProfileSummary, type WindowParams } from './monitoring-api.js';
export type { MonitorReport, VariantStatus, WindowPoint, MonitorHistogram } from '../monitoring/monitor-report.js';
export type { MonitorAlert, MonitorWindow, ProfileStatus, StoredMonitor, StoredProfile } from '../monitoring/model.js';
export type {
  AliasAtTime,
  ApprovalRequest,
  ApprovalRule,
  ApprovalStatus,
  LineageEdge,
  LineageGraph,
  LineageNode,
  LineageNodeKind,
  LineageRelation,
  ModelVersion,
  ModelVersionStatus,
  RegisteredModel,
  RegistryEvent,
  RegistryEventType,
  Stage,
  VersionPackage,
} from './registry-types.js';
export { RunHandle, type RunHandleOptions } from './run-handle.js';
export { AscentApiError, AscentConnectionError } from './sdk-errors.js';
export { type KeyValues } from './key-values.js';
export { nonFiniteReplacer } from './metric-values.js';
export { AscentError, isAscentError, type ErrorCode } from '../core/errors.js';
export type {
  Dataset,
  DatasetInput,
  DownsampledHistory,
  Experiment,
  KeyValue,
  LoggedModel,
  Metric,
  MetricBucket,
  Page,
  Project,
  Run,
  RunInfo,
  RunStatus,
  ViewType,
} from '../tracking/model.js';
