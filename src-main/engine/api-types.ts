/**
 * The one door between the UI and the engine: every request the engine answers
 * and every event it pushes, typed end to end. Electron IPC, the web-mode
 * HTTP/WebSocket server, the CLI and the tests all go through this table.
 * This file holds types and key lists only (no runtime dependencies), so the
 * preload and the renderer can import it.
 */

export type DriveStatus = 'all' | 'failed' | 'healthy';
export type DriveSort =
  | 'serial'
  | 'model'
  | 'capacity'
  | 'firstDay'
  | 'lastDay'
  | 'daysSeen'
  | 'failureDay'
  /** The drive's score under the run given with the query (its worst window). */
  | 'score';

export interface DriveRow {
  serial: string;
  model: string;
  capacityBytes: number | null;
  firstDay: string;
  lastDay: string;
  daysSeen: number;
  failureDay: string | null;
  /** With a run in the query: the drive's score (its worst window), null when it has none. */
  score?: number | null;
}

export interface AttributeInfo {
  name: string;
  smartId: number | null;
  kind: 'raw' | 'normalized' | 'extra';
  /** Share of all stored readings that have a value for it, 0..1. */
  fillRate: number;
}

export interface DatasetSummary {
  rows: number;
  drives: number;
  failures: number;
  days: number;
  firstDay: string | null;
  lastDay: string | null;
  models: { model: string; drives: number; failures: number }[];
  attributes: AttributeInfo[];
  files: number;
}

export interface DriveSeries {
  drive: DriveRow;
  days: string[];
  failure: number[];
  series: { name: string; values: (number | null)[] }[];
}

export interface ImportedFile {
  id: number;
  name: string;
  size: number;
  sha256: string;
  status: 'running' | 'done' | 'interrupted';
  rowsAccepted: number;
  rowsRejected: number;
  rowsDuplicate: number;
  startedAt: string;
  finishedAt: string | null;
}

export interface RejectedRow {
  file: string;
  line: number;
  reason: string;
  raw: string;
}

export interface ImportFileResult {
  name: string;
  status: 'imported' | 'already-imported' | 'refused' | 'interrupted';
  rowsAccepted: number;
  rowsRejected: number;
  rowsDuplicate: number;
  message?: string;
}

export interface ImportResult {
  files: ImportFileResult[];
  skipped: { name: string; reason: string }[];
  rowsAccepted: number;
  rowsRejected: number;
  rowsDuplicate: number;
  cancelled: boolean;
  seconds: number;
}

export interface ImportProgress {
  fraction: number;
  bytesDone: number;
  bytesTotal: number;
  rowsDone: number;
  rowsPerSec: number;
  etaSec: number | null;
  currentFile: string;
  filesDone: number;
  filesTotal: number;
}

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
 * `window` batch losses. DOMAIN.md: 0.005 then 3.6.
 */
export interface SpikeRule {
  factor: number;
  window: number;
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

export interface ScoreProgress {
  fraction: number;
  drives: number;
  windows: number;
}

export interface ScoreResult {
  runId: number;
  status: 'done' | 'cancelled';
  backend: string;
  drives: number;
  windows: number;
  seconds: number;
}

export interface DriveScore {
  serial: string;
  model: string;
  failureDay: string | null;
  windows: number;
  /** The drive's score: its worst window (reconstruction error, or probability). */
  score: number;
  /** Last day of that window. */
  scoreDay: string;
}

/** One drive under a scored run: what drive detail plots beside the raw attributes. */
export interface DriveErrors {
  runId: number;
  kind: ModelKind;
  serial: string;
  scoreName: string;
  /** Each window's last day and its score, in order. */
  days: string[];
  scores: number[];
  /**
   * The attributes the model reads and, per window, each one's part: autoencoders, its squared error on the window's
   * last day; trees, its push toward failure (the path contributions of its features, log-odds, where positive).
   */
  features: string[];
  dayErrors: number[][];
  /** The window "why flagged" explains: the first to reach the threshold, else the worst. */
  explained: { day: string; score: number; reason: 'first-alert' | 'worst-window' } | null;
  /** Each attribute's error over the explained window's days, and its share of the total, largest first. */
  contributions: { feature: string; error: number; share: number }[];
  /** Where the drive was in the run's split (null for runs from before splits were recorded). */
  split: 'train' | 'validation' | 'test' | null;
}

/** The worst drives of a run x days, coloured by the score of the window ending that day. */
export interface FleetHeatmap {
  runId: number;
  scoreName: string;
  /** Drives that matched (the heatmap shows the top ones). */
  total: number;
  drives: { serial: string; model: string; failureDay: string | null; score: number }[];
  days: string[];
  /**
   * drives.length x days.length, row-major; null where the drive has no window ending that day.
   * Rounded to 4 significant digits: a colour and a hover label, at half the bytes (the exact scores are in scores/drive).
   */
  z: (number | null)[];
}

/** Evaluation counts windows (labelled by the horizon) or drives (failed or not, flagged at any time). */
export type EvalLevel = 'window' | 'drive';

export interface ConfusionMatrix {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Everything at one threshold (predicted positive: score >= threshold); null where a ratio is 0/0. */
export interface ThresholdMetrics {
  threshold: number;
  matrix: ConfusionMatrix;
  /** tp + fp */
  flagged: number;
  precision: number | null;
  /** The detection rate. */
  recall: number | null;
  f1: number | null;
  /** The false-alarm rate: fp / (fp + tn). */
  far: number | null;
  specificity: number | null;
  mcc: number | null;
}

export interface ThresholdView extends ThresholdMetrics {
  level: EvalLevel;
  /** Drives that would have alerted (first crossing inside the evaluation period), per day of it. */
  alertsPerDay: number;
}

/** A curve ready to plot: thresholds are null at the "flag nothing" end. */
export interface Curve {
  x: number[];
  y: number[];
  threshold: (number | null)[];
}

export interface CurveSet {
  /** x: false-alarm rate, y: detection rate. */
  roc: Curve;
  /** x: recall, y: precision. */
  pr: Curve;
  rocAuc: number | null;
  averagePrecision: number | null;
  positives: number;
  negatives: number;
}

export type EvalSeries = 'model' | 'backblaze-rule' | 'robust-z';

export type ThresholdPreset =
  | { kind: 'max-f1' }
  | { kind: 'far'; far: number }
  /** k alerts (drives flagged) per day or per week of the evaluation period, on average. */
  | { kind: 'budget'; alerts: number; per: 'day' | 'week' }
  | { kind: 'cost'; missCost: number; falseAlarmCost: number };

export interface PresetResult {
  preset: ThresholdPreset;
  metrics: ThresholdView;
  /** For cost presets: expected cost over thresholds (downsampled) and the minimum. */
  cost?: { threshold: number[]; cost: number[]; best: number };
}

export interface EvalOverview {
  runId: number;
  kind: ModelKind;
  /** What the score means, for axis labels. */
  scoreName: string;
  /** How the evaluation set was chosen, in words. */
  evaluationSet: string;
  firstDay: string;
  lastDay: string;
  days: number;
  horizonDays: number;
  windows: { positives: number; negatives: number };
  drives: { positives: number; negatives: number };
  scoreRange: { min: number; max: number };
  /** The best-F1 threshold at the drive level: where the slider starts. */
  suggestedThreshold: number;
  series: EvalSeries[];
  notices: string[];
}

export interface LeadTimes {
  threshold: number;
  /** Failed drives in the evaluation set, and those alerted before failing. */
  failed: number;
  caught: number;
  median: number | null;
  mean: number | null;
  drives: { serial: string; model: string; failureDay: string; firstAlertDay: string; leadDays: number }[];
  /** Caught drives by lead time: bins of `binDays` days from 0. */
  histogram: { binDays: number; counts: number[] };
}

export interface AlertsByDay {
  threshold: number;
  days: string[];
  /** Drives whose first alert falls on the day (failed or not). */
  alerts: number[];
  falseAlerts: number[];
  perDay: number;
}

export type IntervalPair = [number, number] | null;

/** One row of the comparison table: the model, a baseline, or another run on the same test set. */
export interface EvalRow {
  name: string;
  source: 'model' | 'baseline' | 'run';
  runId?: number;
  description: string;
  /** The row's operating point and how it was chosen. */
  threshold: number;
  operatingPoint: string;
  matrix: ConfusionMatrix;
  precision: number | null;
  recall: number | null;
  far: number | null;
  f1: number | null;
  rocAuc: number | null;
  averagePrecision: number | null;
  detectionAtFar: { far: number; detection: number | null; threshold: number; interval: IntervalPair }[];
  leadTimeDays: { median: number | null; mean: number | null; caught: number; interval: IntervalPair };
  intervals: {
    recall: IntervalPair;
    far: IntervalPair;
    precision: IntervalPair;
    averagePrecision: IntervalPair;
  };
}

/** What `evaluate` prints: the model's row at the top level, then the baselines and comparable runs. */
/** A model against a baseline on the same drives at one false-alarm rate: both detection rates and their difference. */
export interface PairedDifference {
  /** The false-alarm rate both are held to (at the baseline's own point: the rate it runs at; NaN for AP rows). */
  far: number;
  model: number;
  baseline: number;
  difference: number;
  /** 95% paired bootstrap interval of the difference over drives (the same drives resampled for both). */
  interval: [number, number] | null;
}

/** "Better than the rule?": the paired comparison of a run with Backblaze's rule, drive level. */
export interface PairedComparison {
  failedDrives: number;
  healthyDrives: number;
  /** At the rule's own operating point (any counter above zero), the model held to the rule's false-alarm rate. */
  atBaselinePoint: PairedDifference;
  atFar: PairedDifference[];
  averagePrecision: PairedDifference;
  replicates: number;
  /** One plain sentence: better, worse, or too few failed drives to tell them apart. */
  verdict: string;
}

export interface EvalReport extends EvalRow {
  runId: number;
  /** Drive level, where the rule can be scored: the run against Backblaze's rule, paired. */
  vsRule: PairedComparison | null;
  level: EvalLevel;
  alertsPerDay: number;
  evaluationSet: string;
  firstDay: string;
  lastDay: string;
  positives: number;
  negatives: number;
  bootstrap: { replicates: number; seed: number; over: 'drives' };
  leadTimes: LeadTimes;
  baselines: EvalRow[];
  runs: EvalRow[];
  excludedRuns: { runId: number; reason: string }[];
  notices: string[];
}

export interface EvalReportRequest {
  runId: number;
  level?: EvalLevel;
  threshold?: number;
  far?: number;
  /** Alerts per day. */
  budget?: number;
  bootstrap?: number;
  seed?: number;
}

/** The parts of a report, in the order they print. */
export const REPORT_SECTIONS = ['dataset', 'model', 'threshold', 'results', 'flagged'] as const;
export type ReportSection = (typeof REPORT_SECTIONS)[number];

/** Which report: a scored run, and its threshold given, or chosen by a false-alarm rate or an alert budget. */
export interface ReportRequest {
  runId: number;
  threshold?: number;
  far?: number;
  /** Alerts per day. */
  budget?: number;
  sections?: ReportSection[];
  /** Flagged drives shown with a small error heatmap (default 5). */
  heatmaps?: number;
  /** Bootstrap replicates for the intervals (default 200). */
  bootstrap?: number;
}

export type ReportFormat = 'html' | 'pdf' | 'csv';

export interface ReportFlaggedDrive {
  serial: string;
  model: string;
  score: number;
  firstAlert: string;
  daysOfHistory: number;
  /** The day it failed, when it did. */
  failed: string | null;
  /** The attributes that make up most of its error on the alerting window (autoencoders). */
  top: { feature: string; share: number }[];
}

/** Everything a report shows, as numbers: what the HTML, PDF and CSV files are made from. */
export interface ReportData {
  title: string;
  generatedAt: string;
  appVersion: string;
  sections: ReportSection[];
  /** sha256 over the data files' hashes, the model's weights and the threshold: equal reports, equal prints. */
  fingerprint: string;
  fingerprintParts: { data: string; weights: string; threshold: string };
  dataset: {
    files: { name: string; sha256: string; rows: number }[];
    firstDay: string;
    lastDay: string;
    drives: number;
    failures: number;
    models: { model: string; drives: number; failures: number }[];
    attributes: string[];
  };
  model: {
    runId: number;
    kind: ModelKind;
    config: TrainConfig;
    backend: string;
    device: string;
    seconds: number | null;
    epochs: EpochSummary[];
    /** The training loss per batch, thinned to at most 2,000 points. */
    loss: { batch: number; loss: number }[];
    spikes: { count: number; rule: SpikeRule | null; handled: string };
    notices: string[];
  };
  threshold: {
    value: number;
    chosenBy: 'given' | 'far' | 'budget' | 'suggested';
    reason: string;
  };
  results: {
    drive: EvalReport;
    window: EvalReport;
    curves: CurveSet;
    /** Backblaze's rule on the same drives, drawn beside the model's curves. */
    ruleCurves: CurveSet | null;
    alerts: AlertsByDay;
  };
  flagged: {
    total: number;
    drives: ReportFlaggedDrive[];
    /** Small day x attribute error heatmaps of the top flagged drives. */
    heatmaps: { serial: string; days: string[]; features: string[]; z: (number | null)[][] }[];
  };
}

export interface ReportExportRequest extends ReportRequest {
  /** A folder; created if missing. */
  outDir: string;
  formats: ReportFormat[];
}

export interface ReportExport {
  fingerprint: string;
  files: { path: string; format: ReportFormat; bytes: number }[];
}

export type JobKind = 'import' | 'train' | 'score' | 'search';

export type JobProgress = ImportProgress | TrainProgress | ScoreProgress | SearchProgress;
export type JobResult = ImportResult | TrainResult | ScoreResult | SearchResult;

export function isImportProgress(p: JobProgress): p is ImportProgress {
  return 'bytesDone' in p;
}

export function isImportResult(r: JobResult): r is ImportResult {
  return 'files' in r;
}
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobInfo {
  id: string;
  kind: JobKind;
  state: JobState;
  label: string;
  progress: JobProgress | null;
  result: JobResult | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface AppInfo {
  version: string;
  dbPath: string;
  mode: 'electron' | 'web' | 'cli';
  sampleAvailable: boolean;
  empty: boolean;
  /** Web mode: the folders this page may import from and export to (the server adds them). */
  allowedRoots?: string[];
}

/** One tunable setting of a search, in the space file and the Api. */
export type SearchDimension =
  | { type: 'float'; min: number; max: number; default?: number }
  /** Searched on a log scale: learning rates, weights. */
  | { type: 'log-float'; min: number; max: number; default?: number }
  /** Whole numbers on a grid of `step` (a convolution's window: step 4), optionally on a log scale. */
  | { type: 'int'; min: number; max: number; step?: number; log?: boolean; default?: number }
  | { type: 'categorical'; values: (string | number | boolean)[]; default?: string | number | boolean };

/** The training settings a search can tune (`width` is another name for `units`). */
export const TUNABLE_FIELDS = [
  'model',
  'windowDays',
  'horizonDays',
  'stride',
  'maxGapDays',
  'units',
  'width',
  'depth',
  'filters',
  'dropout',
  'perDay',
  'loss',
  'positiveWeight',
  'focalGamma',
  'focalAlpha',
  'hardNegativeRatio',
  'learningRate',
  'batchSize',
  'warmupSteps',
  'decay',
  'oversample',
  'clipNorm',
  'earlyStopPatience',
  'rounds',
  'maxDepth',
  'maxLeaves',
  'minChildWeight',
  'lambda',
  'minSplitGain',
  'subsample',
  'colsample',
  'ensemble',
] as const;
export type TunableField = (typeof TUNABLE_FIELDS)[number];

/**
 * What a search explores: the fixed training settings (any TrainConfig field,
 * e.g. `model` and `epochs`) beside `dimensions`, the settings to tune.
 */
export type SearchSpace = Partial<TrainConfig> & {
  dimensions: Partial<Record<TunableField, SearchDimension>>;
};

/**
 * What a trial is judged by: its best validation loss (minimised), or, after
 * scoring every drive, the drive-level detection rate at a false-alarm rate or
 * the drive-level average precision of its test drives (maximised).
 */
export type SearchObjective =
  { kind: 'val-loss' } | { kind: 'detection-at-far'; far: number } | { kind: 'average-precision' };

export interface SearchSettings {
  space: SearchSpace;
  objective: SearchObjective;
  /** Trials to finish (pruned and failed ones count). */
  trials: number;
  /** Trials run at once, each in its own worker with its own engine (default 2: one per core here). */
  parallel?: number;
  /** Wall-time budget: no new trial starts after it, running ones finish. */
  maxMinutes?: number | null;
  /** Space-filling trials before the Gaussian process proposes (default: max(3, 2 x dimensions), at most trials/2). */
  initialTrials?: number;
  /** Stop a trial whose validation loss is worse than the median of finished trials at the same epoch (default on). */
  medianStopping?: boolean;
  seed?: number;
  name?: string;
}

export type SearchStatus = 'running' | 'done' | 'cancelled' | 'failed' | 'interrupted';
export type TrialStatus = 'running' | 'done' | 'pruned' | 'failed' | 'cancelled';
export type TrialSource = 'default' | 'initial' | 'gp' | 'random';

export interface SearchTrial {
  trial: number;
  params: Record<string, string | number | boolean>;
  status: TrialStatus;
  /** The objective as measured (null: failed, cancelled, or pruned under an objective needing a finished run). */
  objective: number | null;
  runId: number | null;
  source: TrialSource;
  /** What the surrogate expected it to gain when it was proposed. */
  expectedImprovement: number | null;
  startedAt: string;
  finishedAt: string | null;
  seconds: number | null;
  /** Validation loss after each epoch (what median stopping compares). */
  valLosses: number[];
  error: string | null;
}

export interface SearchInfo {
  id: number;
  name: string;
  status: SearchStatus;
  objective: SearchObjective;
  direction: 'minimize' | 'maximize';
  /** The trial budget and the time budget. */
  trials: number;
  maxMinutes: number | null;
  parallel: number;
  seed: number;
  createdAt: string;
  finishedAt: string | null;
  /** Wall time spent running, over every session of it. */
  seconds: number;
  /** Trials finished (done, pruned or failed). */
  finished: number;
  best: {
    trial: number;
    objective: number;
    runId: number | null;
    params: Record<string, string | number | boolean>;
  } | null;
  error: string | null;
}

export interface SearchDetail extends SearchInfo {
  space: SearchSpace;
  settings: SearchSettings;
  trialList: SearchTrial[];
  /** Each tuned setting's share of the surrogate's relevance (1/length scale², ARD); null before it is fitted. */
  importance: { name: string; share: number }[] | null;
  notices: string[];
}

export interface SearchProgress {
  searchId: number;
  fraction: number;
  finished: number;
  total: number;
  running: { trial: number; runId: number | null; epoch: number; epochs: number; valLoss: number | null }[];
  best: number | null;
  etaSec: number | null;
}

export interface SearchResult {
  searchId: number;
  status: 'done' | 'failed' | 'cancelled';
  finished: number;
  best: SearchInfo['best'];
  seconds: number;
  error?: string;
}

/** Request and response of every Api key. */
export interface ApiTable {
  'app/info': { req: Record<string, never>; res: AppInfo };
  'dataset/summary': { req: Record<string, never>; res: DatasetSummary };
  'drives/list': {
    req: {
      model?: string;
      status?: DriveStatus;
      search?: string;
      sort?: DriveSort;
      dir?: 'asc' | 'desc';
      offset?: number;
      limit?: number;
      /** Adds each drive's score under this run (and allows sorting by it). */
      runId?: number;
    };
    res: { total: number; rows: DriveRow[] };
  };
  'drives/models': { req: Record<string, never>; res: string[] };
  'drives/series': { req: { serial: string; attributes?: string[] }; res: DriveSeries };
  'import/start': { req: { paths: string[] }; res: { jobId: string } };
  'import/sample': { req: Record<string, never>; res: { jobId: string } };
  'import/files': { req: Record<string, never>; res: ImportedFile[] };
  'import/rejects': {
    req: { fileId?: number; offset?: number; limit?: number };
    res: { total: number; rows: RejectedRow[] };
  };
  'train/start': { req: { config: TrainConfig }; res: { jobId: string } };
  'runs/list': { req: Record<string, never>; res: RunInfo[] };
  'runs/get': { req: { id: number }; res: RunDetail };
  'runs/delete': { req: { id: number }; res: { deleted: number } };
  'runs/score': { req: { id: number }; res: { jobId: string } };
  'runs/resume': { req: { id: number }; res: { jobId: string } };
  'scores/top': {
    req: { runId: number; offset?: number; limit?: number };
    res: { total: number; rows: DriveScore[] };
  };
  'scores/drive': { req: { runId: number; serial: string; threshold?: number }; res: DriveErrors };
  'scores/heatmap': {
    req: { runId: number; top?: number; model?: string; days?: number };
    res: FleetHeatmap;
  };
  'eval/overview': { req: { runId: number }; res: EvalOverview };
  'eval/at': { req: { runId: number; level: EvalLevel; threshold: number }; res: ThresholdView };
  'eval/curves': {
    req: { runId: number; level: EvalLevel; series?: EvalSeries; maxPoints?: number };
    res: CurveSet;
  };
  'eval/preset': { req: { runId: number; level: EvalLevel; preset: ThresholdPreset }; res: PresetResult };
  'eval/lead-times': { req: { runId: number; threshold: number; binDays?: number }; res: LeadTimes };
  'eval/alerts': { req: { runId: number; threshold: number }; res: AlertsByDay };
  'eval/report': { req: EvalReportRequest; res: EvalReport };
  'search/start': { req: SearchSettings; res: { searchId: number; jobId: string } };
  'search/list': { req: Record<string, never>; res: SearchInfo[] };
  'search/get': { req: { id: number }; res: SearchDetail };
  /** Continues a cancelled or interrupted search (optionally with a larger budget). */
  'search/resume': {
    req: { id: number; trials?: number; maxMinutes?: number | null };
    res: { searchId: number; jobId: string };
  };
  'search/cancel': { req: { id: number }; res: SearchInfo };
  /** A report's content (the Reports view's preview). */
  'report/build': { req: ReportRequest; res: ReportData };
  /** The report written as files: self-contained HTML, PDF (Chromium), CSV tables. */
  'report/export': { req: ReportExportRequest; res: ReportExport };
  'jobs/list': { req: Record<string, never>; res: JobInfo[] };
  'jobs/get': { req: { id: string }; res: JobInfo };
  'jobs/cancel': { req: { id: string }; res: JobInfo };
}

export type ApiKey = keyof ApiTable;
export type ApiRequest<K extends ApiKey> = ApiTable[K]['req'];
export type ApiResponse<K extends ApiKey> = ApiTable[K]['res'];

/** Everything the engine pushes. */
export interface Events {
  'job/progress': { jobId: string; kind: JobKind; progress: JobProgress };
  'job/finished': JobInfo;
  'data/changed': { reason: string };
}
export type EventKey = keyof Events;

export const API_KEYS = [
  'app/info',
  'dataset/summary',
  'drives/list',
  'drives/models',
  'drives/series',
  'import/start',
  'import/sample',
  'import/files',
  'import/rejects',
  'train/start',
  'runs/list',
  'runs/get',
  'runs/delete',
  'runs/score',
  'runs/resume',
  'scores/top',
  'scores/drive',
  'scores/heatmap',
  'eval/overview',
  'eval/at',
  'eval/curves',
  'eval/preset',
  'eval/lead-times',
  'eval/alerts',
  'eval/report',
  'search/start',
  'search/list',
  'search/get',
  'search/resume',
  'search/cancel',
  'report/build',
  'report/export',
  'jobs/list',
  'jobs/get',
  'jobs/cancel',
] as const satisfies readonly ApiKey[];

export const EVENT_KEYS = [
  'job/progress',
  'job/finished',
  'data/changed',
] as const satisfies readonly EventKey[];

/** The error every transport returns: a code for programs and a sentence for people. */
export interface ApiErrorBody {
  code: 'bad-request' | 'forbidden' | 'not-found' | 'conflict' | 'internal';
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorBody['code'],
    message: string,
  ) {
    super(message);
  }
}

/** The shape every transport offers to its callers. */
export interface ApiClient {
  call<K extends ApiKey>(key: K, arg: ApiRequest<K>): Promise<ApiResponse<K>>;
  on<E extends EventKey>(event: E, cb: (data: Events[E]) => void): () => void;
}
