import type { Db } from '../store/db';
import { float32Of, int32Of, toBlob as blob } from '../store/blobs';

/**
 * Where a run's window scores are stored. Each drive has a row in `scores` holding its windows as typed-array
 * blobs with its score (the worst window) indexed for ranking. A daily update appends one window to nearly every
 * drive: rewriting each drive's whole history for it costs a row rewrite per drive (15 s at 300,000 drives), so
 * appended windows go to `recent_windows` instead, one row per group of RECENT_GROUP drive ids and end day, and
 * are folded into the drives' rows a group at a time, each group every FOLD_EVERY_DAYS days at the latest.
 *
 * Invariant: a drive's recent windows all end after the last window of its row, and only drives with a row have
 * recent windows. Readers get a drive's windows through RunWindows, which appends them.
 */

/** Drive ids per recent row: small enough that reading one drive's recent windows stays cheap. */
export const RECENT_GROUP = 1024;

/** A group's recent windows are folded into its drives' rows at least this often (in days of data). */
export const FOLD_EVERY_DAYS = 7;

export const groupOf = (driveId: number): number => Math.floor(driveId / RECENT_GROUP);

/** A drive's windows as stored (typed arrays straight from the blobs). */
export interface StoredWindows {
  ends: Int32Array;
  scores: Float32Array;
  dayErrors: Float32Array;
  rule: Float32Array;
  robust: Float32Array | null;
}

/** Windows to append, as scored (arrays) or as stored (typed arrays). */
export interface WindowsOfDrive {
  ends: ArrayLike<number>;
  scores: ArrayLike<number>;
  dayErrors: ArrayLike<number>;
  rule: ArrayLike<number>;
  robust: ArrayLike<number> | null;
}

/**
 * A drive's row as a reader selected it: columns left out (undefined) come back empty; day_errors and
 * robust_scores are NULL where the run has none for the drive.
 */
export interface ScoreBlobs {
  end_days: Buffer;
  window_scores: Buffer;
  day_errors?: Buffer | null;
  rule_scores?: Buffer | null;
  robust_scores?: Buffer | null;
}

/** One end day of a group: the windows of the group's drives that end on it. */
interface RecentDay {
  endDay: number;
  ids: Int32Array;
  scores: Float32Array;
  rule: Float32Array;
  robust: Float32Array | null;
  /** [drive][attribute]; null where the run has no per-attribute values. */
  errors: Float32Array | null;
}

export function decodeRow(row: ScoreBlobs): StoredWindows {
  return {
    ends: int32Of(row.end_days),
    scores: float32Of(row.window_scores),
    dayErrors: row.day_errors ? float32Of(row.day_errors) : new Float32Array(0),
    rule: row.rule_scores ? float32Of(row.rule_scores) : new Float32Array(0),
    robust: row.robust_scores ? float32Of(row.robust_scores) : null,
  };
}

/** Which of a row's columns a reader asked for, so appended windows extend only those. */
interface Columns {
  dayErrors: boolean;
  rule: boolean;
  robust: boolean;
}

const columnsOf = (row: ScoreBlobs): Columns => ({
  dayErrors: Boolean(row.day_errors),
  rule: Boolean(row.rule_scores),
  robust: Boolean(row.robust_scores),
});

/** Index of `id` in ascending `ids`, or -1. */
function find(ids: Int32Array, id: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid] === id) return mid;
    if (ids[mid] < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** `stored` followed by the drive's windows in `days` (ascending end days). */
function extend(stored: StoredWindows, days: RecentDay[], driveId: number, cols: Columns): StoredWindows {
  const at: [RecentDay, number][] = [];
  for (const d of days) {
    const k = find(d.ids, driveId);
    if (k >= 0) at.push([d, k]);
  }
  if (at.length === 0) return stored;
  const n = stored.ends.length;
  const m = n + at.length;
  const F = cols.dayErrors && at[0][0].errors ? at[0][0].errors.length / at[0][0].ids.length : 0;
  const out: StoredWindows = {
    ends: new Int32Array(m),
    scores: new Float32Array(m),
    dayErrors: new Float32Array(F ? m * F : 0),
    rule: new Float32Array(cols.rule ? m : 0),
    robust: cols.robust && stored.robust ? new Float32Array(m) : null,
  };
  out.ends.set(stored.ends);
  out.scores.set(stored.scores);
  if (F) out.dayErrors.set(stored.dayErrors);
  if (cols.rule) out.rule.set(stored.rule);
  if (out.robust) out.robust.set(stored.robust!);
  at.forEach(([d, k], j) => {
    const w = n + j;
    out.ends[w] = d.endDay;
    out.scores[w] = d.scores[k];
    if (F) out.dayErrors.set(d.errors!.subarray(k * F, (k + 1) * F), w * F);
    if (cols.rule) out.rule[w] = d.rule[k];
    if (out.robust) out.robust[w] = d.robust ? d.robust[k] : NaN;
  });
  return out;
}

function readGroup(db: Db, runId: number, grp: number): RecentDay[] {
  const rows = db
    .prepare(
      `SELECT end_day, drive_ids, window_scores, rule_scores, robust_scores, day_errors FROM recent_windows
       WHERE run_id = ? AND grp = ? ORDER BY end_day`,
    )
    .raw()
    .all(runId, grp) as [number, Buffer, Buffer, Buffer, Buffer | null, Buffer | null][];
  return rows.map(([endDay, ids, scores, rule, robust, errors]) => ({
    endDay,
    ids: int32Of(ids),
    scores: float32Of(scores),
    rule: float32Of(rule),
    robust: robust ? float32Of(robust) : null,
    errors: errors ? float32Of(errors) : null,
  }));
}

/**
 * Reads drives' windows under one run: a drive's row, then the windows appended since. Groups are read once and
 * kept while a reader walks drives in order (or a page of them).
 */
export class RunWindows {
  private readonly any: boolean;
  private readonly groups = new Map<number, RecentDay[]>();

  constructor(
    private readonly db: Db,
    private readonly runId: number,
  ) {
    this.any = Boolean(db.prepare('SELECT 1 FROM recent_windows WHERE run_id = ? LIMIT 1').get(runId));
  }

  /** The drive's windows: those of its row (as selected), then its recent ones. */
  of(driveId: number, row: ScoreBlobs): StoredWindows {
    const stored = decodeRow(row);
    return this.any ? extend(stored, this.group(driveId), driveId, columnsOf(row)) : stored;
  }

  /** How many of the drive's windows are recent (not yet counted in its row's `windows`). */
  recentCount(driveId: number): number {
    if (!this.any) return 0;
    return this.group(driveId).filter((d) => find(d.ids, driveId) >= 0).length;
  }

  private group(driveId: number): RecentDay[] {
    const g = groupOf(driveId);
    let days = this.groups.get(g);
    if (!days) {
      if (this.groups.size >= 64) this.groups.clear();
      days = readGroup(this.db, this.runId, g);
      this.groups.set(g, days);
    }
    return days;
  }
}

/** The windows appended to one group in an update, per end day, before they are written. */
type Pending = Map<
  number,
  { ids: number[]; scores: number[]; rule: number[]; robust: number[]; errors: number[] }
>;

/**
 * The recent windows of one slice of drive ids while an update changes them: read once, changed in memory
 * (windows appended, a drive's taken back into its row), then written back, folding the groups that are due.
 */
export class RecentSlice {
  private readonly days = new Map<number, RecentDay[]>();
  private readonly pending = new Map<number, Pending>();
  private readonly removed = new Map<number, Set<number>>();
  /** Groups' days as merged() makes them, kept for complete() until the group changes again. */
  private readonly current = new Map<number, RecentDay[]>();
  private F = -1;

  constructor(
    private readonly db: Db,
    private readonly runId: number,
    lo: number,
    hi: number,
  ) {
    for (let g = groupOf(lo); g <= groupOf(hi - 1); g++) this.days.set(g, readGroup(db, runId, g));
  }

  /** How many drives have recent windows (an upper bound: some may have been taken back into their rows). */
  drives(): number {
    let n = 0;
    for (const days of this.days.values()) {
      const ids = new Set<number>();
      for (const d of days) for (const id of d.ids) ids.add(id);
      n += ids.size;
    }
    return n;
  }

  /** The drive's last recent window (its end day and score), if it has any. */
  latest(driveId: number): { end: number; score: number } | null {
    const days = this.days.get(groupOf(driveId)) ?? [];
    for (let d = days.length - 1; d >= 0; d--) {
      const k = find(days[d].ids, driveId);
      if (k >= 0 && !this.removed.get(groupOf(driveId))?.has(driveId))
        return { end: days[d].endDay, score: days[d].scores[k] };
    }
    return null;
  }

  /** The drive's windows: its row's, then its recent ones, the ones appended in this update included. */
  complete(driveId: number, row: StoredWindows): StoredWindows {
    const g = groupOf(driveId);
    let days = this.current.get(g);
    if (!days) this.current.set(g, (days = this.merged(g, this.days.get(g) ?? [])));
    return extend(row, days, driveId, { dayErrors: true, rule: true, robust: true });
  }

  /** Appends a drive's new windows (all after its stored ones). */
  append(driveId: number, w: WindowsOfDrive): void {
    const g = groupOf(driveId);
    this.current.delete(g);
    let groupPending = this.pending.get(g);
    if (!groupPending) this.pending.set(g, (groupPending = new Map()));
    const F = w.ends.length ? w.dayErrors.length / w.ends.length : 0;
    for (let k = 0; k < w.ends.length; k++) {
      let p = groupPending.get(w.ends[k]);
      if (!p) groupPending.set(w.ends[k], (p = { ids: [], scores: [], rule: [], robust: [], errors: [] }));
      p.ids.push(driveId);
      p.scores.push(w.scores[k]);
      p.rule.push(w.rule[k]);
      p.robust.push(w.robust ? w.robust[k] : NaN);
      for (let f = 0; f < F; f++) p.errors.push(w.dayErrors[k * F + f]);
    }
    if (w.ends.length) this.F = F;
  }

  /** Forgets a drive's recent windows: its row was written again with all of them. */
  remove(driveId: number): void {
    const g = groupOf(driveId);
    this.current.delete(g);
    const has = (this.days.get(g) ?? []).some((d) => find(d.ids, driveId) >= 0);
    if (!has) return;
    let set = this.removed.get(g);
    if (!set) this.removed.set(g, (set = new Set()));
    set.add(driveId);
  }

  /**
   * Writes the slice's recent windows back: a group due to fold (its turn among FOLD_EVERY_DAYS, counted by
   * `newestDay`, or holding that many days) goes into its drives' rows; another is written where it changed.
   */
  write(newestDay: number): void {
    const readRow = this.db.prepare(
      `SELECT end_days, window_scores, day_errors, rule_scores, robust_scores FROM scores
       WHERE run_id = ? AND drive_id = ?`,
    );
    const writeRow = this.db.prepare(
      `UPDATE scores SET windows = ?, end_days = ?, window_scores = ?, day_errors = ?, rule_scores = ?,
         robust_scores = ? WHERE run_id = ? AND drive_id = ?`,
    );
    const clear = this.db.prepare('DELETE FROM recent_windows WHERE run_id = ? AND grp = ?');
    const put = this.db.prepare(
      `INSERT INTO recent_windows(run_id, grp, end_day, drive_ids, window_scores, rule_scores,
         robust_scores, day_errors) VALUES (?,?,?,?,?,?,?,?)`,
    );
    for (const [g, stored] of this.days) {
      const changed = this.removed.has(g) || this.pending.has(g);
      const days = changed ? this.merged(g, stored) : stored;
      if (days.length && this.due(g, days, newestDay)) {
        // Fold: every drive of the group gets its recent windows into its row, and the group starts empty.
        const drives = new Set<number>();
        for (const d of days) for (const id of d.ids) drives.add(id);
        for (const id of [...drives].sort((a, b) => a - b)) {
          const row = readRow.get(this.runId, id) as ScoreBlobs | undefined;
          if (!row) continue;
          const w = extend(decodeRow(row), days, id, columnsOf(row));
          writeRow.run(
            w.ends.length,
            blob(w.ends),
            blob(w.scores),
            w.dayErrors.length ? blob(w.dayErrors) : null,
            blob(w.rule),
            w.robust ? blob(w.robust) : null,
            this.runId,
            id,
          );
        }
        clear.run(this.runId, g);
      } else if (changed) {
        clear.run(this.runId, g);
        for (const d of days)
          put.run(
            this.runId,
            g,
            d.endDay,
            blob(d.ids),
            blob(d.scores),
            blob(d.rule),
            d.robust ? blob(d.robust) : null,
            d.errors ? blob(d.errors) : null,
          );
      }
    }
  }

  private due(g: number, days: RecentDay[], newestDay: number): boolean {
    return (newestDay + g) % FOLD_EVERY_DAYS === 0 || newestDay - days[0].endDay + 1 >= FOLD_EVERY_DAYS;
  }

  /** A group's days as they stand after this update: removed drives dropped, pending windows added. */
  private merged(g: number, stored: RecentDay[]): RecentDay[] {
    const removed = this.removed.get(g);
    const pending = this.pending.get(g);
    if (!removed && !pending) return stored;
    const byDay = new Map<number, RecentDay>();
    for (const d of stored) byDay.set(d.endDay, removed ? without(d, removed) : d);
    for (const [endDay, p] of pending ?? []) {
      const F = this.F > 0 ? this.F : 0;
      const add: RecentDay = {
        endDay,
        ids: Int32Array.from(p.ids),
        scores: Float32Array.from(p.scores),
        rule: Float32Array.from(p.rule),
        robust: Float32Array.from(p.robust),
        errors: F ? Float32Array.from(p.errors) : null,
      };
      const old = byDay.get(endDay);
      byDay.set(endDay, old ? union(old, add) : add);
    }
    return [...byDay.values()].filter((d) => d.ids.length > 0).sort((a, b) => a.endDay - b.endDay);
  }
}

/** A day without some drives. */
function without(d: RecentDay, drop: Set<number>): RecentDay {
  const keep: number[] = [];
  d.ids.forEach((id, k) => {
    if (!drop.has(id)) keep.push(k);
  });
  return pick(
    d,
    keep.map((k) => [d, k]),
  );
}

/** Two days' windows of one end day, by ascending drive id (a drive in both: the later one's). */
function union(a: RecentDay, b: RecentDay): RecentDay {
  const at = new Map<number, [RecentDay, number]>();
  a.ids.forEach((id, k) => at.set(id, [a, k]));
  b.ids.forEach((id, k) => at.set(id, [b, k]));
  return pick(
    a,
    [...at.entries()].sort((x, y) => x[0] - y[0]).map(([, v]) => v),
  );
}

function pick(like: RecentDay, from: [RecentDay, number][]): RecentDay {
  const n = from.length;
  const F = like.errors ? like.errors.length / Math.max(1, like.ids.length) : 0;
  const out: RecentDay = {
    endDay: like.endDay,
    ids: new Int32Array(n),
    scores: new Float32Array(n),
    rule: new Float32Array(n),
    robust: new Float32Array(n),
    errors: like.errors ? new Float32Array(n * F) : null,
  };
  from.forEach(([d, k], j) => {
    out.ids[j] = d.ids[k];
    out.scores[j] = d.scores[k];
    out.rule[j] = d.rule[k];
    out.robust![j] = d.robust ? d.robust[k] : NaN;
    if (out.errors && d.errors) out.errors.set(d.errors.subarray(k * F, (k + 1) * F), j * F);
  });
  return out;
}
