/**
 * Model performance from delayed labels, folded per window into fixed-size accumulators: confusion
 * counts per class (bounded), score histograms per class for ROC AUC, log-loss and regression sums.
 */

/** The accumulators a window keeps (JSON, O(classes + AUC bins)). */
export interface PerformanceState {
  labeled: number;
  correct: number;
  classes: Record<string, { tp: number; fp: number; fn: number }>;
  logLossSum: number;
  logLossCount: number;
  /** Positive-class score histograms on AUC_BINS equal bins of [0, 1], for positives and negatives. */
  positiveScores: number[];
  negativeScores: number[];
  absErrorSum: number;
  squaredErrorSum: number;
  absPercentErrorSum: number;
  percentCount: number;
  labelSum: number;
  labelSquaresSum: number;
}

/** Metrics computed from a window's accumulators; null when not applicable or no labels yet. */
export interface PerformanceMetrics {
  labelCoverage: number | null;
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  rocAuc: number | null;
  logLoss: number | null;
  mae: number | null;
  rmse: number | null;
  mape: number | null;
  r2: number | null;
}

export const AUC_BINS = 1000;
const MAX_CLASSES = 100;
const EPS = 1e-15;

export function emptyPerformance(): PerformanceState {
  return {
    labeled: 0, correct: 0, classes: {}, logLossSum: 0, logLossCount: 0,
    positiveScores: new Array(AUC_BINS).fill(0), negativeScores: new Array(AUC_BINS).fill(0),
    absErrorSum: 0, squaredErrorSum: 0, absPercentErrorSum: 0, percentCount: 0, labelSum: 0, labelSquaresSum: 0,
  };
}

/** A classifier output read as a label and, when present, the positive class's probability. */
export function readClassifierOutput(output: unknown, positive: string): { label: string; score: number | null } | null {
  if (output === null || output === undefined) return null;
  if (typeof output === 'number') {
    // A fractional number is a probability of the positive class; an integer is a class label.
    if (!Number.isInteger(output) && output >= 0 && output <= 1) return { label: output >= 0.5 ? positive : `not ${positive}`, score: output };
    return { label: String(output), score: null };
  }
  if (typeof output === 'string' || typeof output === 'boolean') return { label: String(output), score: null };
  if (Array.isArray(output)) return output.length === 1 ? readClassifierOutput(output[0], positive) : null;
  const o = output as Record<string, unknown>;
  const probKey = Object.keys(o).find((k) => /probab/i.test(k));
  const probs = (o.probabilities ?? o.probability ?? o.scores ?? (probKey !== undefined ? o[probKey] : undefined)) as unknown;
  let score: number | null = null;
  if (probs && typeof probs === 'object' && !Array.isArray(probs)) {
    const p = (probs as Record<string, unknown>)[positive];
    if (typeof p === 'number') score = p;
  } else if (typeof probs === 'number') score = probs;
  else if (typeof o.score === 'number') score = o.score;
  // Converters name outputs freely (skl2onnx: output_label / output_probability).
  const labelKey = Object.keys(o).find((k) => /label$/i.test(k));
  const raw = o.label ?? o.prediction ?? o.predicted_label ?? o.class ?? (labelKey !== undefined ? o[labelKey] : undefined);
  if (raw === undefined || raw === null) return score === null ? null : { label: score >= 0.5 ? positive : `not ${positive}`, score };
  return { label: String(raw), score };
}

/** Fold one labeled classification row. */
export function addClassification(s: PerformanceState, output: unknown, label: unknown, positive: string): void {
  const read = readClassifierOutput(output, positive);
  if (!read || label === null || label === undefined) return;
  const truth = String(label);
  // A probability output predicts "not positive" under a generic name; compare as positive / not positive.
  const predicted = read.label.startsWith('not ') && read.score !== null ? (truth === positive ? `not ${positive}` : truth) : read.label;
  s.labeled++;
  const hit = read.score !== null ? (read.score >= 0.5) === (truth === positive) : predicted === truth;
  if (hit) s.correct++;
  const predictedClass = read.score !== null ? (read.score >= 0.5 ? positive : truth === positive ? `not ${positive}` : truth) : predicted;
  for (const cls of new Set([truth, predictedClass])) {
    if (!(cls in s.classes) && Object.keys(s.classes).length >= MAX_CLASSES) continue;
    const c = (s.classes[cls] ??= { tp: 0, fp: 0, fn: 0 });
    if (cls === truth && cls === predictedClass) c.tp++;
    else if (cls === predictedClass) c.fp++;
    else c.fn++;
  }
  if (read.score !== null) {
    const p = Math.min(1 - EPS, Math.max(EPS, read.score));
    s.logLossSum += truth === positive ? -Math.log(p) : -Math.log(1 - p);
    s.logLossCount++;
    const bin = Math.min(AUC_BINS - 1, Math.floor(Math.min(1, Math.max(0, read.score)) * AUC_BINS));
    (truth === positive ? s.positiveScores : s.negativeScores)[bin]!++;
  }
}

/** Fold one labeled regression row. */
export function addRegression(s: PerformanceState, output: unknown, label: unknown): void {
  const yHat = typeof output === 'number' ? output : Array.isArray(output) && typeof output[0] === 'number' ? output[0] : typeof output === 'object' && output !== null && typeof (output as Record<string, unknown>).prediction === 'number' ? ((output as Record<string, unknown>).prediction as number) : Number.NaN;
  const y = typeof label === 'number' ? label : Number(label);
  if (!Number.isFinite(yHat) || !Number.isFinite(y)) return;
  s.labeled++;
  const err = yHat - y;
  s.absErrorSum += Math.abs(err);
  s.squaredErrorSum += err * err;
  if (y !== 0) {
    s.absPercentErrorSum += Math.abs(err / y);
    s.percentCount++;
  }
  s.labelSum += y;
  s.labelSquaresSum += y * y;
}

/** Metrics from the accumulators; `predictions` is the window's predicted row count (coverage). */
export function performanceMetrics(s: PerformanceState, task: 'classification' | 'regression' | undefined, predictions: number, positive: string): PerformanceMetrics {
  const none: PerformanceMetrics = { labelCoverage: predictions > 0 ? Math.min(1, s.labeled / predictions) : null, accuracy: null, precision: null, recall: null, f1: null, rocAuc: null, logLoss: null, mae: null, rmse: null, mape: null, r2: null };
  if (s.labeled === 0 || !task) return none;
  if (task === 'regression') {
    const n = s.labeled;
    const sst = s.labelSquaresSum - (s.labelSum * s.labelSum) / n;
    return { ...none, mae: s.absErrorSum / n, rmse: Math.sqrt(s.squaredErrorSum / n), mape: s.percentCount ? s.absPercentErrorSum / s.percentCount : null, r2: sst > 0 ? 1 - s.squaredErrorSum / sst : null };
  }
  const classes = Object.entries(s.classes);
  const binary = classes.length <= 2 && positive in s.classes;
  const prf = (c: { tp: number; fp: number; fn: number }) => {
    const precision = c.tp + c.fp ? c.tp / (c.tp + c.fp) : 0;
    const recall = c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0;
    return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
  };
  let precision: number;
  let recall: number;
  let f1: number;
  if (binary) ({ precision, recall, f1 } = prf(s.classes[positive]!));
  else {
    // Macro average over classes, as scikit-learn's average='macro'.
    const all = classes.map(([, c]) => prf(c));
    precision = all.reduce((a, b) => a + b.precision, 0) / all.length;
    recall = all.reduce((a, b) => a + b.recall, 0) / all.length;
    f1 = all.reduce((a, b) => a + b.f1, 0) / all.length;
  }
  return { ...none, accuracy: s.correct / s.labeled, precision, recall, f1, rocAuc: auc(s.positiveScores, s.negativeScores), logLoss: s.logLossCount ? s.logLossSum / s.logLossCount : null };
}

// Mann–Whitney AUC on binned scores: ties within a bin count one half.
function auc(pos: number[], neg: number[]): number | null {
  const np = pos.reduce((a, b) => a + b, 0);
  const nn = neg.reduce((a, b) => a + b, 0);
  if (np === 0 || nn === 0) return null;
  let negBelow = 0;
  let sum = 0;
  for (let i = 0; i < pos.length; i++) {
    sum += pos[i]! * (negBelow + neg[i]! / 2);
    negBelow += neg[i]!;
  }
  return sum / (np * nn);
}
