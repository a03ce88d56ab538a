/** Reports for the people who swap drives: their sections, content and files. */
import type { EpochSummary, ModelKind, SpikeRule, ThresholdChoice, TrainConfig } from './runs';
import type { AlertsByDay, CurveSet, EvalLabels, EvalReport } from './eval';
import type { Queue, QueueItem } from './triage';

/**
 * The parts of a report, in the order they print: the summary for the swap crew on page one, the evidence, then
 * the appendix (the data's provenance and hashes, the model's settings) for whoever audits it.
 */
export const REPORT_SECTIONS = [
  'summary',
  'queue',
  'threshold',
  'results',
  'flagged',
  'dataset',
  'model',
] as const;
export type ReportSection = (typeof REPORT_SECTIONS)[number];
/** The sections printed under "Appendix". */
export const APPENDIX_SECTIONS: readonly ReportSection[] = ['dataset', 'model'];

/** Which report: a scored run, and its threshold given, or chosen by a false-alarm rate or an alert budget. */
export interface ReportRequest {
  runId: number;
  /** What counts as failed (default: the data's failures); the report says which. */
  labels?: EvalLabels;
  threshold?: number;
  far?: number;
  /** Alerts per day across the fleet (the `budget` preset). */
  budget?: number;
  sections?: ReportSection[];
  /** Flagged drives shown with a small error heatmap (default 5). */
  heatmaps?: number;
  /** Bootstrap replicates for the intervals (default: 1,000 at drive level, 200 at window level). */
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
  /** Its last day in the data (a drive that did not fail was healthy through it). */
  lastDay: string;
  /** The attributes that make up most of its error on the alerting window (autoencoders). */
  top: { feature: string; share: number }[];
}

/** The triage queue as the report prints it: the drives waiting for an analyst under the run in service. */
export interface ReportQueue {
  /** The run in service (the queue is that run's; another run's report says so instead). */
  serviceRunId: number;
  /** The queue's "today": the last day of data. */
  today: string | null;
  counts: Queue['counts'];
  /** Every drive waiting for a verdict, newest alert first (the CSV has them all; the page, REPORT_QUEUE_ROWS). */
  rows: QueueItem[];
}

/** Queue rows a report's page prints (its `-queue.csv` holds every one). */
export const REPORT_QUEUE_ROWS = 200;

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
    /** given: a value in the request; far / budget: computed from the request; suggested: best F1 (nothing
     * asked); or, when the value given is the one chosen in the Threshold tab, how it was chosen there. */
    chosenBy: 'given' | 'far' | 'budget' | 'suggested' | ThresholdChoice;
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
  /** The queue under the run in service as the report was made; null where no run is in service. */
  queue: ReportQueue | null;
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

/** The report slice of the Api. */
export interface ReportApi {
  /** A report's content (the Reports view's preview). */
  'report/build': { req: ReportRequest; res: ReportData };
  /** The report written as files: self-contained HTML, PDF (Chromium), CSV tables. */
  'report/export': { req: ReportExportRequest; res: ReportExport };
}

export const REPORT_KEYS: Record<keyof ReportApi, true> = {
  'report/build': true,
  'report/export': true,
};
