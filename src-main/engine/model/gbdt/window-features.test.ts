import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SeriesCube } from '../../catalogue/windows';
import { featureNames, monotoneConstraints, windowFeatureMatrix, type FeatureSpec } from './window-features';

/** One drive, 8 days, two attributes: smart_5_raw (a rule counter) and smart_9_raw (hours), one day unreported. */
function oneWindow() {
  const S = 8;
  const features = ['smart_5_raw', 'smart_9_raw'];
  const smart5 = [0, 0, 0, 2, 2, NaN, 8, 10];
  const smart9 = [100, 101, 102, 103, 104, 105, 106, 107];
  const data = new Float32Array(S * 2);
  for (let d = 0; d < S; d++) {
    data[d * 2] = smart5[d];
    data[d * 2 + 1] = smart9[d];
  }
  const cube: SeriesCube = {
    features,
    driveIds: Int32Array.of(7),
    firstDay: 100,
    days: S,
    values: data,
    present: new Uint8Array(S).fill(1),
  };
  const reported = Uint8Array.of(1, 1, 1, 1, 0, 1, 1, 1);
  const batch = { data, drive: Int32Array.of(0), endDay: Int32Array.of(107), count: 1 };
  return { S, cube, reported, batch };
}

describe('window features', () => {
  const spec: FeatureSpec = {
    attributes: ['smart_5_raw', 'smart_9_raw'],
    kinds: ['last', 'delta1', 'delta7', 'deltaWindow', 'max', 'min', 'slope', 'missingDays'],
    driveModel: true,
    capacity: true,
    rule: true,
  };
  const drives = { modelCode: Float32Array.of(3), capacityTb: Float32Array.of(4) };

  test('each kind computed by hand on one window, the rule sum and its change after the drive inputs', () => {
    const w = oneWindow();
    const names = featureNames(spec);
    const x = windowFeatureMatrix(w.batch, w.cube, w.reported, w.S, spec, drives);
    const at = (name: string): number => x[names.indexOf(name)];
    assert.equal(at('smart_5_raw:last'), 10);
    assert.equal(at('smart_5_raw:delta1'), 2);
    assert.equal(at('smart_5_raw:delta7'), 10);
    assert.equal(at('smart_5_raw:deltaWindow'), 10);
    assert.equal(at('smart_5_raw:max'), 10);
    assert.equal(at('smart_5_raw:min'), 0);
    // Day 4 unreported (gap-filled) and day 5 reported without the value.
    assert.equal(at('smart_5_raw:missingDays'), 2);
    assert.equal(at('smart_9_raw:missingDays'), 1);
    assert.ok(Math.abs(at('smart_9_raw:slope') - 1) < 1e-6);
    assert.equal(at('drive_model'), 3);
    assert.equal(at('capacity_tb'), 4);
    assert.deepEqual(names.slice(-2), ['backblaze_rule:last', 'backblaze_rule:deltaWindow']);
    assert.equal(at('backblaze_rule:last'), 10);
    assert.equal(at('backblaze_rule:deltaWindow'), 10);
  });

  test("a cube with more attributes after the spec's (as scoring loads it) gives the same features", () => {
    const w = oneWindow();
    const S = w.S;
    // A third attribute after the spec's two, with values that would show if read in their place.
    const wide = new Float32Array(S * 3);
    for (let d = 0; d < S; d++) {
      wide[d * 3] = w.batch.data[d * 2];
      wide[d * 3 + 1] = w.batch.data[d * 2 + 1];
      wide[d * 3 + 2] = 1e6 + d;
    }
    const cube = { ...w.cube, features: [...w.cube.features, 'smart_187_raw'], values: wide };
    const x = windowFeatureMatrix({ ...w.batch, data: wide }, cube, w.reported, S, spec, drives);
    assert.deepEqual(x, windowFeatureMatrix(w.batch, w.cube, w.reported, S, spec, drives));
    const reordered = { ...cube, features: ['smart_9_raw', 'smart_5_raw', 'smart_187_raw'] };
    assert.throws(
      () => windowFeatureMatrix({ ...w.batch, data: wide }, reordered, w.reported, S, spec, drives),
      /must begin with the trees'/,
    );
  });

  test('no rule input without its counters; constraints only on the counters, never on missing days', () => {
    assert.ok(
      !featureNames({ ...spec, attributes: ['smart_9_raw'] }).some((f) => f.startsWith('backblaze_rule')),
    );
    const names = featureNames(spec);
    const m = monotoneConstraints(names);
    const rising = names.filter((_, i) => m[i] === 1);
    assert.ok(rising.includes('smart_5_raw:last') && rising.includes('smart_5_raw:delta7'));
    assert.ok(rising.includes('backblaze_rule:last'));
    assert.ok(!rising.includes('smart_5_raw:missingDays'));
    assert.ok(!rising.some((f) => f.startsWith('smart_9_raw') || f === 'drive_model'));
    assert.ok(m.every((v) => v === 0 || v === 1));
  });
});
