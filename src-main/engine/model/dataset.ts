import { ApiError } from '../api-types';
import { loadCube, windowBatches, type SeriesCube } from '../catalogue/windows';
import type { Db } from '../store/db';
import { formatDay, parseDay } from '../import/row-fields';
import { splitDrives, type SplitName } from './split';
import { loadNative, type NativeModule } from './native/addon';

export interface DatasetConfig {
  /** Columns to learn from, e.g. smart_5_raw. */
  attributes: string[];
  /** S: consecutive days per window. */
  windowDays: number;
  /** H: a window is positive when its drive fails within H days after its last day. */
  horizonDays: number;
  stride: number;
  /**
   * Gap rule: a run of at most this many unreported days between two reported
   * ones is filled with the last reported values; a longer gap breaks the series,
   * so no window ever joins days further apart.
   */
  maxGapDays: number;
  /**
   * Beside each raw counter's level, its change since the day before (`smart_5_raw:change`): what makes the trees
   * strong (a counter that starts to climb), given to the sequence models as an input of their own.
   */
  dailyChanges?: boolean;
  /**
   * Standardise each drive model's values with that model's own mean and spread (models with at least
   * MIN_DRIVES_PER_MODEL training drives; the fleet's for the rest): counters whose normal level differs by vendor
   * (Seagate's read-error rate, a model's hours) then mean the same thing for every model.
   */
  scaleByModel?: boolean;
  valFraction: number;
  testFraction: number;
  /**
   * Optional time split ('YYYY-MM-DD'): every window ending on or after this day
   * is test data; training and validation (split by drive) keep the windows whose
   * label horizon closes before it, so no label peeks past the cut. null: split by drive only.
   */
  testFromDay: string | null;
  seed: number;
}

/**
 * Every model kind reads 4-day windows labelled failing within 7 days of the failure. Measured on the sample's
 * 5-fold cross-validation (bench:quality), each model beside Backblaze's rule on the same drives, AP (detection at
 * FAR 1%):
 * - trees, against 8-day windows and a 14-day horizon: 0.44 (0.56) to 0.53-0.56 (0.59-0.61) over five seeds, the
 *   rule 0.32 (0.46-0.48); the paired AP interval above zero for every seed (before: -1.3 to +22.2 points);
 * - against 16 and 14, where the rule scored 0.24 (0.47) on the 32 failed drives such windows leave, and 0.32 (0.46)
 *   on the 56 that 4-day windows give: the LSTM classifier 0.17 (0.38) to 0.47-0.52 (0.61-0.63), the LSTM
 *   autoencoder 0.22 (0.50) to 0.38 (0.61), the convolution autoencoder 0.24 (0.47) to 0.34 (0.46).
 * A shorter window gives a window to drives that failed within days of appearing (56 of the sample's failed
 * drives have one, against 52 with 8-day and 32 with 16-day windows), and a model learns from them. A 7-day horizon
 * labels as failing only the windows that look like it: two weeks out most failing drives still look healthy.
 * Changes over the window, its extremes and slope (trees) and daily changes (networks) carry what a longer window
 * showed.
 */
export const DEFAULT_DATASET: Omit<DatasetConfig, 'attributes'> = {
  windowDays: 4,
  horizonDays: 7,
  stride: 1,
  maxGapDays: 2,
  valFraction: 0.15,
  testFraction: 0.15,
  testFromDay: null,
  seed: 1,
};

/** Fitted on training drives only and saved with a model, so scoring transforms data the same way. */
export interface Scaler {
  features: string[];
  /** Raw counters are compressed with sign(x) * log1p(|x|) before standardising. */
  log1p: boolean[];
  mean: number[];
  std: number[];
  /** With scaleByModel: per drive model, its own mean and spread of each feature (a 0 spread: the fleet's). */
  byModel?: Record<string, { mean: number[]; std: number[] }>;
}

/** A drive model needs this many training drives for statistics of its own. */
export const MIN_DRIVES_PER_MODEL = 20;

export interface Dataset {
  config: DatasetConfig;
  scaler: Scaler;
  /** Transformed values of the kept features; missing values are 0 (the training mean). */
  cube: SeriesCube;
  split: SplitName[];
  /** The time split's first test day (days since 1970-01-01), or null. */
  testFrom: number | null;
  /** Failure day of each cube row's drive, or -1. */
  failureDay: Int32Array;
  /** Things the analyst should know: features dropped and why, gaps filled. */
  notices: string[];
  /**
   * With `keepRaw`: the kept features' untransformed values (gaps filled, missing = NaN) and the days each drive
   * really reported (before filling): what tree models read.
   */
  raw?: { cube: SeriesCube; reported: Uint8Array };
}

/** Fills short gaps in place (see DatasetConfig.maxGapDays); returns how many days were filled. */
export function fillGaps(cube: SeriesCube, maxGapDays: number): number {
  const F = cube.features.length;
  let filled = 0;
  for (let row = 0; row < cube.driveIds.length; row++) {
    const base = row * cube.days;
    let last = -1;
    for (let d = 0; d < cube.days; d++) {
      if (!cube.present[base + d]) continue;
      const gap = last < 0 ? 0 : d - last - 1;
      if (gap > 0 && gap <= maxGapDays) {
        for (let g = last + 1; g < d; g++) {
          cube.present[base + g] = 1;
          cube.values.copyWithin((base + g) * F, (base + last) * F, (base + last + 1) * F);
          filled++;
        }
      }
      last = d;
    }
  }
  return filled;
}

const compress = (v: number): number => Math.sign(v) * Math.log1p(Math.abs(v));

export const CHANGE_SUFFIX = ':change';
/** The stored attribute a model input is read from (`smart_5_raw:change` is computed from `smart_5_raw`). */
export const baseAttribute = (feature: string): string =>
  feature.endsWith(CHANGE_SUFFIX) ? feature.slice(0, -CHANGE_SUFFIX.length) : feature;

/**
 * The cube with each raw counter's change since the previous day added as a feature of its own (after the gaps
 * were filled, so a filled day changes by 0); missing where either day is. The raw columns keep their place.
 */
export function withDailyChanges(cube: SeriesCube): SeriesCube {
  const F = cube.features.length;
  const counters = cube.features.flatMap((f, k) => (f.endsWith('_raw') ? [k] : []));
  if (counters.length === 0) return cube;
  const G = F + counters.length;
  const C = counters.length;
  const cells = cube.driveIds.length * cube.days;
  const src = cube.values;
  const present = cube.present;
  const values = new Float32Array(cells * G);
  // Plain loops over typed arrays: a day's update runs this over every cell of 300,000 drives.
  for (let cell = 0; cell < cells; cell++) {
    const from = cell * F;
    const to = cell * G;
    for (let k = 0; k < F; k++) values[to + k] = src[from + k];
    const changes = cell % cube.days !== 0 && present[cell] === 1 && present[cell - 1] === 1;
    for (let j = 0; j < C; j++)
      values[to + F + j] = changes ? src[from + counters[j]] - src[from - F + counters[j]] : NaN;
  }
  return {
    ...cube,
    features: [...cube.features, ...counters.map((k) => cube.features[k] + CHANGE_SUFFIX)],
    values,
  };
}

/**
 * Fits the scaler on the training rows (and, with a time split, their days before
 * `beforeDay`, a cube day index); drops constant and all-missing features.
 */
export function fitScaler(
  cube: SeriesCube,
  rows: boolean[],
  beforeDay = cube.days,
  /** Each cube row's drive model: with it, the scaler also holds per-model statistics. */
  modelOfRow?: string[],
): { scaler: Scaler; dropped: string[] } {
  const F = cube.features.length;
  const log1p = cube.features.map((f) => /_raw(:change)?$/.test(f));
  const fleet = new Moments(F);
  const perModel = new Map<string, { drives: number; m: Moments }>();
  for (let row = 0; row < cube.driveIds.length; row++) {
    if (!rows[row]) continue;
    let model: { drives: number; m: Moments } | undefined;
    if (modelOfRow) {
      model = perModel.get(modelOfRow[row]) ?? { drives: 0, m: new Moments(F) };
      model.drives++;
      perModel.set(modelOfRow[row], model);
    }
    for (let d = 0; d < Math.min(beforeDay, cube.days); d++) {
      const cell = row * cube.days + d;
      if (!cube.present[cell]) continue;
      for (let k = 0; k < F; k++) {
        const raw = cube.values[cell * F + k];
        if (raw !== raw) continue;
        const v = log1p[k] ? compress(raw) : raw;
        fleet.add(k, v);
        model?.m.add(k, v);
      }
    }
  }
  const { sum, sq, n } = fleet;
  const kept: number[] = [];
  const dropped: string[] = [];
  for (let k = 0; k < F; k++) {
    const mean = n[k] ? sum[k] / n[k] : 0;
    const variance = n[k] ? sq[k] / n[k] - mean * mean : 0;
    if (n[k] === 0) dropped.push(`${cube.features[k]}: no value in the training drives`);
    else if (variance <= 1e-12 * Math.max(1, mean * mean))
      dropped.push(`${cube.features[k]}: constant in the training drives`);
    else kept.push(k);
  }
  const scaler: Scaler = {
    features: kept.map((k) => cube.features[k]),
    log1p: kept.map((k) => log1p[k]),
    mean: kept.map((k) => sum[k] / n[k]),
    std: kept.map((k) => Math.sqrt(Math.max(sq[k] / n[k] - (sum[k] / n[k]) ** 2, 0))),
  };
  if (modelOfRow) {
    scaler.byModel = {};
    for (const [model, { drives, m }] of [...perModel].sort((a, b) => a[0].localeCompare(b[0]))) {
      if (drives < MIN_DRIVES_PER_MODEL) continue;
      // A feature the model never varies (or never reports) keeps the fleet's statistics.
      const own = kept.map((k, g) => {
        const mean = m.n[k] ? m.sum[k] / m.n[k] : 0;
        const sd = m.n[k] ? Math.sqrt(Math.max(m.sq[k] / m.n[k] - mean * mean, 0)) : 0;
        return sd > 1e-6 * Math.max(1, Math.abs(mean))
          ? { mean, sd }
          : { mean: scaler.mean[g], sd: scaler.std[g] };
      });
      scaler.byModel[model] = { mean: own.map((o) => o.mean), std: own.map((o) => o.sd) };
    }
  }
  return { scaler, dropped };
}

/** Running sums per feature: count, sum and sum of squares. */
class Moments {
  readonly sum: Float64Array;
  readonly sq: Float64Array;
  readonly n: Float64Array;

  constructor(F: number) {
    this.sum = new Float64Array(F);
    this.sq = new Float64Array(F);
    this.n = new Float64Array(F);
  }

  add(k: number, v: number): void {
    this.sum[k] += v;
    this.sq[k] += v * v;
    this.n[k]++;
  }
}

/**
 * Applies a fitted scaler to a cube whose features include the scaler's: a new cube of the scaler's features.
 * A `:change` feature the cube lacks is computed from its counter as withDailyChanges would (scoring skips that
 * cube: at 300,000 drives it cost as much as the scaling). A scaler fitted per drive model needs each row's model
 * (`modelOfRow`); models it has no statistics for use the fleet's.
 */
export function applyScaler(cube: SeriesCube, scaler: Scaler, modelOfRow?: string[]): SeriesCube {
  const native = loadNative().module;
  const values = native ? scaleNative(native, cube, scaler, modelOfRow) : scaleInJs(cube, scaler, modelOfRow);
  return { ...cube, features: scaler.features, values };
}

/** applyScaler's values by the native engine: in JS the loop cost as much as the model at 300,000 drives. */
export function scaleNative(
  native: NativeModule,
  cube: SeriesCube,
  scaler: Scaler,
  modelOfRow?: string[],
): Float32Array {
  const plan = scalingPlan(cube, scaler, modelOfRow);
  const values = new Float32Array(cube.driveIds.length * cube.days * scaler.features.length);
  const statsOfRow = Int32Array.from({ length: cube.driveIds.length }, (_, row) => plan.setOfRow(row));
  native.scaleCells(
    cube.values,
    cube.present,
    cube.driveIds.length,
    cube.days,
    plan.src,
    plan.change,
    plan.log,
    statsOfRow,
    plan.mean,
    plan.sd,
    values,
  );
  return values;
}

/** applyScaler's values in JS (where the native engine is not built). */
export function scaleInJs(cube: SeriesCube, scaler: Scaler, modelOfRow?: string[]): Float32Array {
  const G = scaler.features.length;
  const plan = scalingPlan(cube, scaler, modelOfRow);
  const values = new Float32Array(cube.driveIds.length * cube.days * G);
  const { log, rawOf, mean, sd } = plan;
  // A counter mostly reads the same from one day to the next: its scaled value is reused, not computed again
  // (the same row has the same statistics, so the result is the same to the bit).
  const lastRaw = new Float32Array(G);
  const lastOut = new Float32Array(G);
  const { present, days } = cube;
  for (let row = 0; row < cube.driveIds.length; row++) {
    const set = plan.setOfRow(row) * G;
    lastRaw.fill(NaN);
    for (let cell = row * days; cell < (row + 1) * days; cell++) {
      if (!present[cell]) continue;
      const at = cell * G;
      for (let g = 0; g < G; g++) {
        const raw = rawOf(cell, g);
        // A feature missing on a reported day becomes the training mean: 0 after scaling.
        if (raw !== raw) continue;
        if (raw === lastRaw[g]) {
          values[at + g] = lastOut[g];
          continue;
        }
        const v = log[g] ? compress(raw) : raw;
        values[at + g] = (v - mean[set + g]) / sd[set + g];
        lastRaw[g] = raw;
        lastOut[g] = values[at + g];
      }
    }
  }
  return values;
}

/**
 * How to scale a cube's cells: where each of the scaler's features is read (a column, or its change: see
 * applyScaler), which are compressed, and the statistics: set 0 the fleet's, then one per drive model the scaler
 * has, G means and spreads each.
 */
function scalingPlan(
  cube: SeriesCube,
  scaler: Scaler,
  modelOfRow?: string[],
): {
  src: Int32Array;
  change: Uint8Array;
  log: Uint8Array;
  mean: Float64Array;
  sd: Float64Array;
  setOfRow: (row: number) => number;
  /** Feature g of a cell, unscaled (NaN: missing), as a float32 like the cube's values. */
  rawOf: (cell: number, g: number) => number;
} {
  const F = cube.features.length;
  const src = new Int32Array(scaler.features.length);
  const change = new Uint8Array(scaler.features.length);
  scaler.features.forEach((f, g) => {
    let k = cube.features.indexOf(f);
    if (k < 0 && f.endsWith(CHANGE_SUFFIX)) {
      k = cube.features.indexOf(baseAttribute(f));
      change[g] = 1;
    }
    if (k < 0) throw new ApiError('not-found', `the model needs ${f}, which this dataset lacks`);
    src[g] = k;
  });
  if (scaler.byModel && !modelOfRow)
    throw new Error('this scaler was fitted per drive model: give each row its model');
  const models = Object.entries(scaler.byModel ?? {});
  const setOfModel = new Map(models.map(([model], k) => [model, k + 1]));
  const sets = [scaler, ...models.map(([, m]) => m)];
  const { values, present, days } = cube;
  return {
    src,
    change,
    log: Uint8Array.from(scaler.log1p, Number),
    mean: Float64Array.from(sets.flatMap((m) => m.mean)),
    sd: Float64Array.from(sets.flatMap((m) => m.std)),
    setOfRow: (row) => (modelOfRow && setOfModel.get(modelOfRow[row])) || 0,
    rawOf: (cell, g) => {
      const at = cell * F + src[g];
      if (!change[g]) return values[at];
      // withDailyChanges' value: missing on a row's first day or next to a day without a reading.
      return cell % days !== 0 && present[cell] === 1 && present[cell - 1] === 1
        ? Math.fround(values[at] - values[at - F])
        : NaN;
    },
  };
}

/**
 * Scales one cell of `cube` (a drive's day) into `out` at `at`, as applyScaler does for every cell: for a reader
 * that needs a few cells (trees read raw values; only the robust baseline wants the window's last day scaled).
 */
export function cellScaler(
  cube: SeriesCube,
  scaler: Scaler,
  modelOfRow?: string[],
): (row: number, cell: number, out: Float32Array, at: number) => void {
  const G = scaler.features.length;
  const { log, rawOf, mean, sd, setOfRow } = scalingPlan(cube, scaler, modelOfRow);
  return (row, cell, out, at) => {
    if (!cube.present[cell]) return;
    const set = setOfRow(row) * G;
    for (let g = 0; g < G; g++) {
      const raw = rawOf(cell, g);
      if (raw !== raw) continue;
      const v = log[g] ? compress(raw) : raw;
      out[at + g] = (v - mean[set + g]) / sd[set + g];
    }
  };
}

/**
 * Everything the trainers need: the cube of every drive over the chosen
 * attributes, gaps filled by the rule, split by drive, scaled with statistics
 * of the training drives only.
 */
export function buildDataset(db: Db, config: DatasetConfig, opts: { keepRaw?: boolean } = {}): Dataset {
  if (config.attributes.length === 0) throw new ApiError('bad-request', 'choose at least one attribute');
  if (config.windowDays < 1 || config.horizonDays < 0 || config.stride < 1) {
    throw new ApiError('bad-request', 'window length and stride must be at least 1, the horizon at least 0');
  }
  const loaded = loadCube(db, config.attributes);
  const notices: string[] = [];
  if (loaded.outside)
    notices.push(
      `${loaded.outside} reading${loaded.outside === 1 ? '' : 's'} dated far from the rest of the data (more than 60 days from ${formatDay(loaded.firstDay)} to ${formatDay(loaded.firstDay + loaded.days - 1)}) were left out`,
    );
  const reported = opts.keepRaw ? loaded.present.slice() : null;
  const filled = fillGaps(loaded, config.maxGapDays);
  if (filled)
    notices.push(`${filled} unreported days inside gaps of at most ${config.maxGapDays} days were filled`);
  const raw = config.dailyChanges ? withDailyChanges(loaded) : loaded;
  const failureOf = new Map(
    (
      db.prepare('SELECT id, failure_day FROM drives WHERE failure_day IS NOT NULL').raw().all() as [
        number,
        number,
      ][]
    ).map(([id, day]) => [id, day]),
  );
  const failureDay = Int32Array.from(raw.driveIds, (id) => failureOf.get(id) ?? -1);
  const testFrom = config.testFromDay ? timeSplitDay(config.testFromDay, raw) : null;
  if (testFrom !== null && config.testFraction > 0)
    notices.push(
      `time split: the test set is every window ending on or after ${config.testFromDay}; the test fraction is not used`,
    );
  const split = splitDrives(
    [...failureDay].map((d) => d >= 0),
    testFrom === null ? config : { ...config, testFraction: 0 },
  );
  const modelOfRow = config.scaleByModel ? driveModelsOf(db, raw.driveIds) : undefined;
  const { scaler, dropped } = fitScaler(
    raw,
    split.map((s) => s === 'train'),
    testFrom === null ? raw.days : testFrom - raw.firstDay,
    modelOfRow,
  );
  for (const d of dropped) notices.push(`dropped ${d}`);
  if (scaler.features.length === 0)
    throw new ApiError('bad-request', 'no attribute varies in the training drives');
  if (scaler.byModel)
    notices.push(
      `scaled per drive model: ${Object.keys(scaler.byModel).length} models with at least ${MIN_DRIVES_PER_MODEL} training drives use their own statistics, the rest the fleet's`,
    );
  const cube = applyScaler(raw, scaler, modelOfRow);
  const kept = reported ? { cube: selectFeatures(raw, scaler.features), reported } : undefined;
  return { config, scaler, cube, split, testFrom, failureDay, notices, raw: kept };
}

/** Every drive's model, by id. */
export function driveModels(db: Db): Map<number, string> {
  return new Map(db.prepare('SELECT id, model FROM drives').raw().all() as [number, string][]);
}

/** Each cube row's drive model ('' when unknown). */
export function driveModelsOf(db: Db, driveIds: Int32Array): string[] {
  const model = driveModels(db);
  return Array.from(driveIds, (id) => model.get(id) ?? '');
}

/** The cube with only these features, in this order. */
export function selectFeatures(cube: SeriesCube, features: string[]): SeriesCube {
  const F = cube.features.length;
  const src = features.map((f) => cube.features.indexOf(f));
  if (src.every((k, i) => k === i) && features.length === F) return cube;
  const G = features.length;
  const cells = cube.driveIds.length * cube.days;
  const values = new Float32Array(cells * G);
  for (let cell = 0; cell < cells; cell++)
    for (let g = 0; g < G; g++) values[cell * G + g] = cube.values[cell * F + src[g]];
  return { ...cube, features, values };
}

function timeSplitDay(iso: string, cube: SeriesCube): number {
  const day = parseDay(iso);
  if (Number.isNaN(day))
    throw new ApiError('bad-request', `the time split day ${iso} is not a date (YYYY-MM-DD)`);
  if (day <= cube.firstDay || day >= cube.firstDay + cube.days)
    throw new ApiError(
      'bad-request',
      `the time split day ${iso} must fall inside the data (${formatDay(cube.firstDay)} to ${formatDay(cube.firstDay + cube.days - 1)}), after its first day`,
    );
  return day;
}

/**
 * The split a window belongs to, by its drive's cube row and its last day (days
 * since 1970-01-01): the drive's split, or with a time split 'test' from the cut
 * on, and null for a window whose label horizon straddles the cut.
 */
export function splitOfWindow(ds: Dataset, row: number, endDay: number): SplitName | null {
  if (ds.testFrom === null) return ds.split[row];
  if (endDay >= ds.testFrom) return 'test';
  return endDay + ds.config.horizonDays < ds.testFrom ? ds.split[row] : null;
}

export interface WindowQuery {
  splits: SplitName[];
  /** Autoencoders learn from drives that never failed. */
  healthyOnly: boolean;
  batchSize: number;
  /** Windows of the untransformed values (Dataset.raw) instead of the scaled ones. */
  raw?: boolean;
}

export interface LabelledBatch {
  /** count x S x F */
  x: Float32Array;
  /** 1 when the drive fails within the horizon after the window's last day. */
  y: Uint8Array;
  drive: Int32Array;
  endDay: Int32Array;
  count: number;
}

/** Streams labelled windows in batches; never more than one batch in memory. */
export function* labelledWindows(ds: Dataset, q: WindowQuery): Generator<LabelledBatch> {
  const wanted = new Set<SplitName | null>(q.splits);
  // Without a time split a drive's windows share its split, so whole drives are skipped early.
  const include = (row: number): boolean =>
    (ds.testFrom !== null || wanted.has(ds.split[row])) && !(q.healthyOnly && ds.failureDay[row] >= 0);
  const H = ds.config.horizonDays;
  const size = ds.config.windowDays * ds.cube.features.length;
  // The raw cube keeps the scaler's features in its order: windows of either cube have the same size.
  const cube = q.raw && ds.raw ? ds.raw.cube : ds.cube;
  for (const b of windowBatches(cube, ds.config.windowDays, q.batchSize, ds.config.stride, include)) {
    const y = new Uint8Array(b.count);
    let kept = 0;
    for (let i = 0; i < b.count; i++) {
      if (!wanted.has(splitOfWindow(ds, b.drive[i], b.endDay[i]))) continue;
      const fail = ds.failureDay[b.drive[i]];
      if (kept !== i) {
        b.data.copyWithin(kept * size, i * size, (i + 1) * size);
        b.drive[kept] = b.drive[i];
        b.endDay[kept] = b.endDay[i];
      }
      y[kept++] = fail >= 0 && fail - b.endDay[i] >= 0 && fail - b.endDay[i] <= H ? 1 : 0;
    }
    if (kept === 0) continue;
    yield { x: b.data, y, drive: b.drive, endDay: b.endDay, count: kept };
  }
}
