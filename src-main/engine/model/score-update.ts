import {
  DRIVES_PER_SLICE,
  insertScores,
  openScoring,
  scoreRun,
  scoreSlice,
  readingsMark,
  recordScoredThrough,
  type DriveWindows,
  type ScoredThrough,
  type ScoreHooks,
} from './score';

export { readingsMark, type ScoredThrough };
import { dataSpan, loadCube, type EndDays, type SeriesCube } from '../catalogue/windows';
import type { Db } from '../store/db';
import { float32Of, int32Of } from '../store/blobs';

export interface ScoreUpdate {
  runId: number;
  /** none: no new readings; incremental: only the windows they complete; full: every window scored again. */
  mode: 'none' | 'incremental' | 'full';
  status: 'done' | 'cancelled';
  /** The days of the new readings. */
  newDays: EndDays | null;
  /** The window end days scored again (null: none, or all). */
  endDays: EndDays | null;
  /** Drives whose scores changed. */
  drives: number;
  windows: number;
  backend: string;
  seconds: number;
  scoredThrough: ScoredThrough;
}

class Cancelled extends Error {}

/**
 * Brings a run's scores up to date with the readings stored since `since`: scores only the windows those readings
 * can change, for the drives they belong to, and merges them into each drive's stored windows, so the result is
 * what scoring the whole fleet again would store (score-update.test.ts compares them).
 *
 * Which windows a new reading on day n can change: a short gap it closes is filled back to n - maxGapDays, and the
 * windows reaching a changed day end up to S - 1 days later, so windows ending in
 * [n - maxGapDays, n + maxGapDays + S - 1]. Those windows read back S days, their first day's daily change one
 * more, and a filled day copies a reading up to maxGapDays + 1 days before it: the cube is loaded from there.
 * If the data's first day moved (older data imported), windows are aligned from another day: everything is
 * scored again. `onMerged` hears each changed drive's windows, inside the transaction that stores them (what it
 * writes lands with them, or not at all).
 */
export async function scoreNewReadings(
  db: Db,
  runId: number,
  since: ScoredThrough,
  hooks: ScoreHooks = {},
  onMerged?: (driveId: number, windows: DriveWindows, changed: EndDays) => void,
): Promise<ScoreUpdate> {
  const t0 = performance.now();
  const mark = readingsMark(db);
  const news = db
    .prepare('SELECT min(day) AS lo, max(day) AS hi, count(*) AS n FROM readings WHERE rowid > ?')
    .get(since.rowid) as { lo: number | null; hi: number | null; n: number };
  const base = { runId, newDays: news.n ? { from: news.lo!, to: news.hi! } : null, scoredThrough: mark };
  if (news.n === 0)
    return {
      ...base,
      mode: 'none',
      status: 'done',
      endDays: null,
      drives: 0,
      windows: 0,
      backend: '',
      seconds: 0,
    };
  // Never scored, or scored over a span that started elsewhere: every window again.
  if (since.rowid === 0 || mark.spanLo !== since.spanLo || mark.spanLo === null) {
    const r = await scoreRun(db, runId, hooks);
    return { ...base, ...r, mode: 'full', endDays: null, scoredThrough: r.status === 'done' ? mark : since };
  }
  const scoring = await openScoring(db, runId);
  try {
    const { windowDays: S, maxGapDays: gap, stride } = scoring.config;
    const span = dataSpan(db) as { lo: number; hi: number };
    const endDays = {
      from: Math.max(span.lo, news.lo! - gap),
      to: Math.min(span.hi, news.hi! + gap + S - 1),
    };
    const unaligned = Math.max(span.lo, endDays.from - S - gap - 1);
    const fromDay = span.lo + Math.floor((unaligned - span.lo) / stride) * stride;
    const toDay = Math.min(span.hi, endDays.to + gap + 1);
    const changed = affectedDrives(db, since.rowid);
    let drives = 0;
    let windows = 0;
    try {
      db.transaction(() => {
        const insert = insertScores(db, scoring);
        const stored = storedWindows(db, runId);
        for (const lo of sliceStarts(changed, DRIVES_PER_SLICE)) {
          const raw = loadCube(db, scoring.features, { lo, hi: lo + DRIVES_PER_SLICE, fromDay, toDay });
          const rowEnds: EndDays = {
            ...endDays,
            fromByRow: firstChangedEnds(raw, news.lo!, news.hi!, gap, endDays.from),
          };
          const slice = scoreSlice(
            scoring,
            raw,
            { includeRow: (row) => changed.has(raw.driveIds[row]), endDays: rowEnds },
            hooks,
            (n) => (windows += n),
          );
          if (slice === 'cancelled') throw new Cancelled();
          for (let row = 0; row < slice.length; row++) {
            const id = raw.driveIds[row];
            if (!changed.has(id)) continue;
            const range = { from: rowEnds.fromByRow![row], to: endDays.to };
            const merged = mergeWindows(stored(id), slice[row], range);
            if (merged.ends.length === 0) continue;
            insert(runId, id, merged);
            onMerged?.(id, merged, range);
            drives++;
          }
        }
        recordScoredThrough(db, runId, mark);
      })();
    } catch (err) {
      if (!(err instanceof Cancelled)) throw err;
      return {
        ...base,
        mode: 'incremental',
        status: 'cancelled',
        endDays,
        drives: 0,
        windows,
        backend: scoring.scorer.backend,
        seconds: (performance.now() - t0) / 1000,
        scoredThrough: since,
      };
    }
    return {
      ...base,
      mode: 'incremental',
      status: 'done',
      endDays,
      drives,
      windows,
      backend: scoring.scorer.backend,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    scoring.scorer.dispose();
  }
}

/**
 * Per cube row, the first window end day readings on days [lo, hi] can change. A reading on day n changes the days
 * before it only where it closes a gap: the days after the drive's previous reading are filled from it once the
 * gap is at most maxGapDays. A drive that reported the day before changes from n on (most drives, most days: a
 * third of the windows a day's update would otherwise score again with a 2-day gap rule). Every reading on those
 * days is taken as new, which can only widen the range. Never before `floor`.
 */
export function firstChangedEnds(
  raw: SeriesCube,
  lo: number,
  hi: number,
  maxGapDays: number,
  floor: number,
): Int32Array {
  const out = new Int32Array(raw.driveIds.length).fill(hi + 1);
  for (let row = 0; row < raw.driveIds.length; row++) {
    const base = row * raw.days;
    let prev = -Infinity;
    for (let d = 0; d < raw.days; d++) {
      if (!raw.present[base + d]) continue;
      const day = raw.firstDay + d;
      if (day >= lo && day <= hi) {
        const gap = day - prev - 1;
        out[row] = Math.min(out[row], gap >= 1 && gap <= maxGapDays ? prev + 1 : day);
        break;
      }
      prev = day;
    }
    out[row] = Math.max(floor, out[row]);
  }
  return out;
}

/** The drives with a reading stored after `rowid`. */
function affectedDrives(db: Db, rowid: number): Set<number> {
  return new Set(
    db.prepare('SELECT DISTINCT drive_id FROM readings WHERE rowid > ?').pluck().all(rowid) as number[],
  );
}

/** The starts of the slices of drive ids that hold at least one of `ids`. */
function sliceStarts(ids: Set<number>, size: number): number[] {
  return [...new Set([...ids].map((id) => Math.floor(id / size) * size))].sort((a, b) => a - b);
}

/** A drive's stored windows under a run (empty when it has none yet). */
function storedWindows(db: Db, runId: number): (driveId: number) => DriveWindows {
  const get = db.prepare(
    'SELECT end_days, window_scores, day_errors, rule_scores, robust_scores FROM scores WHERE run_id = ? AND drive_id = ?',
  );
  return (driveId) => {
    const r = get.get(runId, driveId) as
      | {
          end_days: Buffer;
          window_scores: Buffer;
          day_errors: Buffer | null;
          rule_scores: Buffer | null;
          robust_scores: Buffer | null;
        }
      | undefined;
    if (!r) return { ends: [], scores: [], dayErrors: [], rule: [], robust: null };
    return {
      ends: Array.from(int32Of(r.end_days)),
      scores: Array.from(float32Of(r.window_scores)),
      dayErrors: r.day_errors ? Array.from(float32Of(r.day_errors)) : [],
      rule: r.rule_scores ? Array.from(float32Of(r.rule_scores)) : [],
      robust: r.robust_scores ? Array.from(float32Of(r.robust_scores)) : null,
    };
  };
}

/**
 * A drive's stored windows with those ending in `range` replaced by `fresh` (all of which end in it), in order of
 * their last day.
 */
export function mergeWindows(stored: DriveWindows, fresh: DriveWindows, range: EndDays): DriveWindows {
  const n = stored.ends.length;
  const F = n ? stored.dayErrors.length / n : 0;
  const G = fresh.ends.length ? fresh.dayErrors.length / fresh.ends.length : F;
  let a = 0;
  while (a < n && stored.ends[a] < range.from) a++;
  let b = a;
  while (b < n && stored.ends[b] <= range.to) b++;
  const robust = fresh.robust ?? stored.robust;
  const join = <T>(old: T[], mid: T[], per: number): T[] => [
    ...old.slice(0, a * per),
    ...mid,
    ...old.slice(b * per),
  ];
  return {
    ends: join(stored.ends, fresh.ends, 1),
    scores: join(stored.scores, fresh.scores, 1),
    dayErrors: F || G ? join(stored.dayErrors, fresh.dayErrors, F || G) : [],
    rule: join(stored.rule, fresh.rule, 1),
    robust: robust ? join(stored.robust ?? [], fresh.robust ?? [], 1) : null,
  };
}
