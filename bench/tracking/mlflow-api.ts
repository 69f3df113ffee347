/** The few MLflow REST calls the benchmark makes, identical for both servers. */
import type { HttpClient } from '../support/load.js';

export const API = '/api/2.0/mlflow';

export async function createExperiment(c: HttpClient, name: string): Promise<string> {
  const res = await c.postJson<{ experiment_id: string }>(`${API}/experiments/create`, { name });
  return res.experiment_id;
}

export async function getExperimentId(c: HttpClient, name: string): Promise<string> {
  const res = await c.getJson<{ experiment: { experiment_id: string } }>(`${API}/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`);
  return res.experiment.experiment_id;
}

export async function createRun(c: HttpClient, experimentId: string, runName: string, startTime: number): Promise<string> {
  const res = await c.postJson<{ run: { info: { run_id: string } } }>(`${API}/runs/create`, { experiment_id: experimentId, run_name: runName, start_time: startTime, user_id: 'bench', tags: [] });
  return res.run.info.run_id;
}

export interface SearchedRun {
  info: { run_id: string; run_name?: string; start_time?: number };
  data: { metrics?: { key: string; value: number }[]; params?: { key: string; value: string }[] };
}

export function searchBody(experimentId: string, filter: string | null, orderBy: string[] | null, maxResults: number): string {
  return JSON.stringify({
    experiment_ids: [experimentId],
    ...(filter ? { filter } : {}),
    ...(orderBy ? { order_by: orderBy } : {}),
    max_results: maxResults,
    run_view_type: 'ACTIVE_ONLY',
  });
}

/**
 * Fetch a whole metric history through `metrics/get-history`, following page tokens. `ms` sums the
 * requests' times to last byte; parsing the answers on this side is not counted.
 */
export async function getFullHistory(c: HttpClient, runId: string, key: string, timeoutMs: number): Promise<{ ms: number; points: number; bytes: number; pages: number }> {
  let token: string | undefined;
  let ms = 0;
  let points = 0;
  let bytes = 0;
  let pages = 0;
  do {
    const q = `run_id=${runId}&metric_key=${encodeURIComponent(key)}${token ? `&page_token=${encodeURIComponent(token)}` : ''}`;
    const res = await c.request('GET', `${API}/metrics/get-history?${q}`, undefined, timeoutMs);
    if (res.status !== 200) throw new Error(`get-history → ${res.status}: ${res.body.toString().slice(0, 300)}`);
    ms += res.ms;
    bytes += res.body.length;
    pages++;
    const body = JSON.parse(res.body.toString()) as { metrics?: unknown[]; next_page_token?: string };
    points += body.metrics?.length ?? 0;
    token = body.next_page_token || undefined;
  } while (token && pages < 10_000);
  return { ms, points, bytes, pages };
}
