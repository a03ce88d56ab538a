/** Training runs: the settings (TrainConfig), their progress and results, a run's record. */

export type ModelKind = 'lstm-ae' | 'conv-ae' | 'lstm-clf' | 'gbdt';

/** What a tree model sees of a window, per attribute (model/gbdt/window-features.ts), in matrix order. */
export const WINDOW_FEATURES = [
  'last',
  'delta1',
  'delta7',
  'deltaWindow',
  'max',
  'min',
  'slope',
  'missingDays',
] as const;
export type WindowFeature = (typeof WINDOW_FEATURES)[number];

export type LossSpec =
  | { kind: 'mse' }
  | { kind: 'weighted-bce'; positiveWeight: number }
  | { kind: 'focal'; gamma: number; alpha: number }
  | { kind: 'hard-negative'; ratio: number };

/**
 * A loss spike: a batch loss above `factor` times the median of the last
 * `window` batch losses (e.g. a loss of 0.005 that jumps to 3.6).
 */
export interface SpikeRule {
  /**
   * ratio: a batch loss above `factor` x the median of the last `window` losses. robust (the default): that, and
   * also more than `robustZ` robust standard deviations (MAD / 0.6745) above that median on a log scale, so a loss
   * whose batches vary by orders of magnitude as a matter of course (focal loss on rare failures) is not a train
   * of "spikes", while a jump far past its usual spread still is. A rule given without a kind is a ratio rule.
   */
  kind?: 'ratio' | 'robust';
  factor: number;
  window: number;
  robustZ?: number;
  /** record: note it; skip: drop that update; rollback: restore the last good weights and halve the learning rate. */
  action: 'record' | 'skip' | 'rollback';
}

/**
 * Everything one training run can be told; every field but `model` has a
 * default (see model/run-training.ts). Also the JSON of `train --config`.
 */
export interface TrainConfig {
  model: ModelKind;
  /** Default: the raw SMART attributes filled in at least half of the readings, at most 21. */
  attributes?: string[];
  windowDays?: number;
  horizonDays?: number;
  stride?: number;
  maxGapDays?: number;
  valFraction?: number;
  testFraction?: number;
  /** Time split: windows ending on or after this day ('YYYY-MM-DD') are the test set. */
  testFromDay?: string | null;
  /** LSTM width (autoencoder: 128 in the reference model; classifier: one width per layer). */
  units?: number;
  depth?: number;
  filters?: number;
  dropout?: number;
  perDay?: boolean;
  loss?: LossSpec;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  warmupSteps?: number;
  decay?: 'none' | 'cosine';
  oversample?: number;
  maxWindowsPerEpoch?: number;
  maxValWindows?: number;
  clipNorm?: number;
  spike?: SpikeRule;
  earlyStopPatience?: number;
  seed?: number;
  backend?: 'tensorflow' | 'native' | 'wasm' | 'cpu';
  /** Gradient-boosted trees (model 'gbdt'): boosting rounds (trees), at most. */
  rounds?: number;
  /** Trees: depth limit (0 = none, then maxLeaves); with maxLeaves > 0 trees grow leaf-wise. */
  maxDepth?: number;
  maxLeaves?: number;
  /** Trees: the least hessian sum in a child, the L2 penalty on leaf weights, the least gain of a split. */
  minChildWeight?: number;
  lambda?: number;
  minSplitGain?: number;
  /** Trees: the share of windows and of features each tree sees. */
  subsample?: number;
  colsample?: number;
  /** Trees: the per-attribute window features; and the drive's model and capacity as inputs. */
  windowFeatures?: WindowFeature[];
  driveModelInput?: boolean;
  capacityInput?: boolean;
  /** Trees: Backblaze's rule as an input (the sum of raw 5/187/188/197/198 on the last day, and its change). */
  ruleInput?: boolean;
  /** Trees: risk may only rise with the rule's counters and their changes (monotone constraints). */
  monotoneCounters?: boolean;
  /** Trees: the mean of this many models grown with successive seeds (1 = one model). */
  ensemble?: number;
  /** Sequence models: each raw counter's change since the day before as an input beside its level. */
  dailyChanges?: boolean;
  /** Sequence models: standardise each drive model with its own statistics (models with 20+ training drives). */
  scaleByModel?: boolean;
  /** Trees: training windows at most (every positive kept, negatives sampled); 0 = all. */
  maxTrainWindows?: number;
  /**
   * k-fold cross-validation by drive (stratified by failure): k models, every drive scored by the one that did not
   * see it, and a final model on all drives for new data. 0 = the held-out split. Default for trees: 5 when the
   * held-out split would hold fewer than 50 failed drives, else 0.
   */
  folds?: number;
}

export interface TrainProgress {
  runId: number;
  /** The engine in use, plainly: 'native', 'tensorflow', … and the device (CPU or GPU name). */
  backend: string;
  device: string;
  fraction: number;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  seqPerSec: number;
  etaSec: number | null;
  /** Every batch recorded since the previous report, so live charts miss none. */
  newBatches: BatchRecord[];
  /** Epochs finished since the previous report (with validation loss). */
  newEpochs: EpochSummary[];
}

export interface TrainResult {
  runId: number;
  status: 'done' | 'failed' | 'cancelled';
  backend: string;
  device: string;
  epochs: number;
  finalLoss: number | null;
  valLoss: number | null;
  seconds: number;
  notices: string[];
  error?: string;
}

export interface RunInfo {
  id: number;
  kind: ModelKind;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  config: TrainConfig;
  datasetFingerprint: string;
  backend: string;
  backendVersion: string;
  device: string;
  startedAt: string;
  finishedAt: string | null;
  seconds: number | null;
  epochsDone: number;
  finalLoss: number | null;
  valLoss: number | null;
  notices: string[];
  error: string | null;
  weightsDir: string | null;
  /** Whether the run has scored the drives (drive scores, heatmaps and evaluation need it). */
  scored: boolean;
  /** A stopped run with a checkpoint to continue from (runs/resume). */
  resumable: boolean;
  /** The analyst's name and note for the run (runs/annotate); null until given. */
  name: string | null;
  note: string | null;
  /** The search this run is a trial of, or null. */
  searchId: number | null;
  /** Once scored: drive-level average precision and detection at 1% false alarms on its evaluation set. */
  evaluation: { averagePrecision: number | null; detectionAtFar1: number | null } | null;
  /** The threshold the analyst chose in the Threshold tab, and how (null until one was chosen). */
  chosenThreshold: ChosenThreshold | null;
}

/** How a threshold was chosen: by hand on the slider, or by one of the presets. */
export type ThresholdChoice = 'slider' | 'max-f1' | 'far' | 'budget' | 'cost';

export interface ChosenThreshold {
  threshold: number;
  level: 'drive' | 'window';
  chosenBy: ThresholdChoice;
  /** In words, as the report prints it: "the lowest threshold with at most 1% false alarms". */
  reason: string;
  chosenAt: string;
}

/** One training batch as recorded: what the loss and gradient-norm charts plot. */
export interface BatchRecord {
  epoch: number;
  batch: number;
  loss: number;
  gradNorm: number;
  learningRate: number;
  spike: boolean;
}

export interface EpochSummary {
  epoch: number;
  trainLoss: number | null;
  valLoss: number | null;
  seconds: number | null;
}

export interface RunDetail extends RunInfo {
  epochs: EpochSummary[];
  batches: BatchRecord[];
  /** Trees: each input's total split gain in the final model, largest first (null for other kinds). */
  importance: { feature: string; gain: number }[] | null;
}

/** The runs slice of the Api. */
export interface RunsApi {
  'train/start': { req: { config: TrainConfig }; res: { jobId: string } };
  /** The settings a run of each kind gets when none is given (the Train form starts from them). */
  'train/defaults': { req: Record<string, never>; res: Record<ModelKind, TrainConfig> };
  'runs/list': { req: Record<string, never>; res: RunInfo[] };
  'runs/get': { req: { id: number }; res: RunDetail };
  'runs/delete': { req: { id: number }; res: { deleted: number } };
  'runs/score': { req: { id: number }; res: { jobId: string } };
  'runs/resume': { req: { id: number }; res: { jobId: string } };
  /** Names a run and keeps a note with it (null clears either). */
  'runs/annotate': { req: { id: number; name?: string | null; note?: string | null }; res: RunInfo };
  /** Records the threshold chosen for a run (the Threshold tab does on every choice). */
  'runs/threshold': {
    req: {
      runId: number;
      threshold: number;
      level: 'drive' | 'window';
      chosenBy: ThresholdChoice;
      reason: string;
    };
    res: ChosenThreshold;
  };
}

export const RUNS_KEYS: Record<keyof RunsApi, true> = {
  'train/start': true,
  'train/defaults': true,
  'runs/list': true,
  'runs/get': true,
  'runs/delete': true,
  'runs/score': true,
  'runs/resume': true,
  'runs/threshold': true,
  'runs/annotate': true,
};
