/** The daily triage loop: the run in service, incremental scoring of new days, the queue of alerts, verdicts. */
import type { ModelKind } from './runs';
import type { ScoreProgress } from './scores';

/** How a service threshold was chosen: a run's stored choice, or one of the Threshold tab's presets. */
export type ServiceChosenBy = 'run' | 'slider' | 'max-f1' | 'far' | 'budget' | 'cost';

/** A period with one run in service: the threshold alerts are raised at, and why it was set. */
export interface ServiceInfo {
  id: number;
  runId: number;
  runName: string | null;
  kind: ModelKind;
  threshold: number;
  /** Thresholds per drive model, where chosen; other drive models use `threshold`. */
  modelThresholds: Record<string, number>;
  chosenBy: ServiceChosenBy;
  /** The threshold in words ("1% false alarms on the validation drives"). */
  reason: string;
  /** The analyst's reason for the change. */
  why: string | null;
  startedAt: string;
  endedAt: string | null;
  /** Why it was taken out of service, when no other run took its place. */
  endedWhy: string | null;
  /** The last day of data the run's scores are up to date with (null: never scored). */
  scoredThrough: string | null;
  /** Readings stored since then, waiting to be scored. */
  pendingReadings: number;
}

export interface TriageSettings {
  /** Score new days as one job after each import (default on). */
  autoScore: boolean;
  /** At most this many new alerts a day across drive models (the highest scores); null: no budget. */
  dailyBudget: number | null;
  /** Per drive model, attributes the analyst chose to ignore: an alert they top is muted. */
  quiet: Record<string, string[]>;
  /** A false alarm counts as a negative in the evaluation once the drive has not failed for this many days. */
  falseAlarmHoldDays: number;
}

export type Verdict = 'acknowledged' | 'confirmed' | 'replaced' | 'false-alarm' | 'snoozed' | 'note';

export interface Review {
  id: number;
  alertDay: string;
  verdict: Verdict;
  /** Snoozed: back in the queue once the data passes this day. */
  untilDay: string | null;
  note: string | null;
  /** 'data': the drive failed in the data, which closed the alert as confirmed. */
  source: 'analyst' | 'data';
  decidedAt: string;
}

export type AlertState = 'open' | 'muted' | 'over-budget';

/** One drive in the queue: its latest alert under the run in service, and what was decided about it. */
export interface QueueItem {
  alertId: number;
  serial: string;
  model: string;
  /** The latest alert: the last day of the window that crossed, its score, and the threshold it crossed. */
  day: string;
  score: number;
  threshold: number;
  /** The drive's first alert under this service, and how many days of data have passed since. */
  firstDay: string;
  daysSinceFirst: number;
  alerts: number;
  /** The drive's latest window scores (oldest first): the sparkline. */
  trend: number[];
  /** The latest window's score. */
  latest: number;
  /** The alert window's attributes, largest part first (empty for classifiers). */
  top: { feature: string; share: number }[];
  failureDay: string | null;
  state: AlertState;
  review: Review | null;
  /** Whether it waits for an analyst (no verdict covers it, or its snooze has run out). */
  pending: boolean;
}

export type QueueShow = 'pending' | 'reviewed' | 'muted' | 'over-budget' | 'all';

export interface Queue {
  service: ServiceInfo | null;
  /** The last day of data in the workspace: "today" for the queue. */
  today: string | null;
  counts: Record<QueueShow, number>;
  total: number;
  rows: QueueItem[];
}

/** What a scoring of new days found: the new alerts by state, and the first of them. */
export interface UpdateResult {
  status: 'done' | 'cancelled';
  /** none: nothing new, or no run in service; incremental: the new windows only; full: every window again. */
  mode: 'none' | 'incremental' | 'full';
  serviceId: number | null;
  runId: number | null;
  newDays: { from: string; to: string } | null;
  drives: number;
  windows: number;
  seconds: number;
  /** Incremental updates: seconds per phase (loading the cubes, scoring, reading, appending or merging, alerts). */
  phases?: Record<string, number>;
  raised: { open: number; muted: number; overBudget: number };
  /** The new open alerts, highest score first (at most 500). */
  alerts: { serial: string; model: string; day: string; score: number; threshold: number; top: string[] }[];
  /** Alerts closed as confirmed because the drive failed in the data. */
  closedByFailure: number;
  message: string;
}

export type UpdateProgress = ScoreProgress;

/** A run's window scores by days before a day (negative: earlier), the last 60 days. */
export interface ScorePath {
  daysBefore: number[];
  scores: number[];
}

/** The failed drives whose windows before failure look most like a drive's latest window. */
export interface NearestFailed {
  runId: number;
  serial: string;
  /** The drive's latest day: its window ends here. */
  day: string;
  /** The space distances are measured in, in words. */
  space: string;
  /** Failed drives with a window to compare. */
  candidates: number;
  /** The drive's own path under the run, by days before its latest day. */
  path: ScorePath;
  neighbours: {
    serial: string;
    model: string;
    failureDay: string;
    /** The end of its nearest window, and how long before its failure that was. */
    windowDay: string;
    daysBeforeFailure: number;
    distance: number;
    /** Its path under the run, by days before its failure. */
    path: ScorePath;
  }[];
}

/** The triage slice of the Api. */
export interface TriageApi {
  'triage/service': {
    req: Record<string, never>;
    res: { current: ServiceInfo | null; history: ServiceInfo[] };
  };
  /**
   * Puts a scored run in service at a threshold (by default the one chosen for it on the Threshold tab), ending the
   * current service; a job brings its scores up to date and raises its alerts over the data so far.
   */
  'triage/put-in-service': {
    req: {
      runId: number;
      threshold?: number;
      modelThresholds?: Record<string, number>;
      chosenBy?: ServiceChosenBy;
      reason?: string;
      why?: string;
    };
    res: { service: ServiceInfo; jobId: string };
  };
  'triage/retire': { req: { why?: string }; res: { ended: number | null } };
  'triage/settings': { req: Record<string, never>; res: TriageSettings };
  'triage/configure': { req: Partial<TriageSettings>; res: TriageSettings };
  /** Scores what was imported since the last update and raises the new alerts (a job). */
  'triage/update': { req: Record<string, never>; res: { jobId: string } };
  'triage/queue': { req: { show?: QueueShow; offset?: number; limit?: number }; res: Queue };
  'triage/review': {
    req: { alertIds: number[]; verdict: Verdict; snoozeDays?: number; note?: string };
    res: { reviewed: number };
  };
  'triage/reviews': { req: { serial: string }; res: Review[] };
  'triage/nearest': { req: { serial: string; runId?: number; k?: number }; res: NearestFailed };
  /** The queue as CSV for the swap crew (spreadsheet-safe). */
  'triage/export': { req: { show?: QueueShow }; res: { fileName: string; csv: string; rows: number } };
}

export const TRIAGE_KEYS: Record<keyof TriageApi, true> = {
  'triage/service': true,
  'triage/put-in-service': true,
  'triage/retire': true,
  'triage/settings': true,
  'triage/configure': true,
  'triage/update': true,
  'triage/queue': true,
  'triage/review': true,
  'triage/reviews': true,
  'triage/nearest': true,
  'triage/export': true,
};
