import type { Curve, CurveSet } from '../api-types';
import type { ScoreSet } from './score-set';

/** Full-resolution curves: one point per distinct score, plus the ends. */
export interface RawCurves {
  roc: { x: Float64Array; y: Float64Array; t: Float64Array };
  pr: { x: Float64Array; y: Float64Array; t: Float64Array };
  rocAuc: number | null;
  averagePrecision: number | null;
}

/**
 * ROC (false-alarm rate, detection rate) and precision-recall points at every
 * distinct score. ROC-AUC by the trapezoid rule over every point (ties become
 * diagonal steps, i.e. count one half, as in the Mann-Whitney statistic);
 * average precision as sum over thresholds of (R_k - R_{k-1}) * P_k, the
 * step-wise definition scikit-learn uses (no interpolation).
 */
export function rawCurves(set: ScoreSet): RawCurves {
  const P = set.positives;
  const N = set.negatives;
  const n = set.distinctCount();
  const rx = new Float64Array(n + 1);
  const ry = new Float64Array(n + 1);
  const rt = new Float64Array(n + 1);
  const px = new Float64Array(n + 1);
  const py = new Float64Array(n + 1);
  const pt = new Float64Array(n + 1);
  rt[0] = Infinity;
  pt[0] = Infinity;
  let k = 1;
  for (const p of set.sweep()) {
    rx[k] = N ? p.fp / N : 0;
    ry[k] = P ? p.tp / P : 0;
    rt[k] = p.threshold;
    px[k] = ry[k];
    py[k] = p.tp / (p.tp + p.fp);
    pt[k] = p.threshold;
    k++;
  }
  // The precision-recall curve starts at recall 0 with the first point's precision.
  py[0] = n > 0 ? py[1] : 1;
  return {
    roc: { x: rx, y: ry, t: rt },
    pr: { x: px, y: py, t: pt },
    // One definition of the two areas (rocAucAndAp), one more pass over the scores.
    ...rocAucAndAp(set),
  };
}

/**
 * Ramer-Douglas-Peucker: keeps the points that carry the curve's shape (its
 * corners) and drops those that lie within `epsilon` of the line between kept
 * neighbours. The ends are always kept.
 */
export function simplify(x: ArrayLike<number>, y: ArrayLike<number>, epsilon: number): number[] {
  const n = x.length;
  if (n <= 2) return Array.from({ length: n }, (_, i) => i);
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[n - 1] = 1;
  const stack: [number, number][] = [[0, n - 1]];
  while (stack.length) {
    const [a, b] = stack.pop()!;
    const dx = x[b] - x[a];
    const dy = y[b] - y[a];
    const len = Math.hypot(dx, dy);
    let far = -1;
    let farDist = epsilon;
    for (let i = a + 1; i < b; i++) {
      const d =
        len > 0
          ? Math.abs(dy * (x[i] - x[a]) - dx * (y[i] - y[a])) / len
          : Math.hypot(x[i] - x[a], y[i] - y[a]);
      if (d > farDist) {
        farDist = d;
        far = i;
      }
    }
    if (far >= 0) {
      keep[far] = 1;
      stack.push([a, far], [far, b]);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push(i);
  return out;
}

/** At most `maxPoints` points: the smallest tolerance (from 1e-4 up, doubling) whose simplification fits. */
export function downsample(
  c: { x: ArrayLike<number>; y: ArrayLike<number>; t: ArrayLike<number> },
  maxPoints: number,
): Curve {
  let eps = 1e-4;
  let idx =
    c.x.length <= maxPoints ? Array.from({ length: c.x.length }, (_, i) => i) : simplify(c.x, c.y, eps);
  while (idx.length > maxPoints) {
    eps *= 2;
    idx = simplify(c.x, c.y, eps);
  }
  // JSON has no Infinity: the "flag nothing" end gets null.
  return {
    x: idx.map((i) => c.x[i]),
    y: idx.map((i) => c.y[i]),
    threshold: idx.map((i) => (Number.isFinite(c.t[i]) ? c.t[i] : null)),
  };
}

/** Trapezoid area under a curve given as points in x order. */
export function trapezoid(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let a = 0;
  for (let i = 1; i < x.length; i++) a += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return a;
}

export function curveSet(set: ScoreSet, maxPoints: number): CurveSet {
  const raw = rawCurves(set);
  return {
    roc: downsample(raw.roc, maxPoints),
    pr: downsample(raw.pr, maxPoints),
    rocAuc: raw.rocAuc,
    averagePrecision: raw.averagePrecision,
    positives: set.positives,
    negatives: set.negatives,
  };
}

/** The two areas alone, without building the curves' arrays. */
export function rocAucAndAp(set: ScoreSet): { rocAuc: number | null; averagePrecision: number | null } {
  const P = set.positives;
  const N = set.negatives;
  let auc = 0;
  let ap = 0;
  let lastTp = 0;
  let lastFp = 0;
  for (const p of set.sweep()) {
    if (N > 0 && P > 0) auc += ((p.fp - lastFp) / N) * ((p.tp + lastTp) / P / 2);
    if (P > 0) ap += ((p.tp - lastTp) / P) * (p.tp / (p.tp + p.fp));
    lastTp = p.tp;
    lastFp = p.fp;
  }
  return { rocAuc: P > 0 && N > 0 ? auc : null, averagePrecision: P > 0 ? ap : null };
}
