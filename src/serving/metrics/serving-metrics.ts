import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RollingStats, type StatsPoint } from './rolling-stats.js';

/** Labels of one prediction: which deployment, variant and model version served it. */
export interface PredictionLabels {
  deployment: string;
  variant: string;
  model: string;
  version: string;
  shadow: boolean;
}

/** Read at scrape time: live gauges the serving manager and inference log own. */
export interface ServingGaugeSource {
  variants(): { deployment: string; variant: string; model: string; version: string; ready: boolean; inFlight: number; queued: number }[];
  revisions(): { deployment: string; revision: number }[];
  logQueueDepth(): number;
  logDropped(): number;
  logFailed(): number;
}

// Model servers answer in ms or less; the buckets resolve the sub-10 ms range the targets care about.
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Prometheus metrics of the inference path (FACTS.md §7 naming: snake_case, unit suffixes, `_total`
 * counters, labels deployment/variant/model/version), on the one Registry the server exposes at
 * `/metrics`, plus per-variant rolling stats for the UI's live charts.
 */
export class ServingMetrics {
  readonly registry: Registry;
  private readonly requests: Counter<'deployment' | 'variant' | 'model' | 'version' | 'shadow'>;
  private readonly errors: Counter<'deployment' | 'variant' | 'model' | 'version' | 'shadow' | 'code'>;
  private readonly rejected: Counter<'deployment' | 'variant' | 'reason'>;
  private readonly latency: Histogram<'deployment' | 'variant' | 'model' | 'version' | 'shadow'>;
  private readonly stats = new Map<string, RollingStats>();
  private readonly children = new Map<string, { labels: Record<string, string>; requests: { inc(): void }; latency: { observe(v: number): void }; stats: RollingStats }>();

  constructor(options: { registry?: Registry; source?: () => ServingGaugeSource | undefined } = {}) {
    this.registry = options.registry ?? new Registry();
    const registers = [this.registry];
    const labels = ['deployment', 'variant', 'model', 'version', 'shadow'] as const;
    this.requests = new Counter({ name: 'ascent_inference_requests_total', help: 'Predictions served, by deployment, variant, model and version', labelNames: labels, registers });
    this.errors = new Counter({ name: 'ascent_inference_errors_total', help: 'Predictions that failed, by error code', labelNames: [...labels, 'code'], registers });
    this.rejected = new Counter({ name: 'ascent_inference_rejected_total', help: 'Requests refused before reaching a model (queue full, no ready variant, shadow skipped)', labelNames: ['deployment', 'variant', 'reason'], registers });
    this.latency = new Histogram({ name: 'ascent_inference_request_duration_seconds', help: 'Prediction latency including queueing, in seconds', labelNames: labels, buckets: LATENCY_BUCKETS, registers });
    const source = options.source ?? (() => undefined);
    new Gauge({
      name: 'ascent_inference_queue_depth', help: 'Requests waiting for a free slot of a variant', labelNames: ['deployment', 'variant'], registers,
      collect() {
        this.reset();
        for (const v of source()?.variants() ?? []) this.set({ deployment: v.deployment, variant: v.variant }, v.queued);
      },
    });
    new Gauge({
      name: 'ascent_inference_in_flight', help: 'Predictions running in a variant', labelNames: ['deployment', 'variant'], registers,
      collect() {
        this.reset();
        for (const v of source()?.variants() ?? []) this.set({ deployment: v.deployment, variant: v.variant }, v.inFlight);
      },
    });
    new Gauge({
      name: 'ascent_model_ready', help: 'Runtime health of a served model: 1 ready, 0 not (crashed or restarting)', labelNames: ['deployment', 'variant', 'model', 'version'], registers,
      collect() {
        this.reset();
        for (const v of source()?.variants() ?? []) this.set({ deployment: v.deployment, variant: v.variant, model: v.model, version: v.version }, v.ready ? 1 : 0);
      },
    });
    new Gauge({
      name: 'ascent_deployment_revision', help: 'Revision of each deployment this replica serves', labelNames: ['deployment'], registers,
      collect() {
        this.reset();
        for (const r of source()?.revisions() ?? []) this.set({ deployment: r.deployment }, r.revision);
      },
    });
    new Gauge({ name: 'ascent_inference_log_queue_depth', help: 'Inference records waiting to be written', registers, collect() { this.set(source()?.logQueueDepth() ?? 0); } });
    new Counter({ name: 'ascent_inference_log_dropped_total', help: 'Inference records dropped because the log queue was full', registers, collect() { this.reset(); this.inc(source()?.logDropped() ?? 0); } });
    new Counter({ name: 'ascent_inference_log_write_failures_total', help: 'Inference records lost because their batch failed to write', registers, collect() { this.reset(); this.inc(source()?.logFailed() ?? 0); } });
  }

  /** One finished prediction (successful or not). */
  observe(l: PredictionLabels, seconds: number, errorCode?: string): void {
    const key = `${l.deployment}\u0000${l.variant}\u0000${l.model}\u0000${l.version}\u0000${l.shadow}`;
    let c = this.children.get(key);
    if (!c) {
      // prom-client hashes the label set on every call; the hot path keeps the bound children instead.
      const labels = { deployment: l.deployment, variant: l.variant, model: l.model, version: l.version, shadow: l.shadow ? 'true' : 'false' };
      c = { labels, requests: this.requests.labels(labels), latency: this.latency.labels(labels), stats: this.statsOf(l.deployment, l.variant) };
      this.children.set(key, c);
    }
    c.requests.inc();
    c.latency.observe(seconds);
    if (errorCode) this.errors.inc({ ...c.labels, code: errorCode });
    c.stats.add(seconds * 1000, errorCode !== undefined);
  }

  /** A request refused before it reached a model. */
  reject(deployment: string, variant: string, reason: 'queue_full' | 'unavailable' | 'shadow_skipped'): void {
    this.rejected.inc({ deployment, variant, reason });
    if (reason !== 'shadow_skipped') this.statsOf(deployment, variant).add(0, true);
  }

  /** Live per-second series of each variant of a deployment (shadows included). */
  series(deployment: string, seconds: number): Record<string, StatsPoint[]> {
    const out: Record<string, StatsPoint[]> = {};
    for (const [key, s] of this.stats) {
      const [d, v] = JSON.parse(key) as [string, string];
      if (d === deployment) out[v] = s.series(seconds);
    }
    return out;
  }

  private statsOf(deployment: string, variant: string): RollingStats {
    const key = JSON.stringify([deployment, variant]);
    let s = this.stats.get(key);
    if (!s) this.stats.set(key, (s = new RollingStats()));
    return s;
  }
}
