import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db';

/** Every statement an import runs, prepared once per importer (the multi-row INSERTs once per size). */
export class ImportStatements {
  /** The single-row statements. */
  readonly sql;
  private readonly insertCache = new Map<number, Statement>();

  constructor(private readonly db: Db) {
    this.sql = STATEMENTS(db);
  }

  /** INSERT of n readings in one statement (prepared once per size). */
  insertReadings(n: number): Statement {
    let st = this.insertCache.get(n);
    if (!st) {
      const rows = Array.from({ length: n }, () => '(?,?,?,?,?,?)').join(',');
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
    'SELECT rowid, failure, file_id, vals, tags FROM readings WHERE day = ? AND drive_id = ?',
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
  applyAttr: db.prepare('UPDATE attributes SET present_rows = present_rows + ? WHERE slot = ?'),
});
