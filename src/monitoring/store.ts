import type { MonitorAlert, MonitorWindow, StoredMonitor, StoredProfile } from './model.js';

/** Query of a deployment's windows, newest first. */
export interface WindowQuery {
  deployment: string;
  variant?: string;
  from?: number;
  to?: number;
  limit: number;
}

/** Persistence port of monitoring: profiles, monitors (config + rule state), windows, alerts. */
export interface MonitoringStore {
  putProfile(p: StoredProfile): Promise<void>;
  /** The newest profile of a model version. */
  latestProfile(modelName: string, modelVersion: string): Promise<StoredProfile | null>;
  getProfile(profileId: string): Promise<StoredProfile | null>;
  listProfiles(modelName: string): Promise<Omit<StoredProfile, 'profile'>[]>;

  putMonitor(m: StoredMonitor): Promise<void>;
  getMonitor(deployment: string): Promise<StoredMonitor | null>;
  listMonitors(): Promise<StoredMonitor[]>;
  deleteMonitor(deployment: string): Promise<boolean>;

  /** Insert or replace the window (deployment, variant, start). */
  putWindow(w: MonitorWindow): Promise<void>;
  getWindow(deployment: string, variant: string, start: number): Promise<MonitorWindow | null>;
  windows(q: WindowQuery): Promise<MonitorWindow[]>;

  /** Record an alert; returns it with its id. */
  addAlert(a: Omit<MonitorAlert, 'alertId'>): Promise<MonitorAlert>;
  alerts(q: { deployment?: string; from?: number; limit: number }): Promise<MonitorAlert[]>;
}
