// Type-only imports: the monitoring shapes are defined once, in the monitoring domain, and erased at build.
import type { MonitorAlert, ProfileStatus, StoredMonitor } from '../../src/monitoring/model.js';
import type { MonitorHistogram, MonitorReport, VariantStatus, WindowPoint } from '../../src/monitoring/monitor-report.js';
import { request } from './api';

export type { MonitorAlert, MonitorHistogram, MonitorReport, ProfileStatus, StoredMonitor, VariantStatus, WindowPoint };

/** A version's profile summary and what became of computing it at registration (GET …/status). */
export interface ProfileStatusReport {
  modelName: string;
  modelVersion: string;
  profile: { profileId: string; source: string; createdTime: number; rows: number; features: { name: string; kind: string }[]; prediction: string | null } | null;
  registration: ProfileStatus | null;
}

const seg = encodeURIComponent;

/** The native monitoring API as the UI uses it. */
export const monitoringApi = {
  list: async (signal?: AbortSignal) => (await request<{ items: StoredMonitor[] }>('GET', '/api/v1/monitors', { signal })).items,
  report: (deployment: string, signal?: AbortSignal) => request<MonitorReport>('GET', `/api/v1/monitors/${seg(deployment)}/report`, { signal }),
  profileStatus: (name: string, version: string, signal?: AbortSignal) => request<ProfileStatusReport>('GET', `/api/v1/monitoring/profiles/${seg(name)}/${seg(version)}/status`, { signal }),
};
