import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { DriveSort } from '../api-types';
import { rng } from '../model/rng';
import { openDb } from '../store/db';
import { DriveOrders } from './drive-order';
import { listDrives, type DriveQuery } from './drives';

const dir = mkdtempSync(join(tmpdir(), 'dt-order-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** 3,000 drives over three models, a tenth failed, two thirds scored by run 1 (ties included). */
function fleet(path: string): ReturnType<typeof openDb> {
  const db = openDb(path);
  const random = rng(3);
  const drive = db.prepare(
    'INSERT INTO drives(id, serial, model, first_day, last_day, days_seen, failure_day) VALUES (?,?,?,?,?,?,?)',
  );
  const score = db.prepare(
    `INSERT INTO scores(run_id, drive_id, windows, max_score, max_day, end_days, window_scores)
     VALUES (1, ?, 1, ?, 0, x'', x'')`,
  );
  db.transaction(() => {
    for (let id = 1; id <= 3000; id++) {
      const first = 19_000 + Math.floor(random() * 50);
      drive.run(
        id,
        `S${(id * 7919) % 10007}`,
        `M${id % 3}`,
        first,
        first + 30,
        31,
        random() < 0.1 ? first + 30 : null,
      );
      if (id % 3 !== 0) score.run(id, Math.floor(random() * 50) / 10);
    }
  })();
  return db;
}

test('pages cut from a kept order are the pages LIMIT/OFFSET gives, deep ones included', () => {
  const db = fleet(join(dir, 'a.sqlite'));
  const orders = new DriveOrders(db);
  const queries: DriveQuery[] = [
    {},
    { sort: 'model', dir: 'desc' },
    { sort: 'score', dir: 'desc', runId: 1 },
    { sort: 'failureDay' as DriveSort, status: 'failed' },
    { sort: 'serial', runId: 1, model: 'M2', search: '1' },
  ];
  for (const q of queries)
    for (const offset of [0, 100, 1400, 2950]) {
      const page = { ...q, offset, limit: 100 };
      assert.deepEqual(listDrives(db, page, orders), listDrives(db, page), JSON.stringify(page));
    }
  db.close();
});

test('an order follows the store: at once after this connection writes, after clear() for a job’s', () => {
  const path = join(dir, 'b.sqlite');
  const db = fleet(path);
  const orders = new DriveOrders(db);
  const q: DriveQuery = { sort: 'serial', limit: 5 };
  const before = listDrives(db, q, orders);
  db.prepare(
    "INSERT INTO drives(serial, model, first_day, last_day, days_seen) VALUES ('0B-FIRST', 'M0', 19000, 19001, 2)",
  ).run();
  const mine = listDrives(db, q, orders);
  assert.equal(mine.total, before.total + 1);
  assert.equal(mine.rows[0].serial, '0B-FIRST');

  const worker = openDb(path);
  worker
    .prepare(
      "INSERT INTO drives(serial, model, first_day, last_day, days_seen) VALUES ('0A-FIRST', 'M0', 19000, 19001, 2)",
    )
    .run();
  worker.close();
  orders.clear();
  const theirs = listDrives(db, q, orders);
  assert.equal(theirs.total, before.total + 2);
  assert.equal(theirs.rows[0].serial, '0A-FIRST');
  db.close();
});
