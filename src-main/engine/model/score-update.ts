import {
  DRIVES_PER_SLICE,
  insertScores,
  openScoring,
  scoreRun,
  scoreSlice,
  readingsMark,
  recordScoredThrough,
  type DriveWindows,
  type Scoring,
  type ScoredThrough,
  type ScoreHooks,
} from './score';

export { readingsMark, type ScoredThrough };
import { dataSpan, loadCube, type EndDays, type SeriesCube } from '../catalogue/windows';
import type { Db } from '../store/db';
import { float32Of, int32Of, toBlob as blob } from '../store/blobs';

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
  /** Incremental: seconds spent loading the cubes, scoring, reading the stored windows, merging, writing. */
  phases?: Record<string, number>;
}

/** Seconds per named phase, summed over slices and drives. */
class Phases {
  readonly seconds: Record<string, number> = {};
  /** Adds the time since `t` to `name`; returns now. */
  lap(name: string, t: number): number {
    const now = performance.now();
    this.seconds[name] = (this.seconds[name] ?? 0) + (now - t) / 1000;
    return now;
  }
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
  onMerged?: (driveId: number, windows: MergedDrive, changed: EndDays) => void,
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
  const phases = new Phases();
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
        const write = writeMerged(db, scoring);
        const append = appendWindows(db);
        const { tails, one } = storedWindows(db, runId);
        for (const lo of sliceStarts(changed, DRIVES_PER_SLICE)) {
          let t = performance.now();
          const raw = loadCube(db, scoring.features, { lo, hi: lo + DRIVES_PER_SLICE, fromDay, toDay });
          const rowEnds: EndDays = {
            ...endDays,
            fromByRow: firstChangedEnds(raw, news.lo!, news.hi!, gap, endDays.from),
          };
          t = phases.lap('load', t);
          const slice = scoreSlice(
            scoring,
            raw,
            { includeRow: (row) => changed.has(raw.driveIds[row]), endDays: rowEnds },
            hooks,
            (n) => (windows += n),
          );
          if (slice === 'cancelled') throw new Cancelled();
          t = phases.lap('score', t);
          const lastEnd = tails(lo, lo + DRIVES_PER_SLICE);
          t = phases.lap('read', t);
          for (let row = 0; row < slice.length; row++) {
            const id = raw.driveIds[row];
            if (!changed.has(id)) continue;
            const fresh = slice[row];
            const range = { from: rowEnds.fromByRow![row], to: endDays.to };
            const last = lastEnd.get(id);
            if (last !== undefined && last < range.from) {
              // The common day: the drive's new windows come after all its stored ones. Appended in SQL, so its
              // history is never read into JS.
              if (fresh.ends.length === 0) continue;
              append(runId, id, fresh);
              t = phases.lap('append', t);
              onMerged?.(id, { fresh, all: () => one(id)! }, range);
            } else {
              const merged = mergeWindows(last === undefined ? NO_WINDOWS : one(id)!, fresh, range);
              if (merged.ends.length === 0) continue;
              write(runId, id, merged, last !== undefined);
              t = phases.lap('merge', t);
              onMerged?.(id, { fresh, all: () => merged }, range);
            }
            t = phases.lap('alerts', t);
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
        phases: phases.seconds,
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
      phases: phases.seconds,
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

/** A drive whose windows an update changed: its fresh windows (all ending in the changed range), and all of them. */
export interface MergedDrive {
  fresh: DriveWindows;
  /** Every window of the drive after the update (read back when it was appended in SQL). */
  all(): StoredWindows;
}

/** A drive's windows as stored (typed arrays straight from the blobs). */
export interface StoredWindows {
  ends: Int32Array;
  scores: Float32Array;
  dayErrors: Float32Array;
  rule: Float32Array;
  robust: Float32Array | null;
}

const NO_WINDOWS: StoredWindows = {
  ends: new Int32Array(0),
  scores: new Float32Array(0),
  dayErrors: new Float32Array(0),
  rule: new Float32Array(0),
  robust: null,
};

/**
 * A run's stored windows: per slice of drive ids, each drive's last window end day (read from the end of the
 * blob, so the row's big columns stay on disk); and one drive's windows in full, for the drives whose new
 * windows fall among stored ones.
 */
function storedWindows(
  db: Db,
  runId: number,
): { tails(lo: number, hi: number): Map<number, number>; one(driveId: number): StoredWindows | null } {
  const tails = db
    .prepare(
      `SELECT drive_id, substr(end_days, -4) FROM scores WHERE run_id = ? AND drive_id >= ? AND drive_id < ?`,
    )
    .raw();
  const one = db.prepare(
    'SELECT end_days, window_scores, day_errors, rule_scores, robust_scores FROM scores WHERE run_id = ? AND drive_id = ?',
  );
  return {
    tails: (lo, hi) => {
      const out = new Map<number, number>();
      for (const [id, end] of tails.iterate(runId, lo, hi) as IterableIterator<[number, Buffer]>)
        out.set(id, end.readInt32LE(0));
      return out;
    },
    one: (driveId) => {
      const r = one.get(runId, driveId) as
        | {
            end_days: Buffer;
            window_scores: Buffer;
            day_errors: Buffer | null;
            rule_scores: Buffer | null;
            robust_scores: Buffer | null;
          }
        | undefined;
      return r
        ? {
            ends: int32Of(r.end_days),
            scores: float32Of(r.window_scores),
            dayErrors: r.day_errors ? float32Of(r.day_errors) : new Float32Array(0),
            rule: r.rule_scores ? float32Of(r.rule_scores) : new Float32Array(0),
            robust: r.robust_scores ? float32Of(r.robust_scores) : null,
          }
        : null;
    },
  };
}

/**
 * Appends windows after a drive's stored ones in SQL (blob || blob), updating its worst window where a new one is
 * worse (ties keep the earlier, as a full scoring's first maximum does).
 */
function appendWindows(db: Db): (runId: number, driveId: number, w: DriveWindows) => void {
  const update = db.prepare(
    `UPDATE scores SET windows = windows + @k,
       max_score = CASE WHEN @max > max_score THEN @max ELSE max_score END,
       max_day = CASE WHEN @max > max_score THEN @maxDay ELSE max_day END,
       end_days = CAST(end_days || @ends AS BLOB),
       window_scores = CAST(window_scores || @scores AS BLOB),
       day_errors = CASE WHEN day_errors IS NULL THEN NULL ELSE CAST(day_errors || @errors AS BLOB) END,
       rule_scores = CAST(rule_scores || @rule AS BLOB),
       robust_scores = CASE WHEN robust_scores IS NULL THEN NULL ELSE CAST(robust_scores || @robust AS BLOB) END
     WHERE run_id = @runId AND drive_id = @driveId`,
  );
  return (runId, driveId, w) => {
    const scores = Float32Array.from(w.scores);
    let best = 0;
    for (let k = 1; k < scores.length; k++) if (scores[k] > scores[best]) best = k;
    update.run({
      runId,
      driveId,
      k: w.ends.length,
      max: scores[best],
      maxDay: w.ends[best],
      ends: blob(Int32Array.from(w.ends)),
      scores: blob(scores),
      errors: blob(Float32Array.from(w.dayErrors)),
      rule: blob(Float32Array.from(w.rule)),
      robust: blob(Float32Array.from(w.robust ?? [])),
    });
  };
}

/**
 * Writes a drive's merged windows: an UPDATE in place where the drive had a row (a REPLACE would delete it and
 * insert it again at the table's end, moving every row a day), an insert for a drive seen the first time.
 */
function writeMerged(
  db: Db,
  s: Scoring,
): (runId: number, driveId: number, w: StoredWindows, exists: boolean) => void {
  const insert = insertScores(db, s);
  const update = db.prepare(
    `UPDATE scores SET windows = ?, max_score = ?, max_day = ?, end_days = ?, window_scores = ?, day_errors = ?,
       rule_scores = ?, robust_scores = ? WHERE run_id = ? AND drive_id = ?`,
  );
  return (runId, driveId, w, exists) => {
    if (!exists) {
      insert(runId, driveId, w);
      return;
    }
    let best = 0;
    for (let k = 1; k < w.scores.length; k++) if (w.scores[k] > w.scores[best]) best = k;
    update.run(
      w.ends.length,
      w.scores[best],
      w.ends[best],
      blob(w.ends),
      blob(w.scores),
      w.dayErrors.length ? blob(w.dayErrors) : null,
      blob(w.rule),
      w.robust ? blob(w.robust) : null,
      runId,
      driveId,
    );
  };
}

/**
 * A drive's stored windows with those ending in `range` replaced by `fresh` (all of which end in it), in order of
 * their last day: typed arrays spliced with set(), no per-value work beyond the copy.
 */
export function mergeWindows(stored: StoredWindows, fresh: DriveWindows, range: EndDays): StoredWindows {
  const n = stored.ends.length;
  const k = fresh.ends.length;
  let a = 0;
  while (a < n && stored.ends[a] < range.from) a++;
  let b = a;
  while (b < n && stored.ends[b] <= range.to) b++;
  const m = a + k + (n - b);
  const per = n ? stored.dayErrors.length / n : k ? fresh.dayErrors.length / k : 0;
  function splice<T extends Int32Array | Float32Array>(
    old: T,
    mid: ArrayLike<number>,
    width: number,
    out: T,
  ): T {
    out.set(old.subarray(0, a * width));
    out.set(mid, a * width);
    out.set(old.subarray(b * width), (a + k) * width);
    return out;
  }
  return {
    ends: splice(stored.ends, fresh.ends, 1, new Int32Array(m)),
    scores: splice(stored.scores, fresh.scores, 1, new Float32Array(m)),
    dayErrors: per
      ? splice(stored.dayErrors, fresh.dayErrors, per, new Float32Array(m * per))
      : new Float32Array(0),
    rule: splice(stored.rule, fresh.rule, 1, new Float32Array(m)),
    robust:
      (fresh.robust ?? stored.robust)
        ? splice(stored.robust ?? new Float32Array(0), fresh.robust ?? [], 1, new Float32Array(m))
        : null,
  };
}
