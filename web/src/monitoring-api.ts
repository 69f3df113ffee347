// Type-only imports: the monitoring shapes are defined once, in the monitoring domain, and erased at build.
import type { MonitorAlert, StoredMonitor } from '../../src/monitoring/model.js';
import type { MonitorHistogram, MonitorReport, VariantStatus, WindowPoint } from '../../src/monitoring/monitor-report.js';
import { request } from './api';

export type { MonitorAlert, MonitorHistogram, MonitorReport, StoredMonitor, VariantStatus, WindowPoint };

const seg = encodeURIComponent;

/** The native monitoring API as the UI uses it. */
export const monitoringApi = {
  list: async (signal?: AbortSignal) => (await request<{ items: StoredMonitor[] }>('GET', '/api/v1/monitors', { signal })).items,
  report: (deployment: string, signal?: AbortSignal) => request<MonitorReport>('GET', `/api/v1/monitors/${seg(deployment)}/report`, { signal }),
};
