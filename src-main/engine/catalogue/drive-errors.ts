import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, type DriveErrors, type ModelKind } from '../api-types';
import { scoreName } from '../eval/session';
import { formatDay } from '../import/row-fields';
import { SPLIT_CODE } from '../model/split-record';
import type { Db } from '../store/db';
import { RunWindows, type ScoreBlobs } from '../model/score-store';

const SPLIT_NAMES: Record<number, DriveErrors['split']> = {
  [SPLIT_CODE.train]: 'train',
  [SPLIT_CODE.val]: 'validation',
  [SPLIT_CODE.test]: 'test',
};

/** A scored run's settings that reading its stored errors needs. */
export function scoredRun(
  db: Db,
  runId: number,
): { kind: ModelKind; windowDays: number; features: string[] } {
  const run = db.prepare('SELECT kind, config, weights_dir FROM runs WHERE id = ?').get(runId) as
    { kind: ModelKind; config: string; weights_dir: string | null } | undefined;
  if (!run) throw new ApiError('not-found', `no training run with id ${runId}`);
  const scalerFile = run.weights_dir ? join(run.weights_dir, 'scaler.json') : null;
  const features =
    scalerFile && existsSync(scalerFile)
      ? (JSON.parse(readFileSync(scalerFile, 'utf8')) as { features: string[] }).features
      : [];
  return {
    kind: run.kind,
    windowDays: (JSON.parse(run.config) as { windowDays: number }).windowDays,
    features,
  };
}

/**
 * One drive under a scored run: its window scores over time, each attribute's
 * error on each window's last day (the day x attribute heatmap), and "why
 * flagged": the attributes that make up most of the error over the days of the
 * window that alerted (the first to reach `threshold`), or of its worst window.
 * Everything comes from the stored scores; nothing is recomputed.
 */
export function driveErrors(db: Db, runId: number, serial: string, threshold?: number): DriveErrors {
  const run = scoredRun(db, runId);
  const row = db
    .prepare(
      `SELECT s.drive_id, s.end_days, s.window_scores, s.day_errors, s.split FROM scores s
       JOIN drives d ON d.id = s.drive_id WHERE s.run_id = ? AND d.serial = ?`,
    )
    .get(runId, serial) as
    (ScoreBlobs & { drive_id: number; day_errors: Buffer | null; split: number | null }) | undefined;
  if (!row) {
    const known = db.prepare('SELECT 1 FROM drives WHERE serial = ?').get(serial);
    if (!known) throw new ApiError('not-found', `no drive with serial number "${serial}"`);
    const scored = db.prepare('SELECT 1 FROM scores WHERE run_id = ? LIMIT 1').get(runId);
    throw new ApiError(
      'not-found',
      scored
        ? `drive ${serial} has no window of run ${runId}'s length to score (too few consecutive days)`
        : `run ${runId} has not scored the drives yet; score it first`,
    );
  }
  const w = new RunWindows(db, runId).of(row.drive_id, row);
  const ends = w.ends;
  const scores = w.scores;
  const errors = row.day_errors ? w.dayErrors : null;
  const F = errors ? errors.length / Math.max(1, ends.length) : 0;
  const features = errors ? run.features.slice(0, F) : [];
  const dayErrors: number[][] = [];
  for (let w = 0; errors && w < ends.length; w++)
    dayErrors.push(Array.from(errors.subarray(w * F, (w + 1) * F)));

  // The explained window: the first alert at the threshold (compared in float32, as stored), else the worst.
  let at = -1;
  let reason: 'first-alert' | 'worst-window' = 'worst-window';
  if (threshold !== undefined) {
    const t = Math.fround(threshold);
    at = scores.findIndex((s) => s >= t);
    if (at >= 0) reason = 'first-alert';
  }
  if (at < 0) {
    at = 0;
    for (let w = 1; w < scores.length; w++) if (scores[w] > scores[at]) at = w;
  }
  const contributions =
    errors && ends.length > 0 ? windowContributions(ends, errors, F, at, run.windowDays, features) : [];
  return {
    runId,
    kind: run.kind,
    serial,
    scoreName: scoreName(run.kind),
    days: Array.from(ends, formatDay),
    scores: Array.from(scores),
    features,
    dayErrors,
    explained: ends.length > 0 ? { day: formatDay(ends[at]), score: scores[at], reason } : null,
    contributions,
    split: row.split === null ? null : (SPLIT_NAMES[row.split] ?? null),
  };
}

/**
 * Each attribute's part in window `at`: its errors on the days the window covers (the stored last-day errors of
 * the windows ending then), and its share of their positive total, largest first.
 */
export function windowContributions(
  ends: ArrayLike<number>,
  errors: ArrayLike<number>,
  F: number,
  at: number,
  windowDays: number,
  features: string[],
): DriveErrors['contributions'] {
  const sum = new Float64Array(F);
  for (let w = 0; w <= at; w++) {
    if (ends[w] <= ends[at] - windowDays) continue;
    for (let f = 0; f < F; f++) sum[f] += errors[w * F + f];
  }
  // Shares of what pushed toward the score: an attribute pulling the other way (a tree's or a classifier's
  // negative push) has none, and does not inflate the others past 100%.
  const total = sum.reduce((a, b) => a + Math.max(0, b), 0);
  const out: DriveErrors['contributions'] = [];
  for (let f = 0; f < F; f++)
    out.push({ feature: features[f], error: sum[f], share: total > 0 ? Math.max(0, sum[f]) / total : 0 });
  return out.sort((a, b) => b.error - a.error);
}
