/** Scoring a run over the fleet: each drive's score and errors, the fleet heatmap. */
import type { ModelKind } from './runs';

export interface ScoreProgress {
  runId: number;
  fraction: number;
  drives: number;
  windows: number;
  windowsPerSec: number;
  /** Seconds left, once enough is done to tell (null before). */
  etaSec: number | null;
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
export type HeatmapSplit = 'train' | 'validation' | 'test';

export interface FleetHeatmap {
  runId: number;
  scoreName: string;
  /** Drives that matched (the heatmap shows the top ones). */
  total: number;
  drives: {
    serial: string;
    model: string;
    failureDay: string | null;
    score: number;
    /** Which part of the run's split the drive was in (cross-validated: test, scored by a model that did not train on it). */
    split: HeatmapSplit | null;
  }[];
  days: string[];
  /**
   * drives.length x days.length, row-major; null where the drive has no window ending that day.
   * Rounded to 4 significant digits: a colour and a hover label, at half the bytes (the exact scores are in scores/drive).
   */
  z: (number | null)[];
}

/** The scores slice of the Api. */
export interface ScoresApi {
  'scores/top': {
    req: { runId: number; offset?: number; limit?: number };
    res: { total: number; rows: DriveScore[] };
  };
  'scores/drive': { req: { runId: number; serial: string; threshold?: number }; res: DriveErrors };
  'scores/heatmap': {
    req: { runId: number; top?: number; model?: string; days?: number };
    res: FleetHeatmap;
  };
}

export const SCORES_KEYS: Record<keyof ScoresApi, true> = {
  'scores/top': true,
  'scores/drive': true,
  'scores/heatmap': true,
};
