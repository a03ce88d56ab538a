import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { openDb } from './db';
import { SCHEMA_VERSION } from './migrations';

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
