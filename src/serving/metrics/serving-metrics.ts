import { Counter, Gauge, Registry, type Metric } from 'prom-client';
import { RollingStats, type StatsPoint } from './rolling-stats.js';

/** Labels of one prediction: which deployment, variant and model version served it. */
export interface PredictionLabels {
  deployment: string;
  variant: string;
  model: string;
  version: string;
  shadow: boolean;
}

/** One variant's live state, as the serving manager reports it at scrape time. */
export interface VariantState {
  deployment: string;
  variant: string;
  model: string;
  version: string;
  ready: boolean;
  inFlight: number;
  queued: number;
  /** Model calls its queue made, and the requests they served. */
  calls: number;
  callRequests: number;
}

/** Read at scrape time: live gauges the serving manager and inference log own. */
export interface ServingGaugeSource {
  variants(): VariantState[];
  revisions(): { deployment: string; revision: number }[];
  logQueueDepth(): number;
  logDropped(): number;
  logFailed(): number;
}

// Model servers answer in ms or less; the buckets resolve the sub-10 ms range the targets care about.
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The instruments of one (deployment, variant, model, version, shadow) label set, bound once and
 * cached by the caller: observing a prediction is a few additions, with no label hashing or
 * validation (prom-client's `labels()` children still hash and validate on every call). The totals
 * are read into the Prometheus metrics at scrape time.
 */
export class VariantMeter {
  requests = 0;
  sum = 0;
  /** Predictions per latency bucket (not cumulative); the last slot is above the largest bound. */
  readonly buckets = new Float64Array(LATENCY_BUCKETS.length + 1);

  constructor(readonly labels: Readonly<Record<string, string>>, private readonly stats: RollingStats, private readonly errors: Counter<string>) {}

  /** One finished prediction (successful or not). */
  observe(seconds: number, errorCode?: string): void {
    this.requests++;
    this.sum += seconds;
    let b = 0;
    while (b < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[b]!) b++;
    this.buckets[b]!++;
    if (errorCode !== undefined) this.errors.inc({ ...this.labels, code: errorCode });
    this.stats.add(seconds * 1000, errorCode !== undefined);
  }
}

/**
 * Prometheus metrics of the inference path (FACTS.md §7 naming: snake_case, unit suffixes, `_total`
 * counters, labels deployment/variant/model/version), on the one Registry the server exposes at
 * `/metrics`, plus per-variant rolling stats for the UI's live charts.
 */
export class ServingMetrics {
  readonly registry: Registry;
  private readonly errors: Counter<'deployment' | 'variant' | 'model' | 'version' | 'shadow' | 'code'>;
  private readonly rejected: Counter<'deployment' | 'variant' | 'reason'>;
  private readonly stats = new Map<string, RollingStats>();
  private readonly meters = new Map<string, VariantMeter>();

  constructor(options: { registry?: Registry; source?: () => ServingGaugeSource | undefined } = {}) {
    this.registry = options.registry ?? new Registry();
    const registers = [this.registry];
    const labels = ['deployment', 'variant', 'model', 'version', 'shadow'] as const;
    const meters = this.meters;
    new Counter({
      name: 'ascent_inference_requests_total', help: 'Predictions served, by deployment, variant, model and version', labelNames: labels, registers,
      collect() {
        this.reset();
        for (const m of meters.values()) this.inc(m.labels, m.requests);
      },
    });
    this.errors = new Counter({ name: 'ascent_inference_errors_total', help: 'Predictions that failed, by error code', labelNames: [...labels, 'code'], registers });
    this.rejected = new Counter({ name: 'ascent_inference_rejected_total', help: 'Requests refused before reaching a model (queue full, no ready variant, shadow skipped)', labelNames: ['deployment', 'variant', 'reason'], registers });
    // A registry metric is anything with get() and reset(); prom-client's types only name its own classes.
    this.registry.registerMetric(new MeterHistogram('ascent_inference_request_duration_seconds', 'Prediction latency including queueing, in seconds', meters) as unknown as Metric);
    const source = options.source ?? (() => undefined);
    // Per-variant values the queues own, read at scrape time. After reset(), inc() sets the value
    // (a counter has no set()); the counters restart with each revision's queues.
    const perVariant = (Kind: typeof Gauge | typeof Counter, name: string, help: string, value: (v: VariantState) => number) =>
      new (Kind as typeof Gauge)({
        name, help, labelNames: ['deployment', 'variant'], registers,
        collect() {
          this.reset();
          for (const v of source()?.variants() ?? []) this.inc({ deployment: v.deployment, variant: v.variant }, value(v));
        },
      });
    perVariant(Gauge, 'ascent_inference_queue_depth', 'Requests waiting for a free slot of a variant', (v) => v.queued);
    perVariant(Gauge, 'ascent_inference_in_flight', 'Predictions running in a variant', (v) => v.inFlight);
    // Dynamic batching: requests per model call is call_requests / calls.
    perVariant(Counter, 'ascent_model_calls_total', 'Model calls of a variant (one per batch of requests)', (v) => v.calls);
    perVariant(Counter, 'ascent_model_call_requests_total', 'Requests served by those model calls (divided by ascent_model_calls_total: the mean batch)', (v) => v.callRequests);
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

  /** The bound instruments of one label set (created on first use; callers keep them). */
  meter(l: PredictionLabels): VariantMeter {
    const key = `${l.deployment}\u0000${l.variant}\u0000${l.model}\u0000${l.version}\u0000${l.shadow}`;
    let m = this.meters.get(key);
    if (!m) {
      const labels = { deployment: l.deployment, variant: l.variant, model: l.model, version: l.version, shadow: l.shadow ? 'true' : 'false' };
      m = new VariantMeter(labels, this.statsOf(l.deployment, l.variant), this.errors);
      this.meters.set(key, m);
    }
    return m;
  }

  /** One finished prediction (successful or not); the hot path calls `meter(labels).observe` on a kept meter instead. */
  observe(l: PredictionLabels, seconds: number, errorCode?: string): void {
    this.meter(l).observe(seconds, errorCode);
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

/**
 * `ascent_inference_request_duration_seconds` read from the meters at scrape time, in the value
 * format prom-client's Histogram produces (so the registry writes the same exposition text).
 */
class MeterHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  constructor(readonly name: string, readonly help: string, private readonly meters: Map<string, VariantMeter>) {}

  get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const m of this.meters.values()) {
      let acc = 0;
      for (let b = 0; b < LATENCY_BUCKETS.length; b++) {
        acc += m.buckets[b]!;
        values.push({ labels: { le: LATENCY_BUCKETS[b]!, ...m.labels }, value: acc, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { le: '+Inf', ...m.labels }, value: m.requests, metricName: `${this.name}_bucket` });
      values.push({ labels: { ...m.labels }, value: m.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...m.labels }, value: m.requests, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** Registry.resetMetrics(): zero every meter. */
  reset(): void {
    for (const m of this.meters.values()) {
      m.requests = 0;
      m.sum = 0;
      m.buckets.fill(0);
    }
  }
}
