import type { Db } from '../store/db';

/**
 * What accepted readings add to their drives' catalogue row (days seen, first and last day, failure day), by
 * drive id, kept in memory and written once per import rather than once per file: a day of 300,000 drives
 * rewrote 300,000 catalogue rows per file, as long as writing the readings themselves. A file's own tallies join
 * the import's once the file is stored (`status = 'stored'`); `write` applies them all and marks those files
 * done in one transaction, and `completeStoredFiles` finishes the files of an import that was cut off.
 */
export class DriveTallies {
  private seen: Int32Array<ArrayBuffer> = new Int32Array(0);
  private first = new Int32Array(0);
  private last = new Int32Array(0);
  /** The failure = 1 reading's day; 0 = none (no accepted reading is dated 1970). */
  private failure = new Int32Array(0);
  private top = 0;

  add(id: number, day: number, failed: number): void {
    if (id >= this.seen.length) this.grow(id + 1);
    if (this.seen[id] === 0) {
      this.first[id] = day;
      this.last[id] = day;
    } else {
      if (day < this.first[id]) this.first[id] = day;
      if (day > this.last[id]) this.last[id] = day;
    }
    this.seen[id]++;
    if (failed === 1 && day > this.failure[id]) this.failure[id] = day;
    if (id >= this.top) this.top = id + 1;
  }

  /** Adds another file's tallies to these; a later file's failure day replaces an earlier one's. */
  merge(other: DriveTallies): void {
    if (other.top > this.seen.length) this.grow(other.top);
    for (let id = 0; id < other.top; id++) {
      const n = other.seen[id];
      if (n === 0) continue;
      if (this.seen[id] === 0) {
        this.first[id] = other.first[id];
        this.last[id] = other.last[id];
      } else {
        if (other.first[id] < this.first[id]) this.first[id] = other.first[id];
        if (other.last[id] > this.last[id]) this.last[id] = other.last[id];
      }
      this.seen[id] += n;
      if (other.failure[id] !== 0) this.failure[id] = other.failure[id];
    }
    if (other.top > this.top) this.top = other.top;
  }

  /** The latest day these tallies hold for a drive; 0 if none. */
  lastDay(id: number): number {
    return id < this.top && this.seen[id] > 0 ? this.last[id] : 0;
  }

  clear(): void {
    this.seen.fill(0, 0, this.top);
    this.first.fill(0, 0, this.top);
    this.last.fill(0, 0, this.top);
    this.failure.fill(0, 0, this.top);
    this.top = 0;
  }

  /** Drives these tallies touch. */
  get drives(): number {
    let n = 0;
    for (let id = 0; id < this.top; id++) if (this.seen[id] > 0) n++;
    return n;
  }

  /** Applies the tallies to `drives` and marks `fileIds` done, in one transaction; then starts afresh. */
  write(db: Db, fileIds: readonly number[]): void {
    const update = db.prepare(
      `UPDATE drives SET
         first_day   = CASE WHEN days_seen = 0 THEN ? ELSE min(first_day, ?) END,
         last_day    = CASE WHEN days_seen = 0 THEN ? ELSE max(last_day, ?) END,
         days_seen   = days_seen + ?,
         failure_day = coalesce(?, failure_day)
       WHERE id = ?`,
    );
    const done = db.prepare("UPDATE files SET status = 'done' WHERE id = ? AND status = 'stored'");
    db.transaction(() => {
      for (let id = 0; id < this.top; id++) {
        const n = this.seen[id];
        if (n === 0) continue;
        const first = this.first[id];
        const last = this.last[id];
        update.run(first, first, last, last, n, this.failure[id] === 0 ? null : this.failure[id], id);
      }
      for (const f of fileIds) done.run(f);
    })();
    this.clear();
  }

  private grow(need: number): void {
    const size = Math.max(need, this.seen.length * 2, 1024);
    const more = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.seen = more(this.seen);
    this.first = more(this.first);
    this.last = more(this.last);
    this.failure = more(this.failure);
  }
}

/**
 * Files an import stored but did not get to mark done (the process was killed between a file and the import's
 * end): their drives' tallies are applied from their readings, a day at a time through the (day, drive) index,
 * as a file's own tallies would have been. Run where no import holds the workspace.
 */
export function completeStoredFiles(db: Db): number {
  const stored = db
    .prepare("SELECT id, first_rowid FROM files WHERE status = 'stored' ORDER BY id")
    .all() as { id: number; first_rowid: number }[];
  if (stored.length === 0) return 0;
  const daysOf = db
    .prepare('SELECT DISTINCT day FROM readings WHERE rowid >= ? AND file_id = ? ORDER BY day')
    .pluck();
  const applyDay = db.prepare(
    `UPDATE drives SET
         first_day   = CASE WHEN days_seen = 0 THEN @day ELSE min(first_day, @day) END,
         last_day    = CASE WHEN days_seen = 0 THEN @day ELSE max(last_day, @day) END,
         days_seen   = days_seen + 1,
         failure_day = CASE WHEN r.failure = 1 THEN @day ELSE failure_day END
       FROM (SELECT drive_id, failure FROM readings WHERE day = @day AND file_id = @file) AS r
       WHERE drives.id = r.drive_id`,
  );
  const done = db.prepare("UPDATE files SET status = 'done' WHERE id = ?");
  db.transaction(() => {
    for (const f of stored) {
      for (const day of daysOf.all(f.first_rowid, f.id) as number[]) applyDay.run({ day, file: f.id });
      done.run(f.id);
    }
  })();
  return stored.length;
}
