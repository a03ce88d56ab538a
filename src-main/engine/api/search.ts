/** Bayesian hyperparameter search: the space, objective, trials and progress. */
import type { TrainConfig } from './runs';

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

/** The search slice of the Api. */
export interface SearchApi {
  'search/start': { req: SearchSettings; res: { searchId: number; jobId: string } };
  'search/list': { req: Record<string, never>; res: SearchInfo[] };
  'search/get': { req: { id: number }; res: SearchDetail };
  /** Continues a cancelled or interrupted search (optionally with a larger budget). */
  'search/resume': {
    req: { id: number; trials?: number; maxMinutes?: number | null };
    res: { searchId: number; jobId: string };
  };
  'search/cancel': { req: { id: number }; res: SearchInfo };
  /**
   * The space editor as the analyst last left it in this workspace (saved as they edit, and by every start), so
   * a restarted app opens on it; null before any.
   */
  'search/space': { req: Record<string, never>; res: SearchSettings | null };
  'search/saveSpace': { req: SearchSettings; res: { saved: true } };
}

export const SEARCH_KEYS: Record<keyof SearchApi, true> = {
  'search/start': true,
  'search/list': true,
  'search/get': true,
  'search/resume': true,
  'search/cancel': true,
  'search/space': true,
  'search/saveSpace': true,
};
