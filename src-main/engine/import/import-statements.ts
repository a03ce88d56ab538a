import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db';

/** Every statement an import runs, prepared once per importer (the multi-row INSERTs once per size). */
export class ImportStatements {
  /** The single-row statements. */
  readonly sql;
  private readonly insertCache = new Map<number, Statement>();
  private readonly upsertCache = new Map<number, Statement>();

  constructor(private readonly db: Db) {
    this.sql = STATEMENTS(db);
  }

  /**
   * Adds n drives not seen before; for a known serial whose model or capacity
   * differs on a day at least as late as its last, takes the new one (a drive
   * renamed between eras, Hitachi -> HGST). Otherwise a no-op index probe.
   */
  upsertDrives(n: number): Statement {
    let st = this.upsertCache.get(n);
    if (!st) {
      const rows = Array.from({ length: n }, () => '(?,?,?,?,?,0,?)').join(',');
      st = this.db.prepare(
        `INSERT INTO drives(serial, model, capacity, first_day, last_day, days_seen, created_file_id) VALUES ${rows}
         ON CONFLICT(serial) DO UPDATE SET model = excluded.model, capacity = excluded.capacity
         WHERE excluded.first_day >= drives.last_day
           AND (drives.model IS NOT excluded.model OR drives.capacity IS NOT excluded.capacity)`,
      );
      this.upsertCache.set(n, st);
    }
    return st;
  }

  /** INSERT of n readings in one statement (prepared once per size). */
  insertReadings(n: number): Statement {
    let st = this.insertCache.get(n);
    if (!st) {
      const rows = Array.from(
        { length: n },
        () => '(?,(SELECT id FROM drives WHERE serial = ?),?,?,?,?)',
      ).join(',');
      st = this.db.prepare(
        `INSERT INTO readings(day, drive_id, failure, file_id, vals, tags) VALUES ${rows} ON CONFLICT(day, drive_id) DO NOTHING`,
      );
      this.insertCache.set(n, st);
    }
    return st;
  }
}

/** The single-row statements: files, rejected rows, and the file's effect on the catalogue. */
const STATEMENTS = (db: Db) => ({
  getReading: db.prepare(
    'SELECT rowid, failure, file_id, vals, tags FROM readings WHERE day = ? AND drive_id = (SELECT id FROM drives WHERE serial = ?)',
  ),
  nextRowid: db.prepare('SELECT coalesce(max(rowid), 0) + 1 FROM readings').pluck(),
  insertReject: db.prepare('INSERT INTO rejected_rows(file_id, line, reason, raw) VALUES (?,?,?,?)'),
  fileBySha: db.prepare('SELECT id, status FROM files WHERE sha256 = ?'),
  insertFile: db.prepare(
    `INSERT INTO files(name, size, sha256, first_rowid, status, started_at)
       VALUES (?, ?, ?, (SELECT coalesce(max(rowid), 0) + 1 FROM readings), 'running', ?)`,
  ),
  restartFile: db.prepare(
    `UPDATE files SET name = ?, status = 'running', rows_accepted = 0, rows_rejected = 0, rows_duplicate = 0,
       started_at = ?, finished_at = NULL, error = NULL WHERE id = ?`,
  ),
  fileCounts: db.prepare(
    'UPDATE files SET rows_accepted = ?, rows_rejected = ?, rows_duplicate = ? WHERE id = ?',
  ),
  finishFile: db.prepare(
    'UPDATE files SET status = ?, rows_accepted = ?, rows_rejected = ?, rows_duplicate = ?, finished_at = ?, error = ? WHERE id = ?',
  ),
  // The file's effect on the catalogue, one day at a time, inside SQLite: every drive
  // with a reading of this file on that day (found through the (day, drive) index).
  applyDay: db.prepare(
    `UPDATE drives SET
         first_day   = CASE WHEN days_seen = 0 THEN @day ELSE min(first_day, @day) END,
         last_day    = CASE WHEN days_seen = 0 THEN @day ELSE max(last_day, @day) END,
         days_seen   = days_seen + 1,
         failure_day = CASE WHEN r.failure = 1 THEN @day ELSE failure_day END
       FROM (SELECT drive_id, failure FROM readings WHERE day = @day AND file_id = @file) AS r
       WHERE drives.id = r.drive_id`,
  ),
  applyAttr: db.prepare('UPDATE attributes SET present_rows = present_rows + ? WHERE slot = ?'),
});
