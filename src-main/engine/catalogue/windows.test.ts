import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { runImport } from '../import/import-run';
import { openDb, type Db } from '../store/db';
import { driveSeries } from './drives';
import { countWindows, loadCube, windowBatches } from './windows';

const SAMPLE = resolve(__dirname, '../../../resources/sample');
let dir: string;
let db: Db;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dt-windows-'));
  db = openDb(join(dir, 'w.sqlite'));
  await runImport(db, [SAMPLE]);
});
after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the cube holds every reading of the chosen attributes, in the order asked', () => {
  const features = ['smart_9_raw', 'smart_5_raw', 'smart_194_raw'];
  const cube = loadCube(db, features);
  assert.equal(cube.driveIds.length, 5057);
  assert.equal(cube.days, 40);
  assert.equal(
    cube.present.reduce((s, x) => s + x, 0),
    191_398,
  );
  const id = db.prepare("SELECT id FROM drives WHERE serial = '5XW02LSS'").pluck().get() as number;
  const row = cube.driveIds.indexOf(id);
  const series = driveSeries(db, '5XW02LSS', features);
  for (let d = 0; d < series.days.length; d++) {
    const day = Date.parse(`${series.days[d]}T00:00:00Z`) / 86_400_000 - cube.firstDay;
    for (let k = 0; k < 3; k++) {
      assert.equal(
        cube.values[(row * cube.days + day) * 3 + k],
        Math.fround(series.series[k].values[d] as number),
      );
    }
  }
});

test("a slice of drives holds exactly the full cube's rows for those drives, on the same days", () => {
  const features = ['smart_197_raw', 'smart_9_raw'];
  const full = loadCube(db, features);
  const F = features.length;
  const maxId = db.prepare('SELECT max(id) FROM drives').pluck().get() as number;
  let rows = 0;
  for (let lo = 0; lo <= maxId; lo += 700) {
    const part = loadCube(db, features, { lo, hi: lo + 700 });
    assert.equal(part.firstDay, full.firstDay);
    assert.equal(part.days, full.days);
    part.driveIds.forEach((id, r) => {
      assert.ok(id >= lo && id < lo + 700);
      const fr = full.driveIds.indexOf(id);
      const days = full.days;
      assert.deepEqual(
        part.present.subarray(r * days, (r + 1) * days),
        full.present.subarray(fr * days, (fr + 1) * days),
      );
      assert.deepEqual(
        part.values.subarray(r * days * F, (r + 1) * days * F),
        full.values.subarray(fr * days * F, (fr + 1) * days * F),
      );
    });
    rows += part.driveIds.length;
  }
  assert.equal(rows, full.driveIds.length, 'every drive in exactly one slice');
});

test('windows cover consecutive reported days only, and batches add up', () => {
  const cube = loadCube(db, ['smart_5_raw', 'smart_197_raw']);
  const S = 16;
  const expected = countWindows(cube, S);
  // Drives with no gap contribute days - S + 1 windows each; gaps only remove windows.
  const upper = (db.prepare('SELECT sum(max(days_seen - 15, 0)) FROM drives').pluck().get() as number) ?? 0;
  assert.ok(expected > 0 && expected <= upper);
  let total = 0;
  for (const b of windowBatches(cube, S, 4096)) {
    assert.equal(b.data.length, b.count * S * 2);
    for (let i = 0; i < b.count; i++) {
      const start = b.endDay[i] - cube.firstDay - S + 1;
      for (let d = start; d < start + S; d++) assert.equal(cube.present[b.drive[i] * cube.days + d], 1);
    }
    total += b.count;
  }
  assert.equal(total, expected);
});
