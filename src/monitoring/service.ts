import { type Clock, systemClock } from '../core/clock.js';
import { invalid, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { parseInput } from '../core/validate.js';
import type { InferenceLogTail, LoggedPredictionRef } from '../serving/inference-log/log-tail.js';
import type { FeedbackRecord, InferenceRecord, InferenceSubscriber } from '../serving/inference-record.js';
import { AlertRaiser, type AlertListener, type RecordAlert } from './alerts/alert-raiser.js';
import { MonitorGauges, type GaugeRegistry } from './monitor-gauges.js';
import { buildReport, type MonitorReport } from './monitor-report.js';
import { type MonitorAlert, MonitorConfigInput, type MonitorConfig, type MonitorWindow, type ProfileStatus, type StoredMonitor, type StoredProfile } from './model.js';
import { addClassification, addRegression, emptyPerformance } from './performance/performance-accumulator.js';
import type { ReferenceProfile } from './profiles/reference-profile.js';
import { WindowSketch } from './sketches/window-sketch.js';
import type { MonitoringStore } from './store.js';
import { refreshWindow, windowQuality } from './window-report.js';

/** A logged prediction as the feedback join needs it (from serving's inference log). */
export interface LoggedPrediction {
  requestId: string;
  deployment: string;
  variant: string;
  timestamp: number;
  outputs: unknown[];
}

export type { AlertListener } from './alerts/alert-raiser.js';

/** Dependencies of the monitoring service. */
export interface MonitoringServiceOptions {
  store: MonitoringStore;
  /** Look predictions up by request id (serving's inference log) to join delayed labels. */
  lookupPredictions: (requestIds: readonly string[]) => Promise<LoggedPrediction[]>;
  clock?: Clock;
  /** Prometheus registry the drift and performance gauges are registered on. */
  metricsRegistry?: GaugeRegistry;
  onError?: (err: unknown, context: string) => void;
  /** Runs before feedback is joined, outside the serial chain (the server flushes the inference log). */
  beforeFeedback?: () => Promise<void>;
  /**
   * Stores an alert (default: the store alone). The server writes the alert row and its
   * `monitor.alert` registry event in one transaction, so a crash keeps both or neither.
   */
  recordAlert?: RecordAlert;
  /**
   * The stored inference log by position. With it, open windows are checkpointed with the log
   * position they cover and, after a crash, the predictions logged since are folded again.
   */
  logTail?: Pick<InferenceLogTail, 'positionOf' | 'lastPosition' | 'after'>;
  /** How often open windows are checkpointed (default 5 s; also when windows close and on stop). */
  checkpointMs?: number;
}

/** The inference-log position the checkpointed windows cover. */
export const FOLD_CURSOR = 'fold.inference_log';
/** Records folded between two turns of the event loop. */
const FOLD_SLICE = 100;
const REFOLD_PAGE = 500;
/** How long re-folded predictions are remembered, for the log handing them over once more after recovery. */
const REFOLDED_MEMORY_MS = 30_000;

interface OpenWindow {
  window: MonitorWindow;
  sketch: WindowSketch;
  profile: ReferenceProfile | null;
}

const EMPTY_PROFILE: ReferenceProfile = { rows: 0, features: [], prediction: null };
const MONITOR_CACHE_MS = 2000;

/**
 * Continuous monitoring of deployments: folds the inference log into per-window sketches, closes
 * windows into drift, data-quality and performance reports, joins delayed labels, and raises alerts
 * from rules. Registered as an InferenceSubscriber on serving's inference log.
 */
export class MonitoringService implements InferenceSubscriber {
  private readonly store: MonitoringStore;
  private readonly clock: Clock;
  private readonly lookup: MonitoringServiceOptions['lookupPredictions'];
  private readonly onError: (err: unknown, context: string) => void;
  private readonly beforeFeedback: () => Promise<void>;
  private readonly raiser: AlertRaiser;
  private readonly open = new Map<string, OpenWindow>();
  private readonly gauges: MonitorGauges | null;
  private monitors = new Map<string, StoredMonitor>();
  private monitorsLoaded = 0;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly tail: MonitoringServiceOptions['logTail'];
  private readonly checkpointMs: number;
  private lastCheckpoint = 0;
  private recovered = false;
  /** Log position covered by what is folded (from recovery) and the last record folded since. */
  private position: number | null = null;
  private lastFolded: LoggedPredictionRef | null = null;
  /** Predictions re-folded at recovery that the log may still hand over: folded once only. */
  private refolded = new Set<string>();
  private refoldedUntil = 0;

  constructor(options: MonitoringServiceOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.lookup = options.lookupPredictions;
    this.onError = options.onError ?? (() => {});
    this.beforeFeedback = options.beforeFeedback ?? (() => Promise.resolve());
    this.tail = options.logTail;
    this.checkpointMs = options.checkpointMs ?? 5000;
    this.gauges = options.metricsRegistry ? new MonitorGauges(options.metricsRegistry) : null;
    const recordAlert = options.recordAlert ?? ((a) => this.store.addAlert(a));
    this.raiser = new AlertRaiser({ store: this.store, clock: this.clock, recordAlert, gauges: this.gauges, onError: this.onError });
  }

  /** Serialize state changes: batches, feedback and ticks never interleave. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  // --- configuration -------------------------------------------------------------------------

  async configure(deployment: string, input: unknown): Promise<StoredMonitor> {
    if (!/^[A-Za-z0-9_.-]{1,200}$/.test(deployment)) throw invalid('deployment: letters, digits, _ . - only', 'deployment');
    const config: MonitorConfig = parseInput(MonitorConfigInput, input ?? {}, 'monitor');
    const names = new Set<string>();
    for (const r of config.rules) {
      if (names.has(r.name)) throw invalid(`rules: duplicate rule name '${r.name}'`, 'rules');
      names.add(r.name);
    }
    const existing = await this.store.getMonitor(deployment);
    const monitor: StoredMonitor = { deployment, config, ruleState: existing?.ruleState ?? {}, updatedTime: this.clock.now() };
    await this.store.putMonitor(monitor);
    this.monitors.set(deployment, monitor);
    return monitor;
  }

  async getMonitor(deployment: string): Promise<StoredMonitor> {
    const m = await this.store.getMonitor(deployment);
    if (!m) throw notFound(`No monitor for deployment '${deployment}'`);
    return m;
  }

  listMonitors(): Promise<StoredMonitor[]> {
    return this.store.listMonitors();
  }

  async deleteMonitor(deployment: string): Promise<void> {
    if (!(await this.store.deleteMonitor(deployment))) throw notFound(`No monitor for deployment '${deployment}'`);
    this.monitors.delete(deployment);
  }

  async putProfile(modelName: string, modelVersion: string, profile: ReferenceProfile, source: StoredProfile['source'] = 'upload'): Promise<StoredProfile> {
    if (!modelName || !modelVersion) throw invalid('model name and version are required', 'model');
    if (profile.features.length === 0 && !profile.prediction) throw invalid('the profile has no features to monitor', 'records');
    const stored: StoredProfile = { profileId: newId('prof'), modelName, modelVersion, source, createdTime: this.clock.now(), profile };
    await this.store.putProfile(stored);
    return stored;
  }

  async getProfile(modelName: string, modelVersion: string): Promise<StoredProfile> {
    const p = await this.store.latestProfile(modelName, modelVersion);
    if (!p) throw notFound(`No reference profile for ${modelName} version ${modelVersion}`);
    return p;
  }

  /** What became of computing the version's profile at registration (null: never attempted). */
  getProfileStatus(modelName: string, modelVersion: string): Promise<ProfileStatus | null> {
    return this.store.getProfileStatus(modelName, modelVersion);
  }

  /** Listen to alerts (pipelines' event triggers subscribe here); returns an unsubscribe. */
  onAlert(listener: AlertListener): () => void {
    return this.raiser.onAlert(listener);
  }

  // --- reading ---------------------------------------------------------------------------------

  /** Closed windows (newest first) plus the open ones, for reports and the UI. */
  async windows(deployment: string, q: { variant?: string; from?: number; to?: number; limit?: number } = {}): Promise<MonitorWindow[]> {
    const stored = await this.store.windows({ deployment, limit: Math.min(q.limit ?? 100, 1000), ...q });
    const live = [...this.open.values()]
      .filter((o) => o.window.deployment === deployment && (q.variant === undefined || o.window.variant === q.variant))
      .filter((o) => (q.from === undefined || o.window.start >= q.from) && (q.to === undefined || o.window.start < q.to))
      .map((o) => this.snapshot(o));
    // A checkpointed open window is stored too: the live one is newer.
    const liveKeys = new Set(live.map((w) => windowKey(w.deployment, w.variant, w.start)));
    return [...live, ...stored.filter((w) => !liveKeys.has(windowKey(w.deployment, w.variant, w.start)))].sort((a, b) => b.start - a.start || a.variant.localeCompare(b.variant));
  }

  /** Latest status per variant, the series over time and recent alerts of one deployment. */
  async report(deployment: string, q: { variant?: string; from?: number; limit?: number } = {}): Promise<MonitorReport> {
    const monitor = await this.getMonitor(deployment);
    const windows = await this.windows(deployment, { limit: q.limit ?? 200, ...q });
    const profiles = new Map<string, ReferenceProfile>();
    for (const id of new Set(windows.map((w) => w.profileId).filter((x): x is string => x !== null))) {
      const p = await this.store.getProfile(id);
      if (p) profiles.set(id, p.profile);
    }
    const alerts = await this.alerts({ deployment, limit: 50 });
    return buildReport(deployment, monitor.config.windowSeconds, windows, profiles, alerts);
  }

  alerts(q: { deployment?: string; from?: number; limit?: number } = {}): Promise<MonitorAlert[]> {
    return this.store.alerts({ ...q, limit: Math.min(q.limit ?? 100, 1000) });
  }

  private snapshot(o: OpenWindow): MonitorWindow {
    const monitor = this.monitors.get(o.window.deployment);
    const w = { ...o.window, sketch: o.sketch.toJSON() };
    return monitor ? refreshWindow(w, o.profile, monitor.config) : { ...w, quality: windowQuality(w.sketch) };
  }

  // --- the inference log subscriber ------------------------------------------------------------

  onPredictions(records: readonly InferenceRecord[]): Promise<void> {
    return this.serial(async () => {
      await this.recover();
      if (this.tail && this.position === null && records[0]) await this.startPosition(records[0]);
      await this.loadMonitors();
      for (let i = 0; i < records.length; i++) {
        // A flush hands over up to a thousand records at ~30-50 µs each: give the event loop (the
        // serving requests it shares) a turn every slice. Everything that changes windows runs in
        // this serial queue, so nothing else folds, checkpoints or closes windows meanwhile.
        if (i > 0 && i % FOLD_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        const r = records[i]!;
        if (this.refolded.size > 0 && this.refolded.delete(refKey(r))) continue;
        await this.fold(r, r.inputs);
      }
      const last = records[records.length - 1];
      if (last) this.lastFolded = { requestId: last.requestId, deployment: last.deployment, variant: last.variant, shadow: last.shadow };
      await this.closeDue();
    }).catch((err) => this.onError(err, 'monitoring predictions'));
  }

  private async fold(r: Omit<InferenceRecord, 'inputs'>, inputs: Record<string, unknown>[] | null): Promise<void> {
    const monitor = this.monitors.get(r.deployment);
    if (!monitor) return;
    const o = await this.windowFor(monitor, r);
    // A prediction re-read from the log without its inputs (not sampled) still counts as a request.
    o.sketch.addRequest(inputs ?? [], r.outputs, r.error);
  }

  /**
   * Once, before anything is folded: reopen the windows checkpointed open, then fold again what the
   * log holds after the checkpoint's position (predictions folded before a crash but not yet
   * checkpointed). Without a stored position, the first predictions handed over set it.
   */
  private async recover(): Promise<void> {
    if (this.recovered) return;
    this.recovered = true;
    // The periodic checkpoint counts from start-up.
    this.lastCheckpoint = this.clock.now();
    await this.loadMonitors();
    for (const w of await this.store.openWindows()) {
      const monitor = this.monitors.get(w.deployment);
      if (!monitor || this.open.has(windowKey(w.deployment, w.variant, w.start))) continue;
      await this.reopen(w);
    }
    if (!this.tail) return;
    const cursor = await this.store.getCursor(FOLD_CURSOR);
    // No checkpoint yet: the position is taken from the first predictions handed over.
    if (cursor === null) return;
    this.position = cursor;
    for (;;) {
      const page = await this.tail.after(this.position, REFOLD_PAGE);
      for (const { position, prediction } of page) {
        await this.fold(prediction, prediction.inputs);
        this.refolded.add(refKey(prediction));
        this.position = position;
      }
      if (page.length < REFOLD_PAGE) break;
    }
    this.refoldedUntil = this.clock.now() + REFOLDED_MEMORY_MS;
  }

  /**
   * The first predictions ever folded: everything before the first of them is not this service's
   * to fold, so the position just before it is recorded (the log may already hold later ones, which
   * it hands over next).
   */
  private async startPosition(first: InferenceRecord): Promise<void> {
    const at = await this.tail!.positionOf(first);
    this.position = at !== null ? at - 1 : await this.tail!.lastPosition();
    await this.store.advanceCursor(FOLD_CURSOR, this.position, this.clock.now());
  }

  /** Write every open window with the log position it covers, and `closed` ones as closed, in one transaction. */
  private async checkpoint(closed: OpenWindow[] = []): Promise<void> {
    const monitors = this.monitors;
    const doc = (o: OpenWindow, isClosed: boolean): MonitorWindow | null => {
      const monitor = monitors.get(o.window.deployment);
      return monitor ? refreshWindow({ ...o.window, sketch: o.sketch.toJSON(), closed: isClosed }, o.profile, monitor.config) : null;
    };
    const windows = [...closed.map((o) => doc(o, true)), ...[...this.open.values()].map((o) => doc(o, false))].filter((w): w is MonitorWindow => w !== null);
    let position = this.position;
    if (this.tail && this.lastFolded) {
      const at = await this.tail.positionOf(this.lastFolded);
      if (at !== null && (position === null || at > position)) position = at;
    }
    await this.store.checkpoint({ windows, ...(position !== null ? { cursor: { name: FOLD_CURSOR, value: position } } : {}), time: this.clock.now() });
    this.position = position;
    this.lastCheckpoint = this.clock.now();
    // Whatever recovery re-read has been handed over by now (the log delivers right after writing).
    if (this.refolded.size > 0 && this.clock.now() >= this.refoldedUntil) this.refolded.clear();
  }

  onFeedback(records: readonly FeedbackRecord[]): Promise<void> {
    return this.beforeFeedback()
      .then(() => this.serial(() => this.applyFeedback(records)))
      .catch((err) => this.onError(err, 'monitoring feedback'));
  }

  /** Close every window whose end has passed and checkpoint when due (the periodic tick; tests call it directly). */
  tick(): Promise<void> {
    return this.serial(async () => {
      await this.recover();
      await this.closeDue();
      if (this.open.size > 0 && this.clock.now() - this.lastCheckpoint >= this.checkpointMs) await this.checkpoint();
    });
  }

  start(intervalMs = 1000): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick().catch((err) => this.onError(err, 'monitoring tick')), intervalMs);
    this.timer.unref();
  }

  /** Stop ticking and checkpoint: windows past their end are stored closed, the others open (reopened at the next start). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.serial(async () => {
      if (!this.recovered) return;
      const now = this.clock.now();
      const due = [...this.open].filter(([, o]) => o.window.end <= now);
      for (const [key] of due) this.open.delete(key);
      await this.checkpoint(due.map(([, o]) => o));
      this.open.clear();
    });
  }

  private async loadMonitors(): Promise<void> {
    const now = this.clock.now();
    if (now - this.monitorsLoaded < MONITOR_CACHE_MS) return;
    this.monitors = new Map((await this.store.listMonitors()).map((m) => [m.deployment, m]));
    this.monitorsLoaded = now;
  }

  /** Put a stored window back in memory, its sketch continuing from what was stored. */
  private async reopen(stored: MonitorWindow): Promise<OpenWindow> {
    const profileRow = stored.profileId ? await this.store.getProfile(stored.profileId) : null;
    const profile = profileRow?.profile ?? null;
    const o = { window: { ...stored, closed: false }, sketch: new WindowSketch(profile ?? EMPTY_PROFILE, stored.sketch), profile };
    this.open.set(windowKey(stored.deployment, stored.variant, stored.start), o);
    return o;
  }

  private async windowFor(monitor: StoredMonitor, r: Omit<InferenceRecord, 'inputs'>): Promise<OpenWindow> {
    const size = monitor.config.windowSeconds * 1000;
    const start = Math.floor(r.timestamp / size) * size;
    const key = windowKey(r.deployment, r.variant, start);
    let o = this.open.get(key);
    if (o) return o;
    // A window reopened after a restart (or for a late prediction) continues from what was stored.
    const stored = await this.store.getWindow(r.deployment, r.variant, start);
    if (stored) return this.reopen(stored);
    const profileRow = await this.store.latestProfile(r.modelName, r.modelVersion);
    const profile = profileRow?.profile ?? null;
    const sketch = new WindowSketch(profile ?? EMPTY_PROFILE);
    const window: MonitorWindow = {
      deployment: r.deployment, variant: r.variant, start, end: start + size, modelName: r.modelName, modelVersion: r.modelVersion,
      profileId: profileRow?.profileId ?? null, sketch: sketch.toJSON(), drift: null, predictionDrift: null,
      quality: windowQuality(sketch.toJSON()), performance: emptyPerformance(), metrics: refreshWindow({ sketch: sketch.toJSON(), performance: emptyPerformance() } as MonitorWindow, null, monitor.config).metrics, closed: false,
    };
    o = { window, sketch, profile };
    this.open.set(key, o);
    return o;
  }

  /**
   * Close every window whose end has passed. Closing is a checkpoint (the closed windows, the open
   * ones and the log position in one transaction), so a re-fold after a crash never adds a
   * prediction to a window that already holds it.
   */
  private async closeDue(): Promise<void> {
    const now = this.clock.now();
    const due = [...this.open].filter(([, o]) => o.window.end <= now);
    if (due.length === 0) return;
    for (const [key] of due) this.open.delete(key);
    await this.checkpoint(due.map(([, o]) => o));
    for (const [, o] of due) {
      const monitor = this.monitors.get(o.window.deployment) ?? (await this.store.getMonitor(o.window.deployment));
      if (!monitor) continue;
      const w = refreshWindow({ ...o.window, sketch: o.sketch.toJSON(), closed: true }, o.profile, monitor.config);
      this.gauges?.record(w);
      await this.evaluate(monitor, w);
    }
  }

  private async evaluate(monitor: StoredMonitor, w: MonitorWindow): Promise<void> {
    const updated = await this.raiser.evaluate(monitor, w);
    this.monitors.set(updated.deployment, updated);
  }

  private async applyFeedback(records: readonly FeedbackRecord[]): Promise<void> {
    await this.recover();
    await this.loadMonitors();
    const wanted = records.filter((r) => this.monitors.has(r.deployment) && r.labels && r.labels.length > 0);
    if (wanted.length === 0) return;
    const predictions = new Map((await this.lookup(wanted.map((r) => r.requestId))).map((p) => [p.requestId, p]));
    const touched = new Map<string, MonitorWindow>();
    for (const f of wanted) {
      const p = predictions.get(f.requestId);
      const monitor = this.monitors.get(f.deployment)!;
      if (!p || p.deployment !== f.deployment) continue;
      const size = monitor.config.windowSeconds * 1000;
      const start = Math.floor(p.timestamp / size) * size;
      const key = windowKey(p.deployment, p.variant, start);
      const open = this.open.get(key);
      const w = open?.window ?? touched.get(key) ?? (await this.store.getWindow(p.deployment, p.variant, start));
      if (!w) continue;
      if (!open) touched.set(key, w);
      const positive = monitor.config.positiveLabel !== undefined ? String(monitor.config.positiveLabel) : '1';
      f.labels!.forEach((label, i) => {
        if (i >= p.outputs.length) return;
        if (monitor.config.task === 'regression') addRegression(w.performance, p.outputs[i], label);
        else if (monitor.config.task === 'classification') addClassification(w.performance, p.outputs[i], label, positive);
      });
    }
    for (const w of touched.values()) {
      const monitor = this.monitors.get(w.deployment)!;
      const profile = w.profileId ? ((await this.store.getProfile(w.profileId))?.profile ?? null) : null;
      const refreshed = refreshWindow(w, profile, monitor.config);
      await this.store.putWindow(refreshed);
      this.gauges?.record(refreshed);
      await this.evaluate(monitor, refreshed);
    }
  }
}

const windowKey = (deployment: string, variant: string, start: number) => `${deployment}\u0000${variant}\u0000${start}`;
const refKey = (r: { requestId: string; deployment: string; variant: string; shadow: boolean }) => `${r.requestId}\u0000${r.deployment}\u0000${r.variant}\u0000${r.shadow ? 1 : 0}`;

