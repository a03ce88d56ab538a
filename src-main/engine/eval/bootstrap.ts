import { rng } from '../model/rng';

export type Interval = [number, number];

/** Scored items (windows or drives) and the drive each belongs to: drives are what the bootstrap resamples. */
export interface BootstrapInput {
  score: Float32Array;
  label: Uint8Array;
  /** The drive (0..clusters-1) of each item; for drive-level data, the item itself. */
  cluster: Int32Array;
  clusters: number;
  /** Lead time in days of each drive caught at the row's threshold, NaN for the others. */
  leadDays: Float64Array;
}

export interface BootstrapOptions {
  threshold: number;
  fars: number[];
  reps: number;
  seed: number;
}

export interface BootstrapIntervals {
  recall: Interval | null;
  far: Interval | null;
  precision: Interval | null;
  averagePrecision: Interval | null;
  detectionAtFar: (Interval | null)[];
  leadTimeMedian: Interval | null;
}

/** The 2.5th and 97.5th percentiles of the replicates that were defined. */
export function percentile95(values: number[]): Interval | null {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const at = (q: number): number => v[Math.min(v.length - 1, Math.max(0, Math.round(q * (v.length - 1))))];
  return [at(0.025), at(0.975)];
}

/** Items sorted from the highest score down, with each drive's positive and negative counts: ready for replicates. */
export interface SortedItems {
  score: Float32Array;
  label: Uint8Array;
  cluster: Int32Array;
  posOf: Int32Array;
  negOf: Int32Array;
  clusters: number;
}

export function sortItems(input: Omit<BootstrapInput, 'leadDays'>): SortedItems {
  const n = input.score.length;
  // Items from the highest score down, copied into that order once so each replicate's sweep reads memory in sequence.
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => input.score[b] - input.score[a]);
  const posOf = new Int32Array(input.clusters);
  const negOf = new Int32Array(input.clusters);
  for (let i = 0; i < n; i++) (input.label[i] ? posOf : negOf)[input.cluster[i]]++;
  return {
    score: Float32Array.from(order, (i) => input.score[i]),
    label: Uint8Array.from(order, (i) => input.label[i]),
    cluster: Int32Array.from(order, (i) => input.cluster[i]),
    posOf,
    negOf,
    clusters: input.clusters,
  };
}

/** One replicate's figures, the drives weighted by how often they were drawn (w). */
export interface ReplicateMetrics {
  recall: number;
  far: number;
  precision: number;
  ap: number;
  /** Detection at each of `fars`, the threshold chosen again in the replicate. */
  det: number[];
}

/** Draws a replicate: as many drives as there are, with replacement. */
export function drawWeights(clusters: number, random: () => number, w: Int32Array): Int32Array {
  w.fill(0);
  for (let k = 0; k < clusters; k++) w[Math.floor(random() * clusters)]++;
  return w;
}

/** The figures of one replicate of sorted items at `threshold` and at each false-alarm rate. */
export function replicateMetrics(
  it: SortedItems,
  w: Int32Array,
  threshold: number,
  fars: number[],
): ReplicateMetrics {
  const n = it.score.length;
  let P = 0;
  let N = 0;
  for (let c = 0; c < it.clusters; c++) {
    P += w[c] * it.posOf[c];
    N += w[c] * it.negOf[c];
  }
  const maxFp = fars.map((f) => Math.floor(f * N + 1e-9));
  const fpLimit = Math.max(...maxFp, 0);
  const det = fars.map(() => 0);
  let tp = 0;
  let fp = 0;
  let tpAt = 0;
  let fpAt = 0;
  let ap = 0;
  let lastRecall = 0;
  for (let k = 0; k < n;) {
    const v = it.score[k];
    const tpBefore = tp;
    while (k < n && it.score[k] === v) {
      const wi = w[it.cluster[k]];
      if (it.label[k]) tp += wi;
      else fp += wi;
      k++;
    }
    if (v >= threshold) {
      tpAt = tp;
      fpAt = fp;
    }
    // Recall moves only where a positive was passed (rare), and no FAR point is reachable past the largest limit.
    if (tp !== tpBefore) {
      const recall = tp / P;
      ap += (recall - lastRecall) * (tp / (tp + fp));
      lastRecall = recall;
    }
    if (fp <= fpLimit)
      for (let f = 0; f < fars.length; f++) if (fp <= maxFp[f]) det[f] = P > 0 ? tp / P : NaN;
  }
  return {
    recall: P > 0 ? tpAt / P : NaN,
    far: N > 0 ? fpAt / N : NaN,
    precision: tpAt + fpAt > 0 ? tpAt / (tpAt + fpAt) : NaN,
    ap: P > 0 ? ap : NaN,
    det: det.map((d) => (P > 0 ? d : NaN)),
  };
}

/**
 * Percentile bootstrap over drives: each replicate draws as many drives as
 * there are, with replacement (seeded), and recomputes detection rate,
 * false-alarm rate and precision at the threshold, average precision, the
 * detection rate at each false-alarm rate (its threshold chosen again in the
 * replicate) and the median lead time. A drive drawn twice counts twice.
 */
export function bootstrap(input: BootstrapInput, o: BootstrapOptions): BootstrapIntervals {
  const threshold = Math.fround(o.threshold);
  const items = sortItems(input);
  const caught: { cluster: number; lead: number }[] = [];
  for (let c = 0; c < input.clusters; c++)
    if (!Number.isNaN(input.leadDays[c])) caught.push({ cluster: c, lead: input.leadDays[c] });
  caught.sort((a, b) => a.lead - b.lead);
  const random = rng(o.seed);
  const w = new Int32Array(input.clusters);
  const out = {
    recall: [] as number[],
    far: [] as number[],
    precision: [] as number[],
    ap: [] as number[],
    det: o.fars.map(() => [] as number[]),
    lead: [] as number[],
  };
  for (let r = 0; r < o.reps; r++) {
    drawWeights(input.clusters, random, w);
    const m = replicateMetrics(items, w, threshold, o.fars);
    out.recall.push(m.recall);
    out.far.push(m.far);
    out.precision.push(m.precision);
    out.ap.push(m.ap);
    m.det.forEach((d, f) => out.det[f].push(d));
    out.lead.push(weightedMedian(caught, w));
  }
  return {
    recall: percentile95(out.recall),
    far: percentile95(out.far),
    precision: percentile95(out.precision),
    averagePrecision: percentile95(out.ap),
    detectionAtFar: out.det.map(percentile95),
    leadTimeMedian: percentile95(out.lead),
  };
}

/** Median of `lead` over drives weighted by how often each was drawn (items sorted by lead). */
function weightedMedian(items: { cluster: number; lead: number }[], w: Int32Array): number {
  let total = 0;
  for (const it of items) total += w[it.cluster];
  if (total === 0) return NaN;
  const expanded: number[] = [];
  // The two middle draws (equal for odd totals), as the unweighted median of the drawn multiset.
  const lo = Math.floor((total - 1) / 2);
  const hi = Math.floor(total / 2);
  let seen = 0;
  for (const it of items) {
    const c = w[it.cluster];
    if (seen + c > lo && expanded.length === 0) expanded.push(it.lead);
    if (seen + c > hi) {
      expanded.push(it.lead);
      break;
    }
    seen += c;
  }
  return (expanded[0] + expanded[expanded.length - 1]) / 2;
}
