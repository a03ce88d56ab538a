import { ApiError, type FleetHeatmap, type HeatmapSplit } from '../api-types';
import { formatDay } from '../import/row-fields';
import type { Db } from '../store/db';
import { scoredRun } from './drive-errors';
import { scoreName } from '../eval/session';
import { RunWindows } from '../model/score-store';

export interface HeatmapQuery {
  runId: number;
  /** The N drives with the highest scores (of the model, when one is given). */
  top?: number;
  model?: string;
  /** The last this many days of the scored period (every day when it is shorter). */
  days?: number;
}

/**
 * Drives x days coloured by the score of the window ending that day: the worst
 * drives of a run first. One indexed read (scores_rank) and one blob decode per
 * drive; the matrix travels flat, row-major, with null for days without a window.
 */
/** The scores table's split codes. */
const SPLITS: readonly HeatmapSplit[] = ['train', 'validation', 'test'];

export function fleetHeatmap(db: Db, q: HeatmapQuery): FleetHeatmap {
  const run = scoredRun(db, q.runId);
  const top = q.top ?? 200;
  const where = q.model ? 'AND d.model = ?' : '';
  const params: (number | string)[] = q.model ? [q.runId, q.model] : [q.runId];
  const total = db
    .prepare(`SELECT count(*) FROM scores s JOIN drives d ON d.id = s.drive_id WHERE s.run_id = ? ${where}`)
    .pluck()
    .get(...params) as number;
  if (total === 0) {
    const scored = db.prepare('SELECT 1 FROM scores WHERE run_id = ? LIMIT 1').get(q.runId);
    if (!scored)
      throw new ApiError('not-found', `run ${q.runId} has not scored the drives yet; score it first`);
  }
  const rows = db
    .prepare(
      `SELECT s.drive_id, d.serial, d.model, d.failure_day, s.max_score, s.split, s.end_days, s.window_scores
       FROM scores s JOIN drives d ON d.id = s.drive_id
       WHERE s.run_id = ? ${where} ORDER BY s.max_score DESC, d.serial LIMIT ?`,
    )
    .all(...params, top) as {
    drive_id: number;
    serial: string;
    model: string;
    failure_day: number | null;
    max_score: number;
    split: number | null;
    end_days: Buffer;
    window_scores: Buffer;
  }[];
  const stored = new RunWindows(db, q.runId);
  const decoded = rows.map((r) => stored.of(r.drive_id, r));
  let first = Infinity;
  let last = -Infinity;
  for (const d of decoded) {
    if (d.ends.length === 0) continue;
    first = Math.min(first, d.ends[0]);
    last = Math.max(last, d.ends[d.ends.length - 1]);
  }
  if (!Number.isFinite(first)) first = last = 0;
  const span = rows.length ? last - first + 1 : 0;
  const width = Math.min(span, q.days ?? 90);
  const from = last - width + 1;
  const z: (number | null)[] = new Array<number | null>(rows.length * width).fill(null);
  decoded.forEach((d, i) => {
    for (let w = 0; w < d.ends.length; w++) {
      const col = d.ends[w] - from;
      if (col >= 0) z[i * width + col] = significant4(d.scores[w]);
    }
  });
  return {
    runId: q.runId,
    scoreName: scoreName(run.kind),
    total,
    drives: rows.map((r) => ({
      serial: r.serial,
      model: r.model,
      failureDay: r.failure_day === null ? null : formatDay(r.failure_day),
      score: r.max_score,
      split: r.split === null ? null : (SPLITS[r.split] ?? null),
    })),
    days: Array.from({ length: width }, (_, k) => formatDay(from + k)),
    z,
  };
}

/**
 * x to 4 significant digits, as a double that prints short: an integer divided by
 * an exact power of ten is the correctly rounded double of that decimal. (toPrecision
 * is several times slower over 100,000 cells.)
 */
export function significant4(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const k = 3 - Math.floor(Math.log10(Math.abs(x)));
  if (k > 22 || k < -22) return Number(x.toPrecision(4));
  return k >= 0 ? Math.round(x * 10 ** k) / 10 ** k : Math.round(x / 10 ** -k) * 10 ** -k;
}
