import { z } from 'zod';
import { invalid, isAscentError } from '../../core/errors.js';
import { MonitorConfigInput } from '../../monitoring/model.js';
import { ReferenceProfileSchema, toReferenceProfile } from '../../monitoring/profiles/profile-schema.js';
import { profileRecords } from '../../monitoring/profiles/reference-profile.js';
import type { MonitoringService } from '../../monitoring/service.js';
import type { NativeRouter } from './native-router.js';
import { optionalInt } from './native-schemas.js';

const DeploymentParams = z.object({ deployment: z.string().min(1).max(200) });
const WindowQuery = z.object({ variant: z.string().min(1).max(200).optional(), from: optionalInt, to: optionalInt, limit: z.coerce.number().int().min(1).max(1000).optional() });
// Uploads are bounded twice: by the server's body limit and by this row count.
const MAX_PROFILE_ROWS = 200_000;
// Either reference rows (profiled here) or a profile computed by the client (the CLI profiles files locally).
const ProfileUpload = z.object({
  modelName: z.string().min(1).max(256),
  modelVersion: z.string().min(1).max(64),
  records: z.array(z.record(z.string(), z.unknown())).min(1).max(MAX_PROFILE_ROWS).optional(),
  predictions: z.array(z.unknown()).max(MAX_PROFILE_ROWS).optional(),
  profile: ReferenceProfileSchema.optional(),
});
const VersionParams = z.object({ modelName: z.string().min(1).max(256), modelVersion: z.string().min(1).max(64) });
const Monitor = z.object({ deployment: z.string(), config: z.record(z.string(), z.unknown()), ruleState: z.record(z.string(), z.unknown()), updatedTime: z.number() });

/** Monitoring: monitors per deployment, reference profiles, windows, reports and alert history. */
export function addMonitoringRoutes(router: NativeRouter, { monitoring }: { monitoring: MonitoringService }): void {
  router.add({
    method: 'GET', url: '/monitors', summary: 'List deployment monitors', tag: 'monitoring',
    response: z.object({ items: z.array(Monitor) }),
    handler: async () => ({ items: await monitoring.listMonitors() }),
  });
  router.add({
    method: 'PUT', url: '/monitors/:deployment', summary: 'Create or replace the monitor of a deployment (window, drift options, task, alert rules)', tag: 'monitoring',
    params: DeploymentParams, body: MonitorConfigInput, response: Monitor,
    handler: async ({ params, body }) => monitoring.configure(params.deployment, body),
  });
  router.add({
    method: 'GET', url: '/monitors/:deployment', summary: 'Get the monitor of a deployment', tag: 'monitoring',
    params: DeploymentParams, response: Monitor,
    handler: async ({ params }) => monitoring.getMonitor(params.deployment),
  });
  router.add({
    method: 'DELETE', url: '/monitors/:deployment', summary: 'Stop monitoring a deployment (windows and alerts are kept)', tag: 'monitoring',
    params: DeploymentParams,
    handler: async ({ params }) => {
      await monitoring.deleteMonitor(params.deployment);
      return {};
    },
  });
  router.add({
    method: 'GET', url: '/monitors/:deployment/report', summary: 'Drift table, histograms, data quality and performance of the latest window per variant, the series over time, recent alerts', tag: 'monitoring',
    params: DeploymentParams, query: WindowQuery,
    handler: async ({ params, query }) => monitoring.report(params.deployment, strip(query)),
  });
  router.add({
    method: 'GET', url: '/monitors/:deployment/windows', summary: 'Windows of a deployment, newest first (sketches included)', tag: 'monitoring',
    params: DeploymentParams, query: WindowQuery,
    handler: async ({ params, query }) => {
      await monitoring.getMonitor(params.deployment);
      return { items: await monitoring.windows(params.deployment, strip(query)) };
    },
  });
  router.add({
    method: 'GET', url: '/monitors/:deployment/alerts', summary: 'Alert history of a deployment, newest first', tag: 'monitoring',
    params: DeploymentParams, query: z.object({ from: optionalInt, limit: z.coerce.number().int().min(1).max(1000).optional() }),
    handler: async ({ params, query }) => ({ items: await monitoring.alerts({ deployment: params.deployment, ...strip(query) }) }),
  });
  router.add({
    method: 'POST', url: '/monitoring/profiles', summary: 'Upload reference data for a model version; its profile is computed and stored', tag: 'monitoring',
    body: ProfileUpload,
    handler: async ({ body }) => {
      if ((body.records === undefined) === (body.profile === undefined)) throw invalid('give either records (and predictions) or a computed profile', 'records');
      if (body.profile) return summary(await monitoring.putProfile(body.modelName, body.modelVersion, toReferenceProfile(body.profile), 'upload'));
      const records = body.records!;
      if (body.predictions && body.predictions.length !== records.length) throw invalid(`predictions: ${body.predictions.length} values for ${records.length} records`, 'predictions');
      const stored = await monitoring.putProfile(body.modelName, body.modelVersion, profileRecords(records, body.predictions), 'upload');
      return summary(stored);
    },
  });
  router.add({
    method: 'GET', url: '/monitoring/profiles/:modelName/:modelVersion', summary: 'The newest reference profile of a model version', tag: 'monitoring',
    params: VersionParams,
    handler: async ({ params }) => monitoring.getProfile(params.modelName, params.modelVersion),
  });
  router.add({
    method: 'GET', url: '/monitoring/profiles/:modelName/:modelVersion/status',
    summary: "A model version's reference profile (summary) and what became of computing it from the training dataset at registration (computed, or skipped/failed with the reason)", tag: 'monitoring',
    params: VersionParams,
    handler: async ({ params }) => {
      const [profile, status] = await Promise.all([
        monitoring.getProfile(params.modelName, params.modelVersion).then(summary, (err: unknown) => {
          if (isAscentError(err) && err.code === 'NOT_FOUND') return null;
          throw err;
        }),
        monitoring.getProfileStatus(params.modelName, params.modelVersion),
      ]);
      return { modelName: params.modelName, modelVersion: params.modelVersion, profile, registration: status };
    },
  });
}

function summary(p: Awaited<ReturnType<MonitoringService['putProfile']>>) {
  return { profileId: p.profileId, modelName: p.modelName, modelVersion: p.modelVersion, source: p.source, createdTime: p.createdTime, rows: p.profile.rows, features: p.profile.features.map((f) => ({ name: f.name, kind: f.kind })), prediction: p.profile.prediction?.kind ?? null };
}

// Optional query fields arrive as undefined keys; the service's options are exact.
function strip<T extends Record<string, unknown>>(q: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
