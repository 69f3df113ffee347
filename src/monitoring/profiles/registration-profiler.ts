import { type Clock, systemClock } from '../../core/clock.js';
import { isAscentError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { ModelVersion, RegistryEvent } from '../../registry/model.js';
import type { RegistryService } from '../../registry/service.js';
import type { ArtifactStore } from '../../storage/artifacts/artifact-store.js';
import type { DatasetInput, Run } from '../../tracking/model.js';
import type { TrackingService } from '../../tracking/service.js';
import type { ProfileStatus } from '../model.js';
import type { MonitoringStore } from '../store.js';
import { datasetFormat, readDatasetColumns } from './dataset-file-reader.js';
import { fetchDataset, locateDataset, sourceUri, UnreadableSource } from './dataset-source.js';
import { profileColumns } from './reference-profile.js';

/** Dependencies and tuning of the registration profiler. */
export interface RegistrationProfilerOptions {
  store: MonitoringStore;
  registry: RegistryService;
  tracking: TrackingService;
  artifacts: ArtifactStore;
  clock?: Clock;
  /** How often new registry events are looked for when nothing kicked (default 1 s). */
  pollMs?: number;
  /** Read datasets from `file://` URIs and absolute paths on this server's disk (default true). */
  localFiles?: boolean;
  /** Larger dataset files are skipped (default 2 GiB). */
  maxBytes?: number;
  /** A `pending` claim older than this is taken over (its server died mid-way; default 10 min). */
  staleMs?: number;
  onError?: (err: unknown, context: string) => void;
}

/** The registry event seq up to which registrations have been handled. */
export const PROFILE_CURSOR = 'profiles.registry_seq';
const DATASET_CONTEXT_TAG = 'mlflow.data.context';
const PAGE = 100;

/**
 * Computes a version's reference profile from its source run's training dataset, after the
 * registration committed: it follows `version.created` events of the registry's durable event log
 * (a cursor in the store), so registration stays fast, a failure never fails it, and a version
 * registered while no server ran is profiled at the next start. Every outcome is recorded as the
 * version's ProfileStatus (computed, or skipped / failed with the reason).
 */
export class RegistrationProfiler {
  private readonly o: Required<Omit<RegistrationProfilerOptions, 'clock' | 'onError'>> & { clock: Clock; onError: (err: unknown, context: string) => void };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private kicked = false;

  constructor(options: RegistrationProfilerOptions) {
    this.o = {
      ...options,
      pollMs: options.pollMs ?? 1000,
      localFiles: options.localFiles ?? true,
      maxBytes: options.maxBytes ?? 2 * 1024 ** 3,
      staleMs: options.staleMs ?? 10 * 60_000,
      clock: options.clock ?? systemClock,
      onError: options.onError ?? (() => {}),
    };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Look for new registrations now (after a registry commit) rather than at the next poll. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) this.kicked = true;
    else this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((err: unknown) => this.o.onError(err, 'reference profiles'))
        .finally(() => {
          this.running = undefined;
          const again = this.kicked;
          this.kicked = false;
          this.schedule(again ? 0 : this.o.pollMs);
        });
    }, delay);
    this.timer.unref();
  }

  /** Handle every registration after the cursor; returns how many events were handled. */
  async runOnce(): Promise<number> {
    let handled = 0;
    for (;;) {
      const cursor = (await this.o.store.getCursor(PROFILE_CURSOR)) ?? 0;
      const events = await this.o.registry.store.events({ types: ['version.created'], afterSeq: cursor, limit: PAGE });
      for (const e of events) {
        if (this.stopped && this.timer !== undefined) return handled;
        await this.handle(e);
        await this.o.store.advanceCursor(PROFILE_CURSOR, e.seq, this.o.clock.now());
        handled++;
      }
      if (events.length < PAGE) return handled;
    }
  }

  private async handle(e: RegistryEvent): Promise<void> {
    if (e.version === null) return;
    const base: ProfileStatus = { modelName: e.modelName, modelVersion: e.version, status: 'pending', reason: null, profileId: null, dataset: null, updatedTime: this.o.clock.now() };
    if (!(await this.o.store.claimProfileStatus(base))) {
      // Another server has it (or had it and died mid-way: then take it over).
      const current = await this.o.store.getProfileStatus(e.modelName, e.version);
      if (!current || current.status !== 'pending' || base.updatedTime - current.updatedTime < this.o.staleMs) return;
    }
    let outcome: ProfileStatus;
    try {
      outcome = await this.profile(e.modelName, e.version, base);
    } catch (err) {
      this.o.onError(err, `reference profile of ${e.modelName} version ${e.version}`);
      outcome = { ...base, status: 'failed', reason: err instanceof Error ? err.message : String(err) };
    }
    await this.o.store.putProfileStatus({ ...outcome, updatedTime: this.o.clock.now() });
  }

  private async profile(name: string, versionName: string, base: ProfileStatus): Promise<ProfileStatus> {
    const skip = (reason: string, dataset: ProfileStatus['dataset'] = null): ProfileStatus => ({ ...base, status: 'skipped', reason, dataset });
    const version = await this.o.registry.getVersion(name, versionName).catch(notFoundAs(null));
    if (!version) return skip('the version no longer exists');
    if (!version.runId) return skip('no training dataset: the version has no source run');
    const run = await this.o.tracking.getRun(version.runId).catch(notFoundAs(null));
    if (!run) return skip(`no training dataset: run ${version.runId} no longer exists`);
    const input = trainingDataset(run);
    if (typeof input === 'string') return skip(input);
    const d = input.dataset;
    const dataset = { name: d.name, digest: d.digest, sourceType: d.sourceType, source: d.source };
    const uri = sourceUri(d);
    const format = datasetFormat(uri.split(/[?#]/)[0]!);
    if (!format) return skip(`unsupported dataset format: ${uri} (CSV, Parquet or JSON lines, by extension)`, dataset);
    let fetched: { file: string; release: () => void };
    try {
      const location = await locateDataset(uri, run.info.artifactUri, { tracking: this.o.tracking, artifacts: this.o.artifacts, localFiles: this.o.localFiles });
      fetched = await fetchDataset(location, this.o.artifacts, this.o.maxBytes);
    } catch (err) {
      if (err instanceof UnreadableSource || (isAscentError(err) && (err.code === 'NOT_FOUND' || err.code === 'INVALID_ARGUMENT'))) return skip(`source not readable: ${err.message}`, dataset);
      throw err;
    }
    try {
      const file = await readDatasetColumns(fetched.file, format).catch((err: unknown) => {
        if (isAscentError(err) && err.code === 'INVALID_ARGUMENT') throw new UnreadableSource(err.message);
        throw err;
      });
      if (file.rows === 0) return skip('the training dataset has no rows', dataset);
      const { features, prediction } = chooseColumns(file.columns.map((c) => c.name), version);
      if (features.length === 0) return skip("the training dataset has none of the model's input columns", dataset);
      const keep = new Set([...features, ...(prediction ? [prediction] : [])]);
      const profile = profileColumns({ columns: file.columns.filter((c) => keep.has(c.name)), rows: file.rows }, prediction ?? undefined);
      if (profile.features.length === 0 && !profile.prediction) return skip('no column of the training dataset can be monitored (all text)', dataset);
      const profileId = newId('prof');
      await this.o.store.putProfile({ profileId, modelName: name, modelVersion: versionName, source: 'training', createdTime: this.o.clock.now(), profile });
      return { ...base, status: 'computed', profileId, dataset };
    } catch (err) {
      if (err instanceof UnreadableSource) return skip(`source not readable: ${err.message}`, dataset);
      throw err;
    } finally {
      fetched.release();
    }
  }
}

/** The run's training dataset input, or why there is none. */
export function trainingDataset(run: Run): DatasetInput | string {
  const inputs = run.inputs.datasetInputs;
  if (inputs.length === 0) return 'no training dataset: the run logged no dataset input';
  const training = inputs.filter((i) => i.tags.some((t) => t.key === DATASET_CONTEXT_TAG && t.value.toLowerCase() === 'training'));
  if (training.length >= 1) return training[training.length - 1]!;
  if (inputs.length === 1) return inputs[0]!;
  return `no training dataset: ${inputs.length} dataset inputs, none with ${DATASET_CONTEXT_TAG}=training`;
}

/**
 * Features and the prediction column of a training dataset. With a signature naming its inputs,
 * the features are those columns; the prediction is a column named like a signature output, or
 * else the one column that is not an input (the target). Without one, every column is a feature.
 */
export function chooseColumns(columns: string[], version: Pick<ModelVersion, 'signature'>): { features: string[]; prediction: string | null } {
  const sig = parseSignatureNames(version.signature);
  const present = new Set(columns);
  let prediction = sig.outputs.find((n) => present.has(n)) ?? null;
  if (sig.inputs.length === 0) return { features: columns.filter((c) => c !== prediction), prediction };
  const inputs = new Set(sig.inputs);
  const features = columns.filter((c) => inputs.has(c));
  if (prediction === null) {
    const rest = columns.filter((c) => !inputs.has(c));
    if (rest.length === 1) prediction = rest[0]!;
  }
  return { features: features.filter((c) => c !== prediction), prediction };
}

function parseSignatureNames(json: string | null): { inputs: string[]; outputs: string[] } {
  if (!json) return { inputs: [], outputs: [] };
  try {
    const sig = JSON.parse(json) as { inputs?: unknown; outputs?: unknown };
    const names = (specs: unknown): string[] => {
      const list = typeof specs === 'string' ? (JSON.parse(specs) as unknown) : specs;
      return Array.isArray(list) ? list.map((s) => (s && typeof s === 'object' ? (s as { name?: unknown }).name : undefined)).filter((n): n is string => typeof n === 'string') : [];
    };
    return { inputs: names(sig.inputs), outputs: names(sig.outputs) };
  } catch {
    return { inputs: [], outputs: [] };
  }
}

const notFoundAs = <T>(value: T) => (err: unknown): T => {
  if (isAscentError(err) && err.code === 'NOT_FOUND') return value;
  throw err;
};
