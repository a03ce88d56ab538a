import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SeriesCube } from '../catalogue/windows';
import { runImport } from '../import/import-run';
import { openDb, type Db } from '../store/db';
import { parseDay } from '../import/row-fields';
import {
  applyScaler,
  buildDataset,
  cellScaler,
  DEFAULT_DATASET,
  fillGaps,
  fitScaler,
  labelledWindows,
  scaleInJs,
  scaleNative,
  withDailyChanges,
} from './dataset';
import { loadNative } from './native/addon';
import { rng } from './rng';
import { splitDrives } from './split';
import { indexWindows } from './window-index';

/** These tests were written for 16-day windows labelled 14 days ahead (the sample's README counts them so). */
const DATASET_16 = { ...DEFAULT_DATASET, windowDays: 16, horizonDays: 14 };

const SAMPLE = resolve(__dirname, '../../../resources/sample');

function tinyCube(present: number[], values: number[]): SeriesCube {
  return {
    features: ['smart_5_raw'],
    driveIds: Int32Array.from([1]),
    firstDay: 100,
    days: present.length,
    values: Float32Array.from(values),
    present: Uint8Array.from(present),
  };
}

describe('gaps, scaling and splits', () => {
  test('a gap of at most maxGapDays is filled with the last reported values; a longer one is not', () => {
    const cube = tinyCube([1, 0, 0, 1, 0, 0, 0, 1], [5, NaN, NaN, 7, NaN, NaN, NaN, 9]);
    assert.equal(fillGaps(cube, 2), 2);
    assert.deepEqual([...cube.present], [1, 1, 1, 1, 0, 0, 0, 1]);
    assert.deepEqual([...cube.values.subarray(0, 4)], [5, 5, 5, 7]);
  });

  test('raw counters are log1p-compressed then standardised on training rows; constant columns are dropped', () => {
    const cube: SeriesCube = {
      features: ['smart_5_raw', 'smart_194_normalized', 'smart_9_raw'],
      driveIds: Int32Array.from([1, 2]),
      firstDay: 0,
      days: 2,
      values: Float32Array.from([0, 100, 7, Math.E - 1, 120, 7, 1e6, 50, 7, 1e6, 50, 7]),
      present: Uint8Array.from([1, 1, 1, 1]),
    };
    const { scaler, dropped } = fitScaler(cube, [true, false]);
    assert.deepEqual(scaler.features, ['smart_5_raw', 'smart_194_normalized']);
    assert.deepEqual(dropped, ['smart_9_raw: constant in the training drives']);
    assert.ok(Math.abs(scaler.mean[0] - 0.5) < 1e-6, 'mean of log1p(0) and log1p(e - 1)');
    assert.ok(Math.abs(scaler.std[0] - 0.5) < 1e-6);
    assert.equal(scaler.mean[1], 110, 'normalized values are not compressed; drive 2 is not training data');
  });

  test('one cell scaled alone equals that cell of the scaled cube (missing values, unreported days, per model)', () => {
    const cube: SeriesCube = {
      features: ['smart_9_raw', 'smart_5_raw', 'smart_194_normalized'],
      driveIds: Int32Array.from([1, 2]),
      firstDay: 0,
      days: 3,
      values: Float32Array.from([3, 0, 40, 5, NaN, 41, 0, 0, 0, 9, 12, 38, 1e6, 2, NaN, 7, 7, 45]),
      present: Uint8Array.from([1, 1, 0, 1, 1, 1]),
    };
    const scaler = {
      features: ['smart_5_raw', 'smart_194_normalized'],
      log1p: [true, false],
      mean: [0.7, 40],
      std: [1.3, 3],
      byModel: { B: { mean: [0.1, 44], std: [2, 5] } },
    };
    const models = ['A', 'B'];
    const whole = applyScaler(cube, scaler, models);
    const scale = cellScaler(cube, scaler, models);
    for (let cell = 0; cell < 6; cell++) {
      const one = new Float32Array(2);
      scale(Math.floor(cell / 3), cell, one, 0);
      assert.deepEqual([...one], [...whole.values.subarray(cell * 2, cell * 2 + 2)], `cell ${cell}`);
    }
    assert.deepEqual(
      [...whole.values.subarray(2, 4)],
      [0, Math.fround(1 / 3)],
      'a missing value scales to 0 (the training mean)',
    );
  });

  test('daily changes read from the raw cube equal the cube of changes; the native scaler equals the JS one', (t) => {
    // Counters that hold, climb and fall (negative changes), zeros, missing values, unreported days, three models.
    const random = rng(9);
    const rows = 40;
    const days = 9;
    const features = ['smart_5_raw', 'smart_194_normalized', 'smart_9_raw'];
    const values = new Float32Array(rows * days * 3);
    const present = new Uint8Array(rows * days);
    for (let cell = 0; cell < rows * days; cell++) {
      present[cell] = random() < 0.85 ? 1 : 0;
      const held = cell % days > 0 && random() < 0.6;
      for (let k = 0; k < 3; k++)
        values[cell * 3 + k] =
          random() < 0.08
            ? NaN
            : held
              ? values[(cell - 1) * 3 + k]
              : k === 1
                ? 90 + Math.floor(random() * 20)
                : random() < 0.4
                  ? 0
                  : Math.floor(random() * 1e7) - (k === 2 ? 5e6 : 0);
    }
    const cube: SeriesCube = {
      features,
      driveIds: Int32Array.from({ length: rows }, (_, i) => i + 1),
      firstDay: 0,
      days,
      values,
      present,
    };
    const scaler = {
      features: ['smart_5_raw', 'smart_194_normalized', 'smart_5_raw:change', 'smart_9_raw:change'],
      log1p: [true, false, true, true],
      mean: [3.1, 100, 0.2, -0.4],
      std: [2.2, 6, 1.7, 3.3],
      byModel: {
        B: { mean: [1, 95, 0, 0], std: [3, 4, 2, 2] },
        C: { mean: [5, 105, 1, 1], std: [1, 8, 5, 4] },
      },
    };
    const models = Array.from({ length: rows }, (_, i) => ['A', 'B', 'C'][i % 3]);
    const fromChanges = scaleInJs(withDailyChanges(cube), scaler, models);
    const fromRaw = scaleInJs(cube, scaler, models);
    assert.deepEqual(fromRaw, fromChanges, 'the changes computed as the scaler reads them');
    assert.ok(fromRaw.some((v) => v < -1) && fromRaw.some((v) => v > 1), 'the values are not all near 0');
    const native = loadNative().module;
    if (!native) return t.skip(`the native engine is not built: ${loadNative().error}`);
    const natively = scaleNative(native, cube, scaler, models);
    // log1p is glibc's natively and V8's in JS: they may differ in a double's last bit, at most a float32's after.
    let differ = 0;
    fromRaw.forEach((v, i) => {
      if (v === natively[i]) return;
      differ++;
      assert.ok(
        Math.abs(v - natively[i]) <= Math.abs(v) * 2 ** -23,
        `cell value ${i}: ${v} vs ${natively[i]}`,
      );
    });
    assert.ok(differ <= fromRaw.length / 100, `${differ} values differ in their last bit`);
    // A plan the engine would never make is refused, naming what is wrong.
    const scaleWith = (src: Int32Array, statsOfRow: Int32Array): void => {
      const g = src.length;
      native.scaleCells(
        values,
        present,
        rows,
        days,
        src,
        new Uint8Array(g),
        new Uint8Array(g),
        statsOfRow,
        new Float64Array(g),
        new Float64Array(g),
        new Float32Array(rows * days * g),
      );
    };
    assert.throws(
      () => scaleWith(Int32Array.of(0, 1, 2, 3), new Int32Array(rows)),
      /feature 3: no such column/,
    );
    assert.throws(
      () => scaleWith(Int32Array.of(0), new Int32Array(rows).fill(1)),
      /row 0: no such statistics/,
    );
  });

  test('scaled per drive model: models with enough training drives use their own statistics, others the fleet', () => {
    // 24 drives of model A at level 10 +- 1 (smart_194_normalized), 24 of B at 50 +- 1, 3 of C at 90; one day each.
    const levels: [string, number][] = [
      ...Array.from({ length: 24 }, (_, i): [string, number] => ['A', 10 + (i % 2 ? 1 : -1)]),
      ...Array.from({ length: 24 }, (_, i): [string, number] => ['B', 50 + (i % 2 ? 1 : -1)]),
      ...Array.from({ length: 3 }, (): [string, number] => ['C', 90]),
    ];
    const cube: SeriesCube = {
      features: ['smart_194_normalized'],
      driveIds: Int32Array.from(levels, (_, i) => i + 1),
      firstDay: 0,
      days: 1,
      values: Float32Array.from(levels, ([, v]) => v),
      present: new Uint8Array(levels.length).fill(1),
    };
    const models = levels.map(([m]) => m);
    const { scaler } = fitScaler(
      cube,
      models.map(() => true),
      1,
      models,
    );
    assert.deepEqual(Object.keys(scaler.byModel ?? {}), ['A', 'B'], 'C has fewer than 20 training drives');
    assert.ok(
      Math.abs(scaler.byModel!.A.mean[0] - 10) < 1e-9 && Math.abs(scaler.byModel!.A.std[0] - 1) < 1e-9,
    );
    const scaled = applyScaler(cube, scaler, models);
    // Each model's drives are centred on their own level: A's 9 and B's 49 both read -1.
    assert.ok(Math.abs(scaled.values[0] - -1) < 1e-6 && Math.abs(scaled.values[24] - -1) < 1e-6);
    const fleetMean = scaler.mean[0];
    assert.ok(
      Math.abs(scaled.values[48] - (90 - fleetMean) / scaler.std[0]) < 1e-5,
      'C on the fleet statistics',
    );
    assert.throws(() => applyScaler(cube, scaler), /fitted per drive model/);
    assert.equal(
      fitScaler(
        cube,
        models.map(() => true),
      ).scaler.byModel,
      undefined,
    );
  });

  test('splits are by drive, seeded, and stratified by failure', () => {
    const failed = Array.from({ length: 1000 }, (_, i) => i % 20 === 0);
    const a = splitDrives(failed, { valFraction: 0.2, testFraction: 0.2, seed: 7 });
    assert.deepEqual(a, splitDrives(failed, { valFraction: 0.2, testFraction: 0.2, seed: 7 }));
    assert.notDeepEqual(a, splitDrives(failed, { valFraction: 0.2, testFraction: 0.2, seed: 8 }));
    const count = (name: string, f: boolean): number =>
      a.filter((s, i) => s === name && failed[i] === f).length;
    assert.deepEqual([count('train', true), count('val', true), count('test', true)], [30, 10, 10]);
    assert.deepEqual([count('train', false), count('val', false), count('test', false)], [570, 190, 190]);
  });
});

describe('windows of the real sample', () => {
  let dir: string;
  let db: Db;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dt-dataset-'));
    db = openDb(join(dir, 'w.sqlite'));
    await runImport(db, [SAMPLE]);
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('labels mark windows ending within H days before a failure; healthy-only excludes failed drives', () => {
    const ds = buildDataset(db, {
      ...DATASET_16,
      attributes: ['smart_1_raw', 'smart_5_raw', 'smart_9_raw', 'smart_194_raw', 'smart_197_raw'],
    });
    assert.equal(ds.scaler.features.length, 5);
    let positives = 0;
    let total = 0;
    const failedDrives = new Set<number>();
    for (const b of labelledWindows(ds, {
      splits: ['train', 'val', 'test'],
      healthyOnly: false,
      batchSize: 2048,
    })) {
      assert.equal(b.x.length, b.count * 16 * 5);
      for (let i = 0; i < b.count; i++) {
        const fail = ds.failureDay[b.drive[i]];
        const expected = fail >= 0 && fail - b.endDay[i] <= 14 && fail >= b.endDay[i];
        assert.equal(b.y[i], expected ? 1 : 0);
        if (b.y[i]) failedDrives.add(b.drive[i]);
        positives += b.y[i];
      }
      total += b.count;
    }
    assert.ok(positives > 0 && positives < total);
    // 32 of the 57 failing drives have at least 16 days of history (README of the sample).
    assert.ok(
      failedDrives.size >= 30 && failedDrives.size <= 34,
      `${failedDrives.size} failed drives have a window`,
    );
    for (const b of labelledWindows(ds, { splits: ['train'], healthyOnly: true, batchSize: 4096 })) {
      for (let i = 0; i < b.count; i++) {
        assert.equal(ds.failureDay[b.drive[i]], -1);
        assert.equal(ds.split[b.drive[i]], 'train');
      }
    }
  });

  test('scaled training values have mean 0 and spread 1 for each kept feature', () => {
    const ds = buildDataset(db, { ...DATASET_16, attributes: ['smart_9_raw', 'smart_194_raw'] });
    const F = 2;
    const sum = [0, 0];
    const sq = [0, 0];
    let n = 0;
    for (let row = 0; row < ds.cube.driveIds.length; row++) {
      if (ds.split[row] !== 'train') continue;
      for (let d = 0; d < ds.cube.days; d++) {
        const cell = row * ds.cube.days + d;
        if (!ds.cube.present[cell]) continue;
        n++;
        for (let k = 0; k < F; k++) {
          sum[k] += ds.cube.values[cell * F + k];
          sq[k] += ds.cube.values[cell * F + k] ** 2;
        }
      }
    }
    for (let k = 0; k < F; k++) {
      assert.ok(Math.abs(sum[k] / n) < 0.02, `mean ${sum[k] / n}`);
      assert.ok(Math.abs(sq[k] / n - 1) < 0.05, `variance ${sq[k] / n}`);
    }
  });

  test('a time split tests on every window from the cut on and trains on windows whose labels close before it', () => {
    const attributes = ['smart_1_raw', 'smart_5_raw', 'smart_9_raw', 'smart_194_raw'];
    const cut = parseDay('2013-05-10');
    const ds = buildDataset(db, { ...DATASET_16, attributes, testFromDay: '2013-05-10' });
    assert.equal(ds.testFrom, cut);
    assert.ok(ds.notices.some((n) => n.includes('time split')));
    assert.ok(!ds.split.includes('test'), 'no drive is held out by the drive split');
    const day = (idx: ReturnType<typeof indexWindows>, w: number): number => ds.cube.firstDay + idx.end[w];
    const test = indexWindows(ds, { splits: ['test'], healthyOnly: false });
    const train = indexWindows(ds, { splits: ['train'], healthyOnly: false });
    const val = indexWindows(ds, { splits: ['val'], healthyOnly: false });
    assert.ok(test.count > 0 && train.count > 0 && val.count > 0);
    for (let w = 0; w < test.count; w++) assert.ok(day(test, w) >= cut);
    for (const idx of [train, val]) for (let w = 0; w < idx.count; w++) assert.ok(day(idx, w) + 14 < cut);
    // The same drive appears on both sides of the cut: a time split is by day, not by drive.
    const trainRows = new Set(train.row);
    assert.ok(test.row.some((r) => trainRows.has(r)));
    let streamed = 0;
    for (const b of labelledWindows(ds, { splits: ['test'], healthyOnly: false, batchSize: 4096 })) {
      for (let i = 0; i < b.count; i++) assert.ok(b.endDay[i] >= cut);
      streamed += b.count;
    }
    assert.equal(streamed, test.count);
    assert.throws(
      () => buildDataset(db, { ...DATASET_16, attributes, testFromDay: '2014-01-01' }),
      /must fall inside the data/,
    );
  });
});

describe('a reading dated far from the rest', () => {
  test('does not stretch the cube across the years between: it is left out, and the run says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dt-span-'));
    try {
      const db = openDb(join(dir, 'w.sqlite'));
      await runImport(db, [join(SAMPLE, '2013-04-10.csv.gz'), join(SAMPLE, '2013-04-11.csv.gz')]);
      const { gunzipSync } = await import('node:zlib');
      const { readFileSync, writeFileSync } = await import('node:fs');
      const text = gunzipSync(readFileSync(join(SAMPLE, '2013-04-12.csv.gz'))).toString('latin1');
      const [header, first] = text.split('\r\n');
      // One reading of a known drive, plausible as a date but six years before the rest.
      writeFileSync(join(dir, 'odd.csv'), `${header}\n${first.replace('2013-04-12', '2007-01-01')}\n`);
      await runImport(db, [join(dir, 'odd.csv')]);
      const ds = buildDataset(db, { ...DATASET_16, windowDays: 2, attributes: ['smart_5_raw'] });
      assert.equal(ds.cube.firstDay, parseDay('2013-04-10'));
      assert.equal(ds.cube.days, 2, 'the cube spans the data, not 2007 to 2013');
      assert.ok(
        ds.notices.some((n) => /^1 reading dated far from the rest of the data .* were left out$/.test(n)),
        ds.notices.join('; '),
      );
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
