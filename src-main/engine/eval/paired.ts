import type { PairedComparison, PairedDifference } from '../api-types';
import { rng } from '../model/rng';
import { drawWeights, percentile95, replicateMetrics, sortItems, type SortedItems } from './bootstrap';

/** Drive-level scores of two detectors on the same drives (the same labels), e.g. a model and Backblaze's rule. */
export interface PairedInput {
  model: Float32Array;
  baseline: Float32Array;
  positive: Uint8Array;
  /** The baseline's own threshold (the rule: any counter above zero). */
  baselineThreshold: number;
}

export interface PairedOptions {
  fars: number[];
  reps: number;
  seed: number;
}

/**
 * "Is the model better than the rule?", answered with a paired bootstrap over drives: every replicate draws one
 * set of drives and scores both detectors on it, so the interval is of the difference itself, not of two figures
 * that move together. Compared at the baseline's own operating point (the model held to the baseline's false-alarm
 * rate there), at each false-alarm rate, and on average precision.
 */
export function pairedComparison(input: PairedInput, o: PairedOptions): PairedComparison {
  const n = input.positive.length;
  const cluster = Int32Array.from({ length: n }, (_, i) => i);
  const model = sortItems({ score: input.model, label: input.positive, cluster, clusters: n });
  const base = sortItems({ score: input.baseline, label: input.positive, cluster, clusters: n });
  const threshold = Math.fround(input.baselineThreshold);
  const ones = new Int32Array(n).fill(1);
  const point = figures(model, base, ones, threshold, o.fars);
  const random = rng(o.seed);
  const w = new Int32Array(n);
  const diffs = { own: [] as number[], at: o.fars.map(() => [] as number[]), ap: [] as number[] };
  for (let r = 0; r < o.reps; r++) {
    drawWeights(n, random, w);
    const f = figures(model, base, w, threshold, o.fars);
    diffs.own.push(f.own.model - f.own.baseline);
    f.at.forEach((d, k) => diffs.at[k].push(d.model - d.baseline));
    diffs.ap.push(f.ap.model - f.ap.baseline);
  }
  const row = (far: number, p: { model: number; baseline: number }, d: number[]): PairedDifference => ({
    far,
    model: p.model,
    baseline: p.baseline,
    difference: p.model - p.baseline,
    interval: o.reps > 0 ? percentile95(d) : null,
  });
  const failed = input.positive.reduce((s, v) => s + v, 0);
  const result: Omit<PairedComparison, 'verdict'> = {
    failedDrives: failed,
    healthyDrives: n - failed,
    atBaselinePoint: row(point.ownFar, point.own, diffs.own),
    atFar: o.fars.map((far, k) => row(far, point.at[k], diffs.at[k])),
    averagePrecision: row(NaN, point.ap, diffs.ap),
    replicates: o.reps,
  };
  return { ...result, verdict: verdict(result) };
}

interface Figures {
  ownFar: number;
  own: { model: number; baseline: number };
  at: { model: number; baseline: number }[];
  ap: { model: number; baseline: number };
}

/** Both detectors on one weighting of the drives. */
function figures(
  model: SortedItems,
  base: SortedItems,
  w: Int32Array,
  threshold: number,
  fars: number[],
): Figures {
  const b = replicateMetrics(base, w, threshold, fars);
  // The model held to the false-alarm rate the baseline runs at on these drives.
  const m = replicateMetrics(model, w, Infinity, [...fars, b.far]);
  return {
    ownFar: b.far,
    own: { model: m.det[fars.length], baseline: b.recall },
    at: fars.map((_, k) => ({ model: m.det[k], baseline: b.det[k] })),
    ap: { model: m.ap, baseline: b.ap },
  };
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}`;
const signed = (v: number): string => `${v >= 0 ? '+' : ''}${pct(v)}`;

/** One plain sentence on the 1% false-alarm rate (or the first one asked for): better, worse, or too close to tell. */
export function verdict(c: Omit<PairedComparison, 'verdict'>): string {
  const at = c.atFar.find((r) => r.far === 0.01) ?? c.atFar[0];
  if (!at) return '';
  const where = `at a false-alarm rate of ${at.far * 100}%`;
  if (!at.interval)
    return `the model detects ${pct(at.model)}% of failing drives ${where}, the rule ${pct(at.baseline)}% (no interval computed)`;
  const [lo, hi] = at.interval;
  const span = `${signed(at.difference)} points, 95% interval ${signed(lo)} to ${signed(hi)}`;
  if (lo > 0) return `the model detects more failing drives than Backblaze's rule ${where}: ${span}`;
  if (hi < 0) return `Backblaze's rule detects more failing drives than the model ${where}: ${span}`;
  return `too few failed drives to tell these apart ${where}: ${c.failedDrives} failed drives (${span})`;
}
