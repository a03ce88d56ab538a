import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDb, type Db } from '../store/db';
import { completeStoredFiles, DriveTallies } from './drive-tallies';
import { runImport } from './import-run';

const SAMPLE = resolve(__dirname, '../../../resources/sample');
const day = (n: number): string => join(SAMPLE, `2013-04-${String(n).padStart(2, '0')}.csv.gz`);

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dt-tallies-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const catalogue = (db: Db): unknown[] =>
  db
    .prepare('SELECT serial, model, first_day, last_day, days_seen, failure_day FROM drives ORDER BY serial')
    .all();

/** What a process killed after storing files but before the import's end leaves: readings, no tallies. */
function cutOffAfterStoring(db: Db): void {
  db.exec(`UPDATE files SET status = 'stored';
    UPDATE drives SET days_seen = 0, failure_day = NULL, last_day = first_day`);
}

describe("drives' tallies, written once per import", () => {
  test('several files in one import give the catalogue that importing them one by one gives', async () => {
    const together = openDb(join(dir, 'together.sqlite'));
    await runImport(together, [day(10), day(11), day(12), day(13)]);
    const apart = openDb(join(dir, 'apart.sqlite'));
    for (const d of [12, 10, 13, 11]) await runImport(apart, [day(d)]);
    assert.deepEqual(catalogue(together), catalogue(apart));
    const seen = together.prepare('SELECT sum(days_seen) FROM drives').pluck().get() as number;
    assert.equal(seen, together.prepare('SELECT count(*) FROM readings').pluck().get());
    assert.equal(together.prepare("SELECT count(*) FROM files WHERE status <> 'done'").pluck().get(), 0);
    together.close();
    apart.close();
  });

  test('files an import stored but did not mark done are completed by the next import, exactly', async () => {
    const db = openDb(join(dir, 'cut.sqlite'));
    await runImport(db, [day(10), day(11)]);
    const expected = catalogue(db);
    cutOffAfterStoring(db);
    assert.notDeepEqual(catalogue(db), expected);
    const r = await runImport(db, [day(11), day(12)]);
    assert.deepEqual(
      r.files.map((f) => f.status),
      ['already-imported', 'imported'],
    );
    const reference = openDb(join(dir, 'cut-reference.sqlite'));
    await runImport(reference, [day(10), day(11), day(12)]);
    assert.deepEqual(catalogue(db), catalogue(reference));
    assert.equal(db.prepare("SELECT count(*) FROM files WHERE status <> 'done'").pluck().get(), 0);
    reference.close();
    db.close();
  });

  test('completeStoredFiles applies a stored file from its readings and marks it done', async () => {
    const db = openDb(join(dir, 'complete.sqlite'));
    await runImport(db, [day(10), day(11), day(12)]);
    const expected = catalogue(db);
    cutOffAfterStoring(db);
    assert.equal(completeStoredFiles(db), 3);
    assert.deepEqual(catalogue(db), expected);
    assert.equal(completeStoredFiles(db), 0);
    db.close();
  });

  test('merging: first and last days widen, counts add, a later file replaces the failure day', () => {
    const a = new DriveTallies();
    a.add(3, 100, 0);
    a.add(3, 102, 1);
    a.add(5000, 7, 0);
    const b = new DriveTallies();
    b.add(3, 99, 0);
    b.add(3, 101, 1);
    a.merge(b);
    assert.equal(a.lastDay(3), 102);
    assert.equal(a.lastDay(5000), 7);
    assert.equal(a.lastDay(4), 0);
    assert.equal(a.drives, 2);
    const db = openDb(join(dir, 'merge.sqlite'));
    db.exec(`INSERT INTO drives(id, serial, model, first_day, last_day, days_seen) VALUES
      (3, 'A', 'm', 98, 98, 1), (5000, 'B', 'm', 0, 0, 0)`);
    a.write(db, []);
    assert.deepEqual(
      db.prepare('SELECT id, first_day, last_day, days_seen, failure_day FROM drives ORDER BY id').all(),
      [
        { id: 3, first_day: 98, last_day: 102, days_seen: 5, failure_day: 101 },
        { id: 5000, first_day: 7, last_day: 7, days_seen: 1, failure_day: null },
      ],
    );
    assert.equal(a.drives, 0, 'written tallies start afresh');
    db.close();
  });
});
