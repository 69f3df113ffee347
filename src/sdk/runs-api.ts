import type { Dataset, DownsampledHistory, Metric, Page, Run, RunInfo, RunStatus, ViewType } from '../tracking/model.js';
import type { HttpTransport } from './http-transport.js';
import { splitBatch, type WireBatch, type WireMetric } from './batch-chunks.js';
import { seg, toKeyValues, type KeyValues } from './key-values.js';
import { reviveDownsampled, reviveMetric, reviveRun, toWireNumber } from './metric-values.js';

/** Body of `runs.create`. */
export interface CreateRunParams {
  /** Default experiment "0" when omitted. */
  experimentId?: string;
  runName?: string;
  tags?: KeyValues;
  /** Epoch milliseconds; the server's clock when omitted. */
  startTime?: number;
  userId?: string;
}

/** Query of `runs.search`: MLflow's filter and order-by grammar, one page at a time. */
export interface SearchRunsParams {
  experimentIds: string[];
  /** E.g. `metrics.rmse < 0.5 AND params.alpha = '0.1'`. */
  filter?: string;
  /** E.g. `['metrics.rmse ASC', 'start_time DESC']`. */
  orderBy?: string[];
  /** Page size (server default 1,000). */
  maxResults?: number;
  pageToken?: string;
  viewType?: ViewType;
}

/** Fields `runs.update` may change. */
export interface UpdateRunParams {
  status?: RunStatus;
  endTime?: number;
  runName?: string;
}

/** One metric point to log; `timestamp` defaults to now and `step` to 0. */
export interface MetricPoint {
  key: string;
  /** NaN and ±Infinity are allowed. */
  value: number;
  step?: number;
  timestamp?: number;
  modelId?: string;
  datasetName?: string;
  datasetDigest?: string;
}

/** Body of `runs.logBatch`. */
export interface LogBatchParams {
  metrics?: readonly MetricPoint[];
  params?: KeyValues;
  tags?: KeyValues;
}

/** A dataset a run consumed, with its input tags (e.g. `mlflow.data.context: training`). */
export interface DatasetInputParams {
  dataset: Dataset;
  tags?: KeyValues;
}

/** One entry of `runs.listArtifacts`; `path` is relative to the run's artifact root. */
export interface ArtifactFile {
  path: string;
  isDir: boolean;
  fileSize?: number;
}

/** RunsApi groups the native API's run routes (`client.runs`). */
export class RunsApi {
  constructor(private readonly http: HttpTransport) {}

  async create(params: CreateRunParams = {}): Promise<Run> {
    const { tags, ...rest } = params;
    return reviveRun(await this.http.json<Run>({ method: 'POST', path: '/runs', json: { ...rest, tags: toKeyValues(tags) } }));
  }

  async get(runId: string): Promise<Run> {
    return reviveRun(await this.http.json<Run>({ method: 'GET', path: `/runs/${seg(runId)}` }));
  }

  async search(params: SearchRunsParams): Promise<Page<Run>> {
    // A search changes nothing, so it may be repeated after a lost answer like a GET.
    const page = await this.http.json<Page<Run>>({ method: 'POST', path: '/runs/search', json: params, idempotent: true });
    return { ...page, items: page.items.map(reviveRun) };
  }

  /** Every run matching `params` (`maxResults` is the page size), fetching pages as the iteration goes. */
  async *searchAll(params: Omit<SearchRunsParams, 'pageToken'>): AsyncGenerator<Run> {
    let pageToken: string | undefined;
    do {
      const page = await this.search({ ...params, ...(pageToken ? { pageToken } : {}) });
      yield* page.items;
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  update(runId: string, params: UpdateRunParams): Promise<RunInfo> {
    return this.http.json<RunInfo>({ method: 'PATCH', path: `/runs/${seg(runId)}`, json: params });
  }

  /** Soft-delete: the run moves to the `deleted` stage until restored. */
  async delete(runId: string): Promise<void> {
    await this.http.json({ method: 'DELETE', path: `/runs/${seg(runId)}` });
  }

  async restore(runId: string): Promise<void> {
    await this.http.json({ method: 'POST', path: `/runs/${seg(runId)}/restore` });
  }

  /**
   * Log metrics, params and tags. A batch within the server's limits (1,000 items, 100 params,
   * 100 tags) is one atomic request; a larger one is split into several requests, in order, and is
   * then only atomic per request.
   */
  async logBatch(runId: string, batch: LogBatchParams): Promise<void> {
    const now = Date.now();
    const wire: WireBatch = {
      metrics: (batch.metrics ?? []).map((m) => toWireMetric(m, now)),
      params: toKeyValues(batch.params),
      tags: toKeyValues(batch.tags),
    };
    for (const chunk of splitBatch(wire)) {
      await this.http.json({ method: 'POST', path: `/runs/${seg(runId)}/batch`, json: chunk });
    }
  }

  logMetric(runId: string, key: string, value: number, options: { step?: number; timestamp?: number } = {}): Promise<void> {
    return this.logBatch(runId, { metrics: [{ key, value, ...options }] });
  }

  logParam(runId: string, key: string, value: string | number | boolean): Promise<void> {
    return this.logBatch(runId, { params: { [key]: value } });
  }

  setTag(runId: string, key: string, value: string): Promise<void> {
    return this.logBatch(runId, { tags: [{ key, value }] });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.http.json({ method: 'DELETE', path: `/runs/${seg(runId)}/tags/${seg(key)}` });
  }

  async logInputs(runId: string, datasets: readonly DatasetInputParams[]): Promise<void> {
    const body = { datasets: datasets.map((d) => ({ dataset: d.dataset, tags: toKeyValues(d.tags) })) };
    await this.http.json({ method: 'POST', path: `/runs/${seg(runId)}/inputs`, json: body });
  }

  /** Keys of every metric the run has logged. */
  async metricKeys(runId: string): Promise<string[]> {
    return (await this.http.json<{ keys: string[] }>({ method: 'GET', path: `/runs/${seg(runId)}/metrics` })).keys;
  }

  /** Every point of one metric, in step order (the server returns all points unless `maxResults` pages them). */
  async metricHistory(runId: string, key: string, params: { maxResults?: number; pageToken?: string } = {}): Promise<Page<Metric>> {
    const page = await this.http.json<Page<Metric>>({
      method: 'GET',
      path: `/runs/${seg(runId)}/metrics/${seg(key)}/history`,
      query: { maxResults: params.maxResults, pageToken: params.pageToken },
    });
    return { ...page, items: page.items.map(reviveMetric) };
  }

  /** A curve reduced to at most `maxPoints` buckets (min/max/last each), for plotting long histories. */
  async metricHistoryDownsampled(
    runId: string,
    key: string,
    params: { startStep?: number; endStep?: number; maxPoints?: number } = {},
  ): Promise<DownsampledHistory> {
    const history = await this.http.json<DownsampledHistory>({
      method: 'GET',
      path: `/runs/${seg(runId)}/metrics/${seg(key)}/downsampled`,
      query: { startStep: params.startStep, endStep: params.endStep, maxPoints: params.maxPoints },
    });
    return reviveDownsampled(history);
  }

  /** Immediate children of `path` (the artifact root by default). */
  listArtifacts(runId: string, path?: string): Promise<{ rootUri: string; files: ArtifactFile[] }> {
    return this.http.json({ method: 'GET', path: `/runs/${seg(runId)}/artifacts`, query: { path } });
  }

  downloadArtifact(runId: string, path: string): Promise<Uint8Array> {
    return this.http.bytes({ method: 'GET', path: `/runs/${seg(runId)}/artifacts/content`, query: { path } });
  }

  /**
   * Store `data` at `path` under the run's artifact root, replacing any file there. It is always
   * sent as octet-stream: the server serves a file with the type its extension implies.
   */
  async uploadArtifact(runId: string, path: string, data: Uint8Array | string): Promise<void> {
    const body = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    await this.http.json({ method: 'PUT', path: `/runs/${seg(runId)}/artifacts/content`, query: { path }, body });
  }
}

function toWireMetric(m: MetricPoint, now: number): WireMetric {
  return {
    key: m.key,
    value: toWireNumber(m.value),
    timestamp: m.timestamp ?? now,
    step: m.step ?? 0,
    ...(m.modelId !== undefined ? { modelId: m.modelId } : {}),
    ...(m.datasetName !== undefined ? { datasetName: m.datasetName } : {}),
    ...(m.datasetDigest !== undefined ? { datasetDigest: m.datasetDigest } : {}),
  };
}
