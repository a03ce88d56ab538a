import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { openDb } from './db';
import { migrate, SCHEMA_VERSION } from './migrations';

const dir = mkdtempSync(join(tmpdir(), 'dt-migrate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a new file is created at the current schema version, in WAL mode', () => {
  const db = openDb(join(dir, 'new.sqlite'));
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
});

test('an older file is migrated on open, keeping what it holds', () => {
  const path = join(dir, 'old.sqlite');
  const raw = new Database(path);
  raw.exec("CREATE TABLE notes(x TEXT); INSERT INTO notes VALUES ('kept')");
  raw.close();
  const db = openDb(path);
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.equal(db.prepare('SELECT x FROM notes').pluck().get(), 'kept');
  assert.equal(db.prepare('SELECT count(*) FROM drives').pluck().get(), 0);
  db.close();
});

test('a file from a newer version is refused with a clear message', () => {
  const path = join(dir, 'newer.sqlite');
  const raw = new Database(path);
  raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  raw.close();
  assert.throws(
    () => openDb(path),
    (e: Error) =>
      e.message.includes(path) &&
      e.message.includes(
        `newer Drive Triage (schema version ${SCHEMA_VERSION + 1}; this version reads up to ${SCHEMA_VERSION})`,
      ),
  );
});

test('scores written before version 5 (a WITHOUT ROWID table) keep every column in the rowid table', () => {
  const path = join(dir, 'v4.sqlite');
  const raw = new Database(path);
  migrate(raw, path, 4);
  raw
    .prepare(
      `INSERT INTO scores(run_id, drive_id, windows, max_score, max_day, end_days, window_scores, day_errors,
         split, rule_scores, robust_scores) VALUES (7, 3, 2, 0.5, 19001, ?, ?, ?, 2, ?, ?)`,
    )
    .run(Buffer.from([1, 2]), Buffer.from([3, 4]), Buffer.from([5]), Buffer.from([6]), Buffer.from([7]));
  raw.close();
  const db = openDb(path);
  const row = db.prepare('SELECT * FROM scores').get() as Record<string, unknown>;
  assert.deepEqual(
    { ...row },
    {
      run_id: 7,
      drive_id: 3,
      windows: 2,
      max_score: 0.5,
      max_day: 19001,
      split: 2,
      end_days: Buffer.from([1, 2]),
      window_scores: Buffer.from([3, 4]),
      rule_scores: Buffer.from([6]),
      robust_scores: Buffer.from([7]),
      day_errors: Buffer.from([5]),
    },
  );
  const sql = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'scores'").pluck().get() as string;
  assert.doesNotMatch(sql, /WITHOUT ROWID/);
  assert.equal(
    db
      .prepare("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'scores_rank'")
      .pluck()
      .get(),
    1,
  );
  db.close();
});
