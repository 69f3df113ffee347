/**
 * The benchmark's data, as deterministic formulas shared with seed_mlflow.py (keep both in step),
 * and the MLflow REST request bodies built from them ahead of the timed loops.
 */

export const T0 = 1_700_000_000_000;
export const SEARCH_PARAMS = 10;
export const SEARCH_METRICS = 10;

/** Metric m<j> of search run i, in [0, 1). Same integers and division as the Python seeder. */
export const metricValue = (i: number, j: number): number => ((i * 2654435761 + j * 40503) % 1000003) / 1000003;
/** Param p<j> of search run i: p1 = 'v3' holds for one run in ten. */
export const paramValue = (i: number, j: number): string => `v${(i * 7 + j * 3) % 10}`;
/** Point at step s of the 1M-point history metric `loss`. */
export const historyValue = (s: number): number => ((s * 2654435761) % 1000003) / 1000003;

/** log-batch body for search run i: 10 params + 10 metrics at step 0. */
export function searchRunBatch(runId: string, i: number): string {
  const metrics = Array.from({ length: SEARCH_METRICS }, (_, j) => ({ key: `m${j}`, value: metricValue(i, j), timestamp: T0 + i * 1000, step: 0 }));
  const params = Array.from({ length: SEARCH_PARAMS }, (_, j) => ({ key: `p${j}`, value: paramValue(i, j) }));
  return JSON.stringify({ run_id: runId, metrics, params, tags: [] });
}

/** Throughput batch `b` of one client: 10 keys × 100 steps (steps b*100 … b*100+99). */
export const THROUGHPUT_KEYS = 10;
export const THROUGHPUT_STEPS = 100;
export const POINTS_PER_BATCH = THROUGHPUT_KEYS * THROUGHPUT_STEPS;

export function throughputBatch(runId: string, b: number): Buffer {
  const parts: string[] = [];
  const base = b * THROUGHPUT_STEPS;
  for (let k = 0; k < THROUGHPUT_KEYS; k++) {
    for (let s = 0; s < THROUGHPUT_STEPS; s++) {
      const step = base + s;
      parts.push(`{"key":"m${k}","value":${historyValue((step * 31 + k) % 1000003)},"timestamp":${T0 + step},"step":${step}}`);
    }
  }
  return Buffer.from(`{"run_id":"${runId}","metrics":[${parts.join(',')}]}`);
}

/** History batch `b` (1000 points of `loss`, steps b*1000 … b*1000+999), same points on both servers. */
export const HISTORY_BATCH = 1000;

export function historyBatch(runId: string, b: number, size = HISTORY_BATCH): Buffer {
  const parts: string[] = [];
  for (let s = b * size; s < (b + 1) * size; s++) parts.push(`{"key":"loss","value":${historyValue(s)},"timestamp":${T0 + s},"step":${s}}`);
  return Buffer.from(`{"run_id":"${runId}","metrics":[${parts.join(',')}]}`);
}
