import type { SeriesCube } from '../catalogue/windows';

/**
 * Backblaze's rule of thumb: a drive is suspect once any of these raw counters
 * (reallocated sectors, reported uncorrectable errors, command timeouts,
 * pending and offline-uncorrectable sectors) is above zero.
 */
export const BACKBLAZE_RULE_ATTRIBUTES = [
  'smart_5_raw',
  'smart_187_raw',
  'smart_188_raw',
  'smart_197_raw',
  'smart_198_raw',
];

/** The rule's graded score is a sum of whole counts, so "above zero" is a score of at least 0.5. */
export const BACKBLAZE_RULE_THRESHOLD = 0.5;

/** Iglewicz and Hoaglin's cut-off for the modified z-score: |z| > 3.5 is an outlier. */
export const ROBUST_Z_THRESHOLD = 3.5;

/** A drive model needs this many training drives for statistics of its own; smaller ones use the fleet's. */
const MIN_DRIVES_PER_MODEL = 20;
/** Cells sampled per model (evenly spaced), enough for medians to a fraction of a percent. */
const MAX_CELLS = 100_000;

export interface RobustCentre {
  median: number[];
  /** MAD / 0.6745 (so z is the modified z-score), or 1.2533 x mean absolute deviation where the MAD is 0; 0: unusable. */
  scale: number[];
}

/** Per-attribute centre and spread of the fleet, per drive model, on the scaled features the model sees. */
export interface RobustStats {
  features: string[];
  fleet: RobustCentre;
  byModel: Record<string, RobustCentre>;
}

/** The rule's graded score of one cube cell: the sum of the rule's counters present (missing counts as 0). */
export function ruleScore(cube: SeriesCube, cell: number, ruleColumns: number[]): number {
  const F = cube.features.length;
  let s = 0;
  for (const k of ruleColumns) {
    const v = cube.values[cell * F + k];
    if (v === v && v > 0) s += v;
  }
  return s;
}

/** The largest |modified z| over the attributes of one scaled cube cell. */
export function robustScore(cube: SeriesCube, cell: number, c: RobustCentre): number {
  const F = cube.features.length;
  let worst = 0;
  for (let k = 0; k < F; k++) {
    if (!(c.scale[k] > 0)) continue;
    const z = Math.abs(cube.values[cell * F + k] - c.median[k]) / c.scale[k];
    if (z > worst) worst = z;
  }
  return worst;
}

function centreOf(samples: Float32Array[]): RobustCentre {
  const median: number[] = [];
  const scale: number[] = [];
  for (const s of samples) {
    const sorted = s.slice().sort();
    const med = quantile(sorted, 0.5);
    const dev = sorted.map((v) => Math.abs(v - med)).sort();
    const mad = quantile(dev, 0.5);
    let meanAbs = 0;
    for (const d of dev) meanAbs += d;
    meanAbs /= Math.max(1, dev.length);
    median.push(med);
    scale.push(mad > 0 ? mad / 0.6745 : meanAbs > 0 ? 1.253314 * meanAbs : 0);
  }
  return { median, scale };
}

function quantile(sorted: Float32Array, q: number): number {
  if (sorted.length === 0) return 0;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Fits the robust z-score baseline on the training drives' reported days before
 * `beforeDay` (a cube day index). z is invariant to the scaler's affine step, so
 * fitting on scaled values equals fitting on log-compressed raw counters.
 */
export function fitRobust(
  cube: SeriesCube,
  trainRow: boolean[],
  modelOfRow: string[],
  beforeDay: number,
): RobustStats {
  const F = cube.features.length;
  const groups = new Map<string, number[]>();
  for (let row = 0; row < cube.driveIds.length; row++) {
    if (!trainRow[row]) continue;
    for (const key of ['*', modelOfRow[row]]) {
      const rows = groups.get(key) ?? [];
      rows.push(row);
      groups.set(key, rows);
    }
  }
  const sample = (rows: number[]): Float32Array[] => {
    let cells = 0;
    const days = Math.min(beforeDay, cube.days);
    for (const row of rows) for (let d = 0; d < days; d++) cells += cube.present[row * cube.days + d];
    const stride = Math.max(1, Math.ceil(cells / MAX_CELLS));
    const out = Array.from({ length: F }, () => new Float32Array(Math.ceil(cells / stride)));
    let seen = 0;
    let n = 0;
    for (const row of rows)
      for (let d = 0; d < days; d++) {
        const cell = row * cube.days + d;
        if (!cube.present[cell]) continue;
        if (seen++ % stride === 0) {
          for (let k = 0; k < F; k++) out[k][n] = cube.values[cell * F + k];
          n++;
        }
      }
    return out.map((a) => a.subarray(0, n));
  };
  const byModel: Record<string, RobustCentre> = {};
  for (const [key, rows] of groups)
    if (key !== '*' && rows.length >= MIN_DRIVES_PER_MODEL) byModel[key] = centreOf(sample(rows));
  return { features: cube.features, fleet: centreOf(sample(groups.get('*') ?? [])), byModel };
}
