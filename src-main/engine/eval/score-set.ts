import { ApiError, type ConfusionMatrix, type ThresholdMetrics } from '../api-types';

/**
 * Scores are stored as float32, so thresholds are compared in float32 too:
 * a threshold typed as 0.7 flags a score shown as 0.7 (both are fround(0.7)).
 */
export const asScore = Math.fround;

/** First index whose value is >= t (as a float32) in an ascending array. */
export function lowerBound(a: Float32Array, threshold: number): number {
  const t = asScore(threshold);
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is > t (as a float32) in an ascending array. */
export function upperBound(a: Float32Array, threshold: number): number {
  const t = asScore(threshold);
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** The smallest float32 above x: a threshold that flags nothing at or below x. */
export function nextUp(x: number): number {
  f32[0] = x;
  if (f32[0] === 0) return 1.401298464324817e-45;
  if (f32[0] === Infinity) return Infinity;
  u32[0] += f32[0] > 0 ? 1 : -1;
  return f32[0];
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/** Every metric the threshold view shows, from the four counts. Undefined ratios (0/0) are null. */
export function metricsOf(threshold: number, m: ConfusionMatrix): ThresholdMetrics {
  const { tp, fp, tn, fn } = m;
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  const mccDen = Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
  return {
    threshold,
    matrix: { ...m },
    flagged: tp + fp,
    precision,
    recall,
    f1: ratio(2 * tp, 2 * tp + fp + fn),
    far: ratio(fp, fp + tn),
    specificity: ratio(tn, fp + tn),
    // Matthews: 0 when a row or column of the matrix is empty (the usual convention).
    mcc: tp + fp + tn + fn === 0 ? null : mccDen > 0 ? (tp * tn - fp * fn) / mccDen : 0,
  };
}

/** One distinct score in a sweep from the highest down: the counts flagged at threshold = score. */
export interface SweepPoint {
  threshold: number;
  tp: number;
  fp: number;
}

/**
 * Scores split by label and sorted once. Predicted positive means score >=
 * threshold, so the confusion matrix at any threshold is two binary searches.
 */
export class ScoreSet {
  /** Positives' scores, ascending. */
  readonly pos: Float32Array;
  /** Negatives' scores, ascending. */
  readonly neg: Float32Array;

  constructor(pos: Float32Array, neg: Float32Array) {
    this.pos = pos.sort();
    this.neg = neg.sort();
  }

  /**
   * From parallel scores and labels. A NaN or infinite score is refused:
   * `describe(i)` names the item (drive and day) in the error.
   */
  static from(
    scores: ArrayLike<number>,
    labels: ArrayLike<number>,
    describe: (i: number) => string = (i) => `item ${i}`,
  ): ScoreSet {
    if (scores.length !== labels.length)
      throw new ApiError('bad-request', `${scores.length} scores but ${labels.length} labels`);
    let p = 0;
    for (let i = 0; i < labels.length; i++) if (labels[i]) p++;
    const pos = new Float32Array(p);
    const neg = new Float32Array(labels.length - p);
    let ip = 0;
    let ineg = 0;
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i];
      if (!Number.isFinite(s))
        throw new ApiError(
          'bad-request',
          `the score of ${describe(i)} is ${s}; scores must be finite numbers`,
        );
      if (labels[i]) pos[ip++] = s;
      else neg[ineg++] = s;
    }
    return new ScoreSet(pos, neg);
  }

  get positives(): number {
    return this.pos.length;
  }
  get negatives(): number {
    return this.neg.length;
  }

  /** Predicted positive: score >= threshold, compared as float32 (see asScore). */
  countsAt(threshold: number): ConfusionMatrix {
    const tp = this.pos.length - lowerBound(this.pos, threshold);
    const fp = this.neg.length - lowerBound(this.neg, threshold);
    return { tp, fp, fn: this.pos.length - tp, tn: this.neg.length - fp };
  }

  metricsAt(threshold: number): ThresholdMetrics {
    return metricsOf(asScore(threshold), this.countsAt(threshold));
  }

  /** Lowest and highest score, or null for an empty set. */
  range(): { min: number; max: number } | null {
    const { pos, neg } = this;
    if (pos.length + neg.length === 0) return null;
    return {
      min: Math.min(pos.length ? pos[0] : Infinity, neg.length ? neg[0] : Infinity),
      max: Math.max(
        pos.length ? pos[pos.length - 1] : -Infinity,
        neg.length ? neg[neg.length - 1] : -Infinity,
      ),
    };
  }

  /** Every distinct score from the highest down, with the counts flagged at it (ties move together). */
  *sweep(): Generator<SweepPoint> {
    const { pos, neg } = this;
    let i = pos.length - 1;
    let j = neg.length - 1;
    let tp = 0;
    let fp = 0;
    while (i >= 0 || j >= 0) {
      const v = Math.max(i >= 0 ? pos[i] : -Infinity, j >= 0 ? neg[j] : -Infinity);
      while (i >= 0 && pos[i] === v) {
        tp++;
        i--;
      }
      while (j >= 0 && neg[j] === v) {
        fp++;
        j--;
      }
      yield { threshold: v, tp, fp };
    }
  }

  /** The smallest score above v, or just above v when none is: the lowest threshold that excludes v. */
  private above(v: number): number {
    const a = upperBound(this.pos, v);
    const b = upperBound(this.neg, v);
    const next = Math.min(
      a < this.pos.length ? this.pos[a] : Infinity,
      b < this.neg.length ? this.neg[b] : Infinity,
    );
    return Number.isFinite(next) ? next : nextUp(v);
  }

  /** The lowest threshold with at most `maxFp` false positives (so the most detections under that false-alarm count). */
  thresholdForFalsePositives(maxFp: number): number {
    const m = Math.floor(maxFp);
    const N = this.neg.length;
    if (m >= N) return this.range()?.min ?? 0;
    return this.above(this.neg[N - m - 1]);
  }

  /** The lowest threshold at which the false-alarm rate is at most `far`. */
  thresholdForFar(far: number): number {
    return this.thresholdForFalsePositives(far * this.neg.length + 1e-9);
  }

  /** The lowest threshold that flags at most `k` items in all. */
  thresholdForFlagged(k: number): number {
    const m = Math.floor(k);
    const n = this.pos.length + this.neg.length;
    if (m >= n) return this.range()?.min ?? 0;
    // The (m+1)-th largest score overall: walk the sweep, which stops early for small budgets.
    for (const p of this.sweep()) if (p.tp + p.fp > m) return this.above(p.threshold);
    return this.range()?.min ?? 0;
  }

  /** The threshold with the highest F1 (the highest such threshold on ties). */
  maxF1(): { threshold: number; f1: number } {
    let best = { threshold: nextUp(this.range()?.max ?? 0), f1: 0 };
    const P = this.pos.length;
    for (const p of this.sweep()) {
      const f1 = (2 * p.tp) / (P + p.tp + p.fp);
      if (f1 > best.f1) best = { threshold: p.threshold, f1 };
    }
    return best;
  }

  /**
   * Expected cost `missCost * FN + falseAlarmCost * FP` at every distinct
   * threshold (and at "flag nothing"); the cheapest threshold and the curve.
   */
  costCurve(
    missCost: number,
    falseAlarmCost: number,
  ): { best: { threshold: number; cost: number }; thresholds: Float64Array; costs: Float64Array } {
    const P = this.pos.length;
    const n = this.distinctCount() + 1;
    const thresholds = new Float64Array(n);
    const costs = new Float64Array(n);
    thresholds[0] = nextUp(this.range()?.max ?? 0);
    costs[0] = missCost * P;
    let k = 1;
    for (const p of this.sweep()) {
      thresholds[k] = p.threshold;
      costs[k++] = missCost * (P - p.tp) + falseAlarmCost * p.fp;
    }
    let b = 0;
    for (let i = 1; i < n; i++) if (costs[i] < costs[b]) b = i;
    return { best: { threshold: thresholds[b], cost: costs[b] }, thresholds, costs };
  }

  private distinct = -1;
  distinctCount(): number {
    if (this.distinct < 0) {
      let n = 0;
      const it = this.sweep();
      while (!it.next().done) n++;
      this.distinct = n;
    }
    return this.distinct;
  }
}
