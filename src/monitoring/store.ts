import type { Transaction } from 'kysely';
import type { Database } from '../storage/sql/schema.js';
import type { MonitorAlert, MonitorWindow, ProfileStatus, StoredMonitor, StoredProfile } from './model.js';

/** Query of a deployment's windows, newest first. */
export interface WindowQuery {
  deployment: string;
  variant?: string;
  from?: number;
  to?: number;
  limit: number;
}

/** A unit of work of another domain's store (the registry's outbox transaction) that an alert can join. */
export type SharedTransaction = Transaction<Database>;

/** One checkpoint of the live fold: windows written together with the log position they cover. */
export interface FoldCheckpoint {
  windows: MonitorWindow[];
  /** Cursor name and the highest inference-log id folded into `windows` (omitted: left as it is). */
  cursor?: { name: string; value: number };
  time: number;
}

/** Persistence port of monitoring: profiles, monitors (config + rule state), windows, alerts, cursors. */
export interface MonitoringStore {
  putProfile(p: StoredProfile): Promise<void>;
  /** The newest profile of a model version. */
  latestProfile(modelName: string, modelVersion: string): Promise<StoredProfile | null>;
  getProfile(profileId: string): Promise<StoredProfile | null>;
  listProfiles(modelName: string): Promise<Omit<StoredProfile, 'profile'>[]>;

  /** Insert the status only if the version has none yet: the claim of one server on profiling it. */
  claimProfileStatus(s: ProfileStatus): Promise<boolean>;
  putProfileStatus(s: ProfileStatus): Promise<void>;
  getProfileStatus(modelName: string, modelVersion: string): Promise<ProfileStatus | null>;

  getCursor(name: string): Promise<number | null>;
  /** Move a cursor forward (never back). */
  advanceCursor(name: string, value: number, time: number): Promise<void>;

  putMonitor(m: StoredMonitor): Promise<void>;
  getMonitor(deployment: string): Promise<StoredMonitor | null>;
  listMonitors(): Promise<StoredMonitor[]>;
  deleteMonitor(deployment: string): Promise<boolean>;

  /** Insert or replace the window (deployment, variant, start). */
  putWindow(w: MonitorWindow): Promise<void>;
  getWindow(deployment: string, variant: string, start: number): Promise<MonitorWindow | null>;
  windows(q: WindowQuery): Promise<MonitorWindow[]>;
  /** Windows stored still open (checkpointed), oldest first. */
  openWindows(): Promise<MonitorWindow[]>;
  /** Write windows and the fold cursor in one transaction: both or neither survive a crash. */
  checkpoint(c: FoldCheckpoint): Promise<void>;

  /** Record an alert (in `tx` when given, so it commits with the caller's writes); returns it with its id. */
  addAlert(a: Omit<MonitorAlert, 'alertId'>, tx?: SharedTransaction): Promise<MonitorAlert>;
  alerts(q: { deployment?: string; from?: number; limit: number }): Promise<MonitorAlert[]>;
}
