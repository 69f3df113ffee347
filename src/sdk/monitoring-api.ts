import type { z } from 'zod';
import type { MonitorAlert, MonitorConfigInput, MonitorWindow, ProfileStatus, StoredMonitor, StoredProfile } from '../monitoring/model.js';
import type { ReferenceProfile } from '../monitoring/profiles/reference-profile.js';
import type { MonitorReport } from '../monitoring/monitor-report.js';
import type { HttpTransport } from './http-transport.js';
import { seg } from './key-values.js';

/** Body of `monitoring.configure` (defaults filled in by the server). */
export type MonitorConfigParams = z.input<typeof MonitorConfigInput>;
/** Query of windows and reports. */
export interface WindowParams {
  variant?: string;
  from?: number;
  to?: number;
  limit?: number;
}
/** What `monitoring.uploadProfile` returns: the stored profile's summary. */
export interface ProfileSummary {
  profileId: string;
  modelName: string;
  modelVersion: string;
  source: string;
  createdTime: number;
  rows: number;
  features: { name: string; kind: 'numeric' | 'categorical' }[];
  prediction: 'numeric' | 'categorical' | null;
}

/** A version's profile summary and the outcome of computing it at registration (null: none / never attempted). */
export interface ProfileStatusReport {
  modelName: string;
  modelVersion: string;
  profile: ProfileSummary | null;
  registration: ProfileStatus | null;
}

/** Monitoring of deployments: monitors, reference profiles, reports, windows and alerts. */
export class MonitoringApi {
  constructor(private readonly http: HttpTransport) {}

  async list(): Promise<StoredMonitor[]> {
    return (await this.http.json<{ items: StoredMonitor[] }>({ method: 'GET', path: '/monitors' })).items;
  }
  configure(deployment: string, config: MonitorConfigParams = {}): Promise<StoredMonitor> {
    return this.http.json({ method: 'PUT', path: `/monitors/${seg(deployment)}`, json: config });
  }
  get(deployment: string): Promise<StoredMonitor> {
    return this.http.json({ method: 'GET', path: `/monitors/${seg(deployment)}` });
  }
  async remove(deployment: string): Promise<void> {
    await this.http.json({ method: 'DELETE', path: `/monitors/${seg(deployment)}` });
  }
  report(deployment: string, params: WindowParams = {}): Promise<MonitorReport> {
    return this.http.json({ method: 'GET', path: `/monitors/${seg(deployment)}/report`, query: { ...params } });
  }
  async windows(deployment: string, params: WindowParams = {}): Promise<MonitorWindow[]> {
    return (await this.http.json<{ items: MonitorWindow[] }>({ method: 'GET', path: `/monitors/${seg(deployment)}/windows`, query: { ...params } })).items;
  }
  async alerts(deployment: string, params: { from?: number; limit?: number } = {}): Promise<MonitorAlert[]> {
    return (await this.http.json<{ items: MonitorAlert[] }>({ method: 'GET', path: `/monitors/${seg(deployment)}/alerts`, query: { ...params } })).items;
  }
  /** Reference data for a model version (feature records, and one prediction per record if known), or a profile computed locally. */
  uploadProfile(params: { modelName: string; modelVersion: string } & ({ records: Record<string, unknown>[]; predictions?: unknown[] } | { profile: ReferenceProfile })): Promise<ProfileSummary> {
    return this.http.json({ method: 'POST', path: '/monitoring/profiles', json: params });
  }
  /** The version's profile summary and what became of computing it from the training dataset at registration. */
  profileStatus(modelName: string, modelVersion: string): Promise<ProfileStatusReport> {
    return this.http.json({ method: 'GET', path: `/monitoring/profiles/${seg(modelName)}/${seg(modelVersion)}/status` });
  }
  getProfile(modelName: string, modelVersion: string): Promise<StoredProfile> {
    return this.http.json({ method: 'GET', path: `/monitoring/profiles/${seg(modelName)}/${seg(modelVersion)}` });
  }
}
