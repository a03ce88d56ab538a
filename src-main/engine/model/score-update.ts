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
import { dataSpan, type EndDays, type SeriesCube } from '../catalogue/windows';
import { CubePrefetch } from '../catalogue/cube-prefetch';
import type { Db } from '../store/db';
import { toBlob as blob } from '../store/blobs';
import { decodeRow, RecentSlice, type ScoreBlobs, type StoredWindows } from './score-store';

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
 * scored again. `onMerged` hears each changed drive's windows, and `onCommit` the new mark once every slice is
 * merged, both inside the transaction that stores them (what they write lands with the scores, or not at all).
 * Neither is called when there is nothing new or every window is scored again.
 */
export async function scoreNewReadings(
  db: Db,
  runId: number,
  since: ScoredThrough,
  hooks: ScoreHooks = {},
  onMerged?: (driveId: number, windows: MergedDrive, changed: EndDays) => void,
  onCommit?: (mark: ScoredThrough) => void,
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
    const starts = sliceStarts(changed, DRIVES_PER_SLICE);
    const cubes = new CubePrefetch(
      db,
      scoring.features,
      starts.map((lo) => ({ lo, hi: lo + DRIVES_PER_SLICE, fromDay, toDay })),
    );
    try {
      db.transaction(() => {
        const write = writeMerged(db, scoring);
        const raiseMax = raiseMaxima(db);
        const { tails, one } = storedWindows(db, runId);
        for (const lo of starts) {
          let t = performance.now();
          const raw = cubes.next();
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
          const recent = new RecentSlice(db, runId, lo, lo + DRIVES_PER_SLICE);
          const stored = tails(lo, lo + DRIVES_PER_SLICE, recent, raw.driveIds.length);
          const all = (id: number): StoredWindows => recent.complete(id, one(id)!);
          t = phases.lap('read', t);
          for (let row = 0; row < slice.length; row++) {
            const id = raw.driveIds[row];
            if (!changed.has(id)) continue;
            // A drive with no window in range: none to append, and any stored there go (merged with none).
            const fresh = slice[row] ?? { ends: [], scores: [], dayErrors: [], rule: [], robust: null };
            const range = { from: rowEnds.fromByRow![row], to: endDays.to };
            const last = stored.get(id);
            if (last !== undefined && last.end < range.from) {
              // The common day: the drive's new windows come after all its stored ones. They join the recent
              // windows, so its row is written only where its score rose.
              if (fresh.ends.length === 0) continue;
              recent.append(id, fresh);
              raiseMax(runId, id, fresh, last.max);
              t = phases.lap('append', t);
              onMerged?.(id, { fresh, previous: last.score, all: () => all(id) }, range);
            } else {
              const merged = mergeWindows(last === undefined ? NO_WINDOWS : all(id), fresh, range);
              if (merged.ends.length === 0) continue;
              write(runId, id, merged, last !== undefined);
              recent.remove(id);
              t = phases.lap('merge', t);
              onMerged?.(id, { fresh, all: () => merged }, range);
            }
            t = phases.lap('alerts', t);
            drives++;
          }
          recent.write(news.hi!);
          t = phases.lap('write', t);
        }
        recordScoredThrough(db, runId, mark);
        onCommit?.(mark);
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
    } finally {
      cubes.close();
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
  /** The score of the drive's window before the fresh ones (null: none), where known without reading its row. */
  previous?: number | null;
  /** Every window of the drive after the update (read back when it was appended in SQL). */
  all(): StoredWindows;
}

const NO_WINDOWS: StoredWindows = {
  ends: new Int32Array(0),
  scores: new Float32Array(0),
  dayErrors: new Float32Array(0),
  rule: new Float32Array(0),
  robust: null,
};

/** A drive's last window and its score, as an update finds them. */
interface Tail {
  end: number;
  score: number;
  /** The drive's score (its worst window so far). */
  max: number;
}

/**
 * A run's stored windows: per slice of drive ids, each drive's last window and its score (read from the end of
 * its row's blobs, so the big columns stay on disk, unless a recent window is later) and its worst; and one
 * drive's row in full, for the drives whose new windows fall among stored ones.
 */
function storedWindows(
  db: Db,
  runId: number,
): {
  tails(lo: number, hi: number, recent: RecentSlice, drives: number): Map<number, Tail>;
  one(driveId: number): StoredWindows | null;
} {
  const tails = db
    .prepare(
      `SELECT drive_id, max_score, substr(end_days, -4), substr(window_scores, -4) FROM scores
       WHERE run_id = ? AND drive_id >= ? AND drive_id < ?`,
    )
    .raw();
  const maxima = db
    .prepare(
      `SELECT drive_id, max_score FROM scores INDEXED BY scores_drive_max
       WHERE run_id = ? AND drive_id >= ? AND drive_id < ?`,
    )
    .raw();
  const lastOf = db
    .prepare(
      'SELECT substr(end_days, -4), substr(window_scores, -4) FROM scores WHERE run_id = ? AND drive_id = ?',
    )
    .raw();
  const one = db.prepare(
    'SELECT end_days, window_scores, day_errors, rule_scores, robust_scores FROM scores WHERE run_id = ? AND drive_id = ?',
  );
  return {
    tails: (lo, hi, recent, drives) => {
      const out = new Map<number, Tail>();
      if (recent.drives() * 2 < drives) {
        // Most drives' last windows are in their rows (the first day after a scoring, or a group just folded).
        for (const [id, max, end, score] of tails.iterate(runId, lo, hi) as IterableIterator<
          [number, number, Buffer, Buffer]
        >) {
          const later = recent.latest(id);
          out.set(
            id,
            later ? { ...later, max } : { end: end.readInt32LE(0), score: score.readFloatLE(0), max },
          );
        }
        return out;
      }
      // Most are in the recent windows: the rows are read only for the others.
      for (const [id, max] of maxima.iterate(runId, lo, hi) as IterableIterator<[number, number]>) {
        const later = recent.latest(id);
        if (later) out.set(id, { ...later, max });
        else {
          const [end, score] = lastOf.get(runId, id) as [Buffer, Buffer];
          out.set(id, { end: end.readInt32LE(0), score: score.readFloatLE(0), max });
        }
      }
      return out;
    },
    one: (driveId) => {
      const r = one.get(runId, driveId) as ScoreBlobs | undefined;
      return r ? decodeRow(r) : null;
    },
  };
}

/**
 * Raises a drive's score where one of its appended windows is worse than its worst so far (ties keep the
 * earlier, as a full scoring's first maximum does): the only write to its row on a common day.
 */
function raiseMaxima(db: Db): (runId: number, driveId: number, w: DriveWindows, max: number) => void {
  const update = db.prepare('UPDATE scores SET max_score = ?, max_day = ? WHERE run_id = ? AND drive_id = ?');
  return (runId, driveId, w, max) => {
    let best = -1;
    for (let k = 0; k < w.scores.length; k++) if (w.scores[k] > (best < 0 ? max : w.scores[best])) best = k;
    if (best >= 0) update.run(w.scores[best], w.ends[best], runId, driveId);
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
