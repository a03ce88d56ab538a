/** Evaluation: thresholds, confusion matrices, curves, lead times, baselines and the paired comparison. */
import type { ModelKind } from './runs';

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
  /** Drives of the evaluation set that would have alerted (first crossing inside its period), per day of it. */
  alertsPerDay: number;
  /**
   * What the queue would get with the run in service: alerts (a drive's score reaching the threshold after a
   * window below it, as triage raises them) per day across every drive the run scored, estimated from the
   * evaluation set scaled to the fleet; null where the set is not a random share of the drives (verdict labels).
   */
  fleetAlertsPerDay: number | null;
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
  /**
   * At most k alerts per day or per week on average: across the fleet where the set estimates it
   * (`fleetAlertsPerDay`), else drives of the set flagged.
   */
  | { kind: 'budget'; alerts: number; per: 'day' | 'week' }
  | { kind: 'cost'; missCost: number; falseAlarmCost: number };

export interface PresetResult {
  preset: ThresholdPreset;
  metrics: ThresholdView;
  /** For cost presets: expected cost over thresholds (downsampled) and the minimum. */
  cost?: { threshold: number[]; cost: number[]; best: number };
}

/**
 * What counts as failed in an evaluation: the data's failures (the default), the analysts' verdicts (confirmed
 * failing and replaced drives against false alarms held some days), or both (the verdicts' positives added to the
 * data's failures).
 */
export type EvalLabels = 'data' | 'verdicts' | 'both';

export interface EvalOverview {
  runId: number;
  kind: ModelKind;
  /** What the score means, for axis labels. */
  scoreName: string;
  /** How the evaluation set was chosen and labelled, in words. */
  evaluationSet: string;
  labels: EvalLabels;
  firstDay: string;
  lastDay: string;
  days: number;
  horizonDays: number;
  windows: { positives: number; negatives: number };
  drives: { positives: number; negatives: number };
  /**
   * Drives the run scored (what the queue would watch), and how many fleet alerts one alert on the evaluation set
   * stands for; null where the set is not a random share of the drives (verdict labels).
   */
  fleet: { drives: number; scale: number | null };
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

/** What `evaluate` prints: the model's row at the top level, then the baselines and comparable runs. */
export interface EvalReport extends EvalRow {
  runId: number;
  /** Drive level, where the rule can be scored: the run against Backblaze's rule, paired. */
  vsRule: PairedComparison | null;
  level: EvalLevel;
  alertsPerDay: number;
  fleetAlertsPerDay: number | null;
  fleetDrives: number;
  evaluationSet: string;
  labels: EvalLabels;
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
  labels?: EvalLabels;
  level?: EvalLevel;
  threshold?: number;
  far?: number;
  /** Alerts per day (across the fleet, as the `budget` preset). */
  budget?: number;
  /** Bootstrap replicates (default DEFAULT_BOOTSTRAP: 1,000 at drive level, 200 at window level). */
  bootstrap?: number;
  seed?: number;
}

/** The eval slice of the Api. */
export interface EvalApi {
  'eval/overview': { req: { runId: number; labels?: EvalLabels }; res: EvalOverview };
  'eval/at': {
    req: { runId: number; labels?: EvalLabels; level: EvalLevel; threshold: number };
    res: ThresholdView;
  };
  'eval/curves': {
    req: { runId: number; labels?: EvalLabels; level: EvalLevel; series?: EvalSeries; maxPoints?: number };
    res: CurveSet;
  };
  'eval/preset': {
    req: { runId: number; labels?: EvalLabels; level: EvalLevel; preset: ThresholdPreset };
    res: PresetResult;
  };
  'eval/lead-times': {
    req: { runId: number; labels?: EvalLabels; threshold: number; binDays?: number };
    res: LeadTimes;
  };
  'eval/alerts': { req: { runId: number; labels?: EvalLabels; threshold: number }; res: AlertsByDay };
  'eval/report': { req: EvalReportRequest; res: EvalReport };
}

export const EVAL_KEYS: Record<keyof EvalApi, true> = {
  'eval/overview': true,
  'eval/at': true,
  'eval/curves': true,
  'eval/preset': true,
  'eval/lead-times': true,
  'eval/alerts': true,
  'eval/report': true,
};
