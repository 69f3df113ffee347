import type { Generated } from 'kysely';

/** Monitoring tables (migration 0008_monitoring): reference profiles, monitors, windows, alerts. */
export interface MonitoringTables {
  monitor_profiles: MonitorProfilesTable;
  monitors: MonitorsTable;
  monitor_windows: MonitorWindowsTable;
  monitor_alerts: MonitorAlertsTable;
  monitor_cursors: MonitorCursorsTable;
  monitor_profile_status: MonitorProfileStatusTable;
}

/** Migration 0010_monitoring_checkpoints: background work's cursors. */
export interface MonitorCursorsTable {
  name: string;
  value: number;
  updated_time: number;
}

/** Migration 0010_monitoring_checkpoints: outcome of profiling a version at registration. */
export interface MonitorProfileStatusTable {
  model_name: string;
  model_version: string;
  status: string;
  reason: string | null;
  profile_id: string | null;
  dataset: string | null;
  updated_time: number;
}

export interface MonitorProfilesTable {
  profile_id: string;
  model_name: string;
  model_version: string;
  source: string;
  created_time: number;
  rows: number;
  profile: string;
}

export interface MonitorsTable {
  deployment: string;
  config: string;
  rule_state: string;
  updated_time: number;
}

export interface MonitorWindowsTable {
  deployment: string;
  variant: string;
  start_time: number;
  end_time: number;
  model_name: string;
  model_version: string;
  profile_id: string | null;
  closed: number;
  drift_share: number | null;
  document: string;
}

export interface MonitorAlertsTable {
  alert_id: Generated<number>;
  deployment: string;
  variant: string;
  rule: string;
  metric: string;
  value: number;
  threshold: number;
  op: string;
  window_start: number;
  window_end: number;
  time: number;
  message: string;
}
