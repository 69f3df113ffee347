import { invalid, notFound } from '../core/errors.js';
import { newLoggedModelId } from '../core/ids.js';
import { systemClock, type Clock } from '../core/clock.js';
import { parseInput } from '../core/validate.js';
import { z } from 'zod';
import { CreateLoggedModelInput, LIMITS, LOGGED_MODEL_STATUSES, ParamInput, TagInput, type LoggedModel, type Page } from './model.js';
import { decodePageToken, encodePageToken, parseFilter, parseOrderBy } from './search-filter.js';
import type { TrackingStore } from './store.js';
import type { TrackingService } from './service.js';
import { randomRunName } from './run-names.js';

/** MLflow 3 logged models: a model's own entity, with artifacts under its experiment. */
export class LoggedModelService {
  private readonly store: TrackingStore;
  private readonly clock: Clock;

  constructor(private readonly tracking: TrackingService, clock: Clock = systemClock) {
    this.store = tracking.store;
    this.clock = clock;
  }

  async create(raw: unknown): Promise<LoggedModel> {
    const input = parseInput(CreateLoggedModelInput, raw, 'logged model');
    const experiment = await this.tracking.getExperiment(input.experimentId);
    if (input.sourceRunId) await this.tracking.getRunInfo(input.sourceRunId);
    const modelId = newLoggedModelId();
    await this.store.createLoggedModel({
      modelId,
      experimentId: experiment.experimentId,
      name: input.name || randomRunName(),
      artifactLocation: `${experiment.artifactLocation.replace(/\/+$/, '')}/models/${modelId}/artifacts`,
      creationTime: this.clock.now(),
      sourceRunId: input.sourceRunId ?? null,
      modelType: input.modelType ?? null,
      params: input.params,
      tags: input.tags,
    });
    return this.get(modelId);
  }

  async get(modelId: string, options: { allowDeleted?: boolean } = {}): Promise<LoggedModel> {
    const model = await this.store.getLoggedModel(modelId);
    if (!model || (model.lifecycleStage === 'deleted' && !options.allowDeleted)) throw notFound(`Logged model with ID '${modelId}' not found`);
    return model;
  }

  async finalize(modelId: string, status: unknown): Promise<LoggedModel> {
    const parsed = parseInput(z.enum(LOGGED_MODEL_STATUSES), status, 'status');
    await this.get(modelId);
    await this.store.updateLoggedModel(modelId, { status: parsed }, this.clock.now());
    return this.get(modelId);
  }

  async delete(modelId: string): Promise<void> {
    await this.get(modelId);
    await this.store.deleteLoggedModel(modelId, this.clock.now());
  }

  async setTags(modelId: string, tags: unknown): Promise<void> {
    const parsed = parseInput(z.array(TagInput).max(LIMITS.maxBatchTags), tags, 'tags');
    await this.get(modelId);
    await this.store.setLoggedModelTags(modelId, parsed, this.clock.now());
  }

  async deleteTag(modelId: string, key: string): Promise<void> {
    const model = await this.get(modelId);
    if (!model.tags.some((t) => t.key === key)) throw notFound(`No tag with key '${key}' on logged model '${modelId}'`);
    await this.store.deleteLoggedModelTag(modelId, key);
  }

  async logParams(modelId: string, params: unknown): Promise<void> {
    const parsed = parseInput(z.array(ParamInput).max(LIMITS.maxBatchParams), params, 'params');
    await this.get(modelId);
    await this.store.logLoggedModelParams(modelId, parsed);
  }

  async search(params: { experimentIds: string[]; filter?: string | null; orderBy?: string[] | null; maxResults?: number | null; pageToken?: string | null }): Promise<Page<LoggedModel>> {
    const maxResults = params.maxResults ?? 100;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > LIMITS.maxSearchRuns) {
      throw invalid(`max_results must be an integer between 1 and ${LIMITS.maxSearchRuns}`, 'max_results');
    }
    const offset = decodePageToken(params.pageToken);
    const items = await this.store.searchLoggedModels({
      experimentIds: params.experimentIds,
      filter: parseFilter(params.filter, 'logged_models'),
      orderBy: parseOrderBy(params.orderBy, 'logged_models'),
      maxResults: maxResults + 1,
      offset,
    });
    if (items.length > maxResults) return { items: items.slice(0, maxResults), nextPageToken: encodePageToken(offset + maxResults) };
    return { items };
  }
}
