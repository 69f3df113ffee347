/** Options and shared context of the tracking benchmark. */
import { startAscent, startMlflow, type RunningProcess } from '../support/servers.js';

export type ServerKind = 'mlflow' | 'ascent';
export const SERVERS: ServerKind[] = ['mlflow', 'ascent'];

export interface Options {
  /** Seconds of timed load per server per client count (scenario 1). */
  durationS: number;
  clientCounts: number[];
  /** Upper bound on pre-built log-batch bodies per configuration (the count bound of scenario 1). */
  maxBatchesPerConfig: number;
  searchRuns: number;
  searchReps: number;
  historyPoints: number;
  mlflowWorkers: number;
  scenarios: Set<string>;
  /** Which servers to run (both by default; one alone is for profiling, ratios are then n/a). */
  servers: ServerKind[];
  out: string;
  keep: boolean;
}

export interface BenchContext {
  workDir: string;
  opts: Options;
  log(msg: string): void;
}

export async function startServer(ctx: BenchContext, kind: ServerKind, dir: string): Promise<RunningProcess> {
  const t = Date.now();
  const server = kind === 'mlflow' ? await startMlflow({ dir, workers: ctx.opts.mlflowWorkers }) : await startAscent({ dir });
  ctx.log(`${kind} up at ${server.url} (pid ${server.pid}) after ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return server;
}

/** Request timeout for one call to a server (MLflow can be very slow under load). */
export const REQUEST_TIMEOUT_MS = 180_000;
