import type { Experiment, Page, ViewType } from '../tracking/model.js';
import type { HttpTransport } from './http-transport.js';
import { seg, toKeyValues, type KeyValues } from './key-values.js';

/** Query of `experiments.list`: MLflow's filter and order-by grammar, one page at a time. */
export interface ListExperimentsParams {
  viewType?: ViewType;
  /** E.g. `name LIKE 'churn-%'`. */
  filter?: string;
  /** E.g. `['creation_time DESC']`. */
  orderBy?: string[];
  /** Page size (server default 1,000). */
  maxResults?: number;
  pageToken?: string;
}

/** Options of `experiments.create`. */
export interface CreateExperimentOptions {
  artifactLocation?: string;
  tags?: KeyValues;
  /** Project the experiment belongs to (created if missing); default project otherwise. */
  projectId?: string;
}

/** ExperimentsApi groups the native API's experiment routes (`client.experiments`). */
export class ExperimentsApi {
  constructor(private readonly http: HttpTransport) {}

  /** One page of experiments. */
  list(params: ListExperimentsParams = {}): Promise<Page<Experiment>> {
    return this.http.json<Page<Experiment>>({
      method: 'GET',
      path: '/experiments',
      query: {
        viewType: params.viewType,
        filter: params.filter,
        orderBy: params.orderBy,
        maxResults: params.maxResults,
        pageToken: params.pageToken,
      },
    });
  }

  /** Every experiment matching `params`, fetching pages as the iteration goes. */
  async *listAll(params: Omit<ListExperimentsParams, 'pageToken'> = {}): AsyncGenerator<Experiment> {
    let pageToken: string | undefined;
    do {
      const page = await this.list({ ...params, ...(pageToken ? { pageToken } : {}) });
      yield* page.items;
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  /** Create an experiment and return its id; ALREADY_EXISTS if the name is taken. */
  async create(name: string, options: CreateExperimentOptions = {}): Promise<string> {
    const res = await this.http.json<{ experimentId: string }>({
      method: 'POST',
      path: '/experiments',
      json: {
        name,
        ...(options.artifactLocation !== undefined ? { artifactLocation: options.artifactLocation } : {}),
        ...(options.projectId !== undefined ? { projectId: options.projectId } : {}),
        tags: toKeyValues(options.tags),
      },
    });
    return res.experimentId;
  }

  get(experimentId: string): Promise<Experiment> {
    return this.http.json<Experiment>({ method: 'GET', path: `/experiments/${seg(experimentId)}` });
  }

  /** The experiment with this exact name (active or deleted); NOT_FOUND otherwise. */
  getByName(name: string): Promise<Experiment> {
    return this.http.json<Experiment>({ method: 'GET', path: `/experiments/by-name/${seg(name)}` });
  }

  rename(experimentId: string, name: string): Promise<Experiment> {
    return this.http.json<Experiment>({ method: 'PATCH', path: `/experiments/${seg(experimentId)}`, json: { name } });
  }

  /** Soft-delete: the experiment and its runs move to the `deleted` stage until restored. */
  async delete(experimentId: string): Promise<void> {
    await this.http.json({ method: 'DELETE', path: `/experiments/${seg(experimentId)}` });
  }

  async restore(experimentId: string): Promise<void> {
    await this.http.json({ method: 'POST', path: `/experiments/${seg(experimentId)}/restore` });
  }

  async setTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.http.json({ method: 'PUT', path: `/experiments/${seg(experimentId)}/tags/${seg(key)}`, json: { value } });
  }
}
