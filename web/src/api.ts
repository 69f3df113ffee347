// Type-only imports: the entity shapes are defined once, in the tracking domain, and erased at build.
import type {
  DownsampledHistory,
  Experiment,
  KeyValue,
  Metric,
  MetricBucket,
  Page,
  Project,
  Run,
} from '../../src/tracking/model.js';

export type { DatasetInput, DownsampledHistory, Experiment, KeyValue, Metric, MetricBucket, Page, Project, Run, RunInfo, RunStatus } from '../../src/tracking/model.js';

/** An error answered by the server (`{error: {code, message, field}}`) or a transport failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly requestId: string | undefined;

  constructor(options: { status: number; code: string; message: string; field?: string | undefined; requestId?: string | undefined }) {
    super(options.message);
    this.name = 'ApiError';
    this.status = options.status;
    this.code = options.code;
    this.field = options.field;
    this.requestId = options.requestId;
  }
}

export type Query = Record<string, string | number | undefined | null | readonly string[]>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal | undefined;
}

/**
 * The user the UI acts as, sent as `x-ascent-user` and recorded in the registry's audit history.
 * There is no authentication yet: the server trusts the header (see ActingUserField).
 */
let actingUser = '';

export function setActingUser(user: string): void {
  actingUser = user.trim();
}

export function buildUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Turn a non-2xx response into an ApiError, keeping the server's code and message. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const requestId = res.headers.get('x-request-id') ?? undefined;
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; field?: string }; error_code?: string; message?: string };
    if (body.error && typeof body.error === 'object') {
      return new ApiError({ status: res.status, code: body.error.code ?? `HTTP_${res.status}`, message: body.error.message ?? res.statusText, field: body.error.field, requestId });
    }
    if (body.error_code || body.message) {
      return new ApiError({ status: res.status, code: body.error_code ?? `HTTP_${res.status}`, message: body.message ?? res.statusText, requestId });
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return new ApiError({ status: res.status, code: `HTTP_${res.status}`, message: text.slice(0, 500) || res.statusText, requestId });
}

/** Call the API; JSON in and out, a non-2xx answer thrown as ApiError. A 204 or empty body resolves undefined. */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (actingUser) headers['x-ascent-user'] = actingUser;
  let res: Response;
  try {
    res = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError({ status: 0, code: 'NETWORK_ERROR', message: `Could not reach the server: ${(err as Error).message}` });
  }
  if (!res.ok) throw await errorFromResponse(res);
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Metric values travel as numbers or as "NaN" / "Infinity" / "-Infinity" strings. */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const v = value.toLowerCase();
    if (v === 'nan') return Number.NaN;
    if (v === 'infinity' || v === 'inf') return Number.POSITIVE_INFINITY;
    if (v === '-infinity' || v === '-inf') return Number.NEGATIVE_INFINITY;
    return Number(value);
  }
  return Number.NaN;
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : toNumber(value);
}

function normalizeMetric(m: Metric): Metric {
  return { ...m, value: toNumber(m.value) };
}

function normalizeRun(run: Run): Run {
  return {
    ...run,
    data: { ...run.data, metrics: run.data.metrics.map(normalizeMetric), params: run.data.params ?? [], tags: run.data.tags ?? [] },
    inputs: { datasetInputs: run.inputs?.datasetInputs ?? [], modelInputs: run.inputs?.modelInputs ?? [] },
    outputs: { modelOutputs: run.outputs?.modelOutputs ?? [] },
  };
}

function normalizeBucket(b: MetricBucket): MetricBucket {
  return { ...b, min: nullableNumber(b.min), max: nullableNumber(b.max), last: nullableNumber(b.last) };
}

/** One entry of an artifact listing; `path` is relative to the run's artifact root. */
export interface ArtifactFile {
  path: string;
  isDir: boolean;
  fileSize?: number;
}

export interface ArtifactListing {
  rootUri: string;
  files: ArtifactFile[];
}

export interface SearchRunsRequest {
  experimentIds: string[];
  filter?: string | undefined;
  orderBy?: string[] | undefined;
  maxResults?: number | undefined;
  pageToken?: string | undefined;
}

export interface SearchExperimentsRequest {
  filter?: string | undefined;
  orderBy?: string[] | undefined;
  maxResults?: number | undefined;
  pageToken?: string | undefined;
}

export interface DownsampleRequest {
  startStep?: number | undefined;
  endStep?: number | undefined;
  maxPoints?: number | undefined;
}

const enc = encodeURIComponent;

/** Typed client of the native API (`/api/v1`, see docs/native-api.md). */
export const api = {
  listProjects(signal?: AbortSignal): Promise<{ items: Project[] }> {
    return request('GET', '/api/v1/projects', { signal });
  },

  searchExperiments(req: SearchExperimentsRequest, signal?: AbortSignal): Promise<Page<Experiment>> {
    return request('GET', '/api/v1/experiments', {
      query: { filter: req.filter, orderBy: req.orderBy, maxResults: req.maxResults, pageToken: req.pageToken },
      signal,
    });
  },

  getExperiment(experimentId: string, signal?: AbortSignal): Promise<Experiment> {
    return request('GET', `/api/v1/experiments/${enc(experimentId)}`, { signal });
  },

  async searchRuns(req: SearchRunsRequest, signal?: AbortSignal): Promise<Page<Run>> {
    const page = await request<Page<Run>>('POST', '/api/v1/runs/search', { body: req, signal });
    return { ...page, items: page.items.map(normalizeRun) };
  },

  async getRun(runId: string, signal?: AbortSignal): Promise<Run> {
    return normalizeRun(await request<Run>('GET', `/api/v1/runs/${enc(runId)}`, { signal }));
  },

  listMetricKeys(runId: string, signal?: AbortSignal): Promise<{ keys: string[] }> {
    return request('GET', `/api/v1/runs/${enc(runId)}/metrics`, { signal });
  },

  async downsampledMetric(runId: string, key: string, req: DownsampleRequest, signal?: AbortSignal): Promise<DownsampledHistory> {
    const history = await request<DownsampledHistory>('GET', `/api/v1/runs/${enc(runId)}/metrics/${enc(key)}/downsampled`, {
      query: { startStep: req.startStep, endStep: req.endStep, maxPoints: req.maxPoints },
      signal,
    });
    return { ...history, buckets: history.buckets.map(normalizeBucket) };
  },

  listArtifacts(runId: string, path: string, signal?: AbortSignal): Promise<ArtifactListing> {
    return request('GET', `/api/v1/runs/${enc(runId)}/artifacts`, { query: { path }, signal });
  },

  artifactContentUrl(runId: string, path: string): string {
    return buildUrl(`/api/v1/runs/${enc(runId)}/artifacts/content`, { path });
  },

  async version(signal?: AbortSignal): Promise<string> {
    const res = await fetch('/version', { signal });
    if (!res.ok) throw await errorFromResponse(res);
    return (await res.text()).trim();
  },
};

/** Look up a key in a list of key/value pairs. */
export function valueOf(pairs: readonly KeyValue[], key: string): string | undefined {
  return pairs.find((p) => p.key === key)?.value;
}
