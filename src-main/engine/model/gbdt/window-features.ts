import { WINDOW_FEATURES, type WindowFeature } from '../../api-types';
import type { SeriesCube, WindowBatch } from '../../catalogue/windows';
import { BACKBLAZE_RULE_ATTRIBUTES } from '../../eval/baselines';

/**
 * What a tree sees of one window, per chosen attribute (from the raw values, missing = NaN):
 * - `last`: the value on the window's last day;
 * - `delta1`, `delta7`, `deltaWindow`: its change over the last 1 and 7 days and over the whole window;
 * - `max`, `min`: the window's extremes;
 * - `slope`: the least-squares slope per day;
 * - `missingDays`: days of the window the drive did not report (gap-filled) or reported without this value.
 * Beside them, optionally, the drive's model (a category, ordered by the training drives' failure rate) and its
 * capacity in TB. Computed window by window from the cube: never one object per row.
 */
export { WINDOW_FEATURES };

export interface FeatureSpec {
  /** Cube columns, in cube order. */
  attributes: string[];
  kinds: WindowFeature[];
  driveModel: boolean;
  capacity: boolean;
  /** Backblaze's rule as an input: the sum of its raw counters (5/187/188/197/198) on the last day, and its change. */
  rule?: boolean;
}

export const DRIVE_MODEL_FEATURE = 'drive_model';
export const CAPACITY_FEATURE = 'capacity_tb';
export const RULE_FEATURE = 'backblaze_rule';
const RULE_KINDS = ['last', 'deltaWindow'] as const;

/** Feature names in matrix order: `smart_5_raw:last`, …, then `drive_model`, `capacity_tb`. */
export function featureNames(spec: FeatureSpec): string[] {
  const names = spec.attributes.flatMap((a) => spec.kinds.map((k) => `${a}:${k}`));
  if (spec.driveModel) names.push(DRIVE_MODEL_FEATURE);
  if (spec.capacity) names.push(CAPACITY_FEATURE);
  if (spec.rule && ruleColumns(spec.attributes).length)
    names.push(...RULE_KINDS.map((k) => `${RULE_FEATURE}:${k}`));
  return names;
}

/** The cube columns of the rule's counters among the attributes. */
export function ruleColumns(attributes: string[]): number[] {
  return BACKBLAZE_RULE_ATTRIBUTES.map((a) => attributes.indexOf(a)).filter((i) => i >= 0);
}

/**
 * The shape constraint of each feature: failure risk may only rise with the rule's counters (reallocated, pending,
 * uncorrectable sectors, command timeouts) and with their changes, so a drive with thousands of reallocated sectors
 * never scores below one with none for lack of such drives among tens of failures. Every other input is free.
 */
export function monotoneConstraints(features: string[]): number[] {
  const counters = new Set([...BACKBLAZE_RULE_ATTRIBUTES, RULE_FEATURE]);
  return features.map((f) => {
    const i = f.lastIndexOf(':');
    return i > 0 && counters.has(f.slice(0, i)) && f.slice(i + 1) !== 'missingDays' ? 1 : 0;
  });
}

/** The SMART attribute a feature is computed from, or the drive-level input's own name. */
export function attributeOf(feature: string): string {
  const i = feature.lastIndexOf(':');
  return i < 0 ? feature : feature.slice(0, i);
}

/** Per cube row: the drive model's code (NaN when unknown) and its capacity in TB. */
export interface DriveInputs {
  modelCode: Float32Array;
  capacityTb: Float32Array;
}

/**
 * The feature matrix (count x features, row-major) of a batch of windows of the raw cube (windows `from` on, into
 * `out`). `reported` is the cube's presence before short gaps were filled.
 */
export function windowFeatureMatrix(
  b: WindowBatch,
  cube: SeriesCube,
  reported: Uint8Array,
  S: number,
  spec: FeatureSpec,
  drives: DriveInputs,
  out = new Float32Array(b.count * featureNames(spec).length),
  from = 0,
): Float32Array {
  // The cube may hold more attributes after the spec's (a scoring loads the rule's counters too): windows are read
  // with the cube's stride, not copied to the spec's width first.
  const F = cube.features.length;
  const A = spec.attributes.length;
  if (spec.attributes.some((name, a) => cube.features[a] !== name))
    throw new Error(`the cube's attributes must begin with the trees' (${spec.attributes.join(', ')})`);
  const K = spec.kinds.length;
  const width = featureNames(spec).length;
  const at7 = Math.max(0, S - 8);
  const rule = spec.rule ? ruleColumns(spec.attributes) : [];
  const ruleSum = (base: number, d: number): number => {
    let s = 0;
    for (const a of rule) {
      const x = b.data[base + d * F + a];
      if (x === x && x > 0) s += x;
    }
    return s;
  };
  for (let w = from; w < b.count; w++) {
    const base = w * S * F;
    const firstCell = b.drive[w] * cube.days + (b.endDay[w] - S + 1 - cube.firstDay);
    let unreported = 0;
    for (let d = 0; d < S; d++) if (!reported[firstCell + d]) unreported++;
    let col = w * width;
    for (let a = 0; a < A; a++) {
      const v = (d: number): number => b.data[base + d * F + a];
      let max = -Infinity;
      let min = Infinity;
      let n = 0;
      let sx = 0;
      let sy = 0;
      let sxy = 0;
      let sxx = 0;
      let missing = unreported;
      for (let d = 0; d < S; d++) {
        const x = v(d);
        if (x !== x) {
          if (reported[firstCell + d]) missing++;
          continue;
        }
        if (x > max) max = x;
        if (x < min) min = x;
        n++;
        sx += d;
        sy += x;
        sxy += d * x;
        sxx += d * d;
      }
      const last = v(S - 1);
      const denom = n * sxx - sx * sx;
      for (let k = 0; k < K; k++) {
        let value: number;
        switch (spec.kinds[k]) {
          case 'last':
            value = last;
            break;
          case 'delta1':
            value = S > 1 ? last - v(S - 2) : NaN;
            break;
          case 'delta7':
            value = last - v(at7);
            break;
          case 'deltaWindow':
            value = last - v(0);
            break;
          case 'max':
            value = n ? max : NaN;
            break;
          case 'min':
            value = n ? min : NaN;
            break;
          case 'slope':
            value = n >= 2 && denom > 0 ? (n * sxy - sx * sy) / denom : NaN;
            break;
          case 'missingDays':
            value = missing;
            break;
        }
        out[col++] = value;
      }
    }
    if (spec.driveModel) out[col++] = drives.modelCode[b.drive[w]];
    if (spec.capacity) out[col++] = drives.capacityTb[b.drive[w]];
    if (rule.length) {
      const last = ruleSum(base, S - 1);
      out[col++] = last;
      out[col++] = last - ruleSum(base, 0);
    }
  }
  return out;
}

/**
 * Codes for drive models ordered by the training drives' failure rate (smoothed toward the fleet's), so a single
 * threshold on the code splits the models into likelier and less likely to fail: how LightGBM orders a binary
 * target's categories. A model not seen in training gets no code (missing).
 */
export function driveModelCodes(
  models: string[],
  failed: boolean[],
  train: boolean[],
): Record<string, number> {
  const stats = new Map<string, { n: number; f: number }>();
  let total = 0;
  let failures = 0;
  models.forEach((m, i) => {
    if (!train[i]) return;
    const s = stats.get(m) ?? { n: 0, f: 0 };
    s.n++;
    s.f += failed[i] ? 1 : 0;
    stats.set(m, s);
    total++;
    failures += failed[i] ? 1 : 0;
  });
  const prior = total ? failures / total : 0;
  const PRIOR_DRIVES = 20;
  const rate = (s: { n: number; f: number }): number => (s.f + PRIOR_DRIVES * prior) / (s.n + PRIOR_DRIVES);
  const ordered = [...stats.entries()].sort((a, b) => rate(a[1]) - rate(b[1]) || a[0].localeCompare(b[0]));
  return Object.fromEntries(ordered.map(([m], i) => [m, i]));
}
