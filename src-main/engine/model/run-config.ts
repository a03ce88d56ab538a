import type { ModelKind, TrainConfig } from '../api-types';
import type { Db } from '../store/db';
import { DEFAULT_DATASET, type DatasetConfig } from './dataset';
import { WINDOW_FEATURES } from './gbdt/window-features';
import type { ResolvedTrainConfig } from './run-store';
import { DEFAULT_LOOP } from './train';

/** The columns a model reads by default: raw SMART values filled in at least half of the readings. */
export function defaultAttributes(db: Db): string[] {
  const rows = db.prepare('SELECT sum(days_seen) FROM drives').pluck().get() as number | null;
  const names = db
    .prepare(
      "SELECT name FROM attributes WHERE kind = 'raw' AND present_rows >= ? ORDER BY present_rows DESC, slot LIMIT 21",
    )
    .pluck()
    .all(Math.max(1, (rows ?? 0) / 2)) as string[];
  if (names.length === 0)
    throw new Error('no SMART attribute is filled often enough to learn from; import data first');
  return names;
}

export function resolveConfig(db: Db, c: TrainConfig): ResolvedTrainConfig {
  const given = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as TrainConfig;
  const { healthyOnly: _byModel, ...loop } = DEFAULT_LOOP;
  const classifier = c.model === 'lstm-clf';
  const trees = c.model === 'gbdt';
  return {
    ...DEFAULT_DATASET,
    ...loop,
    units: c.model === 'lstm-ae' ? 128 : 64,
    depth: 0,
    filters: 32,
    dropout: 0,
    perDay: false,
    loss: classifier ? { kind: 'weighted-bce', positiveWeight: 100 } : { kind: 'mse' },
    clipNorm: 1,
    // The sequence models read each counter's daily change beside its level: on the sample's 5-fold
    // cross-validation it lifts the convolution autoencoder's AP from 0.18 to 0.24 (detection at FAR 5%: 0.53 to
    // 0.78) and the classifier's from 0.11 to 0.17.
    dailyChanges: true,
    // Scaling each drive model with its own statistics loses on the sample's 5-fold cross-validation
    // (bench:quality -- --scale-by-model): AP lstm-ae 0.215 -> 0.192, conv-ae 0.237 -> 0.186, lstm-clf 0.166 ->
    // 0.168; detection at FAR 1% 0.50 -> 0.38, 0.47 -> 0.34, 0.38 -> 0.38. A fleet-wide scale keeps a model's
    // unusual level visible, and that is part of the signal.
    scaleByModel: false,
    ...DEFAULT_TREES,
    ...(trees ? TREE_OVERRIDES : {}),
    folds: trees ? defaultFolds(db, given.testFraction ?? DEFAULT_DATASET.testFraction) : 0,
    ...given,
    attributes: c.attributes ?? defaultAttributes(db),
  };
}

/**
 * The settings a run of each kind gets when none is given, as the Train form shows them: the engine is their one
 * home, so the form cannot drift from what a run really uses. The attributes are left out (they depend on the data
 * and default to `defaultAttributes` at training).
 */
export function trainDefaults(db: Db): Record<ModelKind, TrainConfig> {
  const of = (model: ModelKind): TrainConfig => {
    const { attributes: _chosenAtTraining, ...rest } = resolveConfig(db, { model, attributes: [] });
    return rest;
  };
  return { 'lstm-ae': of('lstm-ae'), 'conv-ae': of('conv-ae'), 'lstm-clf': of('lstm-clf'), gbdt: of('gbdt') };
}

/** The tree settings every run carries (used by model 'gbdt' only). */
const DEFAULT_TREES = {
  rounds: 300,
  maxDepth: 2,
  maxLeaves: 0,
  minChildWeight: 5,
  lambda: 1,
  minSplitGain: 0,
  subsample: 0.8,
  colsample: 0.8,
  windowFeatures: [...WINDOW_FEATURES],
  driveModelInput: true,
  capacityInput: true,
  ruleInput: true,
  monotoneCounters: true,
  ensemble: 1,
  maxTrainWindows: 2_000_000,
} satisfies Partial<ResolvedTrainConfig>;

/**
 * Where trees differ from the sequence models' defaults: rate per round, the imbalance, early stopping in rounds.
 * Shallow trees with a floor on child weight: tens of failed drives do not support deeper ones (5-fold
 * cross-validation on the sample: depth 2 AP 0.41, depth 3 0.38, depth 4 0.30).
 */
const TREE_OVERRIDES = {
  learningRate: 0.05,
  loss: { kind: 'weighted-bce', positiveWeight: 50 },
  earlyStopPatience: 50,
} satisfies Partial<ResolvedTrainConfig>;

/** Cross-validate when the held-out split would hold fewer than 50 failed drives: its figures could not rank models. */
export function defaultFolds(db: Db, testFraction: number): number {
  const failed = db
    .prepare('SELECT count(*) FROM drives WHERE failure_day IS NOT NULL')
    .pluck()
    .get() as number;
  return Math.round(failed * testFraction) < 50 ? 5 : 0;
}

/** The dataset a run's settings describe. */
export function datasetConfigOf(c: ResolvedTrainConfig): DatasetConfig {
  const trees = c.model === 'gbdt';
  return {
    attributes: c.attributes,
    windowDays: c.windowDays,
    horizonDays: c.horizonDays,
    stride: c.stride,
    maxGapDays: c.maxGapDays,
    // Trees compute their own changes from the raw window (window-features.ts).
    dailyChanges: !trees && c.dailyChanges,
    // Trees split on raw values beside the drive model: a per-model shift is theirs to learn.
    scaleByModel: !trees && c.scaleByModel,
    valFraction: c.valFraction,
    // Cross-validation evaluates on every drive: none is held out of all models.
    testFraction: c.folds >= 2 ? 0 : c.testFraction,
    testFromDay: c.testFromDay ?? null,
    seed: c.seed,
  };
}
