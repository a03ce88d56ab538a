import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runImport } from '../import/import-run';
import { openDb, type Db } from '../store/db';
import { SAMPLE_DAYS } from '../testing/sample';
import { CubePrefetch, type CubeSliceSpec } from './cube-prefetch';
import { loadCube } from './windows';

describe('cubes loaded on a second thread', () => {
  let dir: string;
  let db: Db;
  const features = ['smart_5_raw', 'smart_197_raw', 'smart_9_raw'];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dt-prefetch-'));
    db = openDb(join(dir, 'w.sqlite'));
    await runImport(db, SAMPLE_DAYS.slice(0, 12));
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('equal the cubes read on this thread, slice after slice, whatever the pace of the consumer', () => {
    const maxId = db.prepare('SELECT max(id) FROM drives').pluck().get() as number;
    const slices: CubeSliceSpec[] = [];
    for (let lo = 0; lo <= maxId; lo += 700) slices.push({ lo, hi: lo + 700 });
    slices.push({ lo: 1400, hi: 2100, fromDay: 15_810, toDay: 15_815 });
    assert.ok(slices.length > 4);
    const cubes = new CubePrefetch(db, features, slices, { thread: true });
    try {
      slices.forEach((s, k) => {
        // Let the loader run ahead of a slow consumer, then catch up.
        if (k === 1) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
        const got = cubes.next();
        const want = loadCube(db, features, s);
        assert.ok(got.driveIds.length > 0, `slice ${k} holds drives`);
        assert.deepEqual(got, want, `slice ${k}`);
      });
    } finally {
      cubes.close();
    }
  });

  test("a loader's error reaches the consumer, naming the slice", () => {
    const cubes = new CubePrefetch(db, ['no_such_attribute'], [{ lo: 0, hi: 100 }], { thread: true });
    try {
      assert.throws(() => cubes.next(), /loading slice 1: no attribute named "no_such_attribute"/);
    } finally {
      cubes.close();
    }
  });
});
