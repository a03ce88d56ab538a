import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rng } from '../model/rng';
import { pairedComparison, verdict } from './paired';

test('the paired difference against a hand count', () => {
  // 4 failed drives (first four) and 6 healthy ones. The rule flags (score > 0.5) failed 0, 1 and healthy 4;
  // the model ranks failed 0, 1, 2 above every healthy drive, failed 3 last.
  const positive = Uint8Array.from([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  const baseline = Float32Array.from([3, 1, 0, 0, 2, 0, 0, 0, 0, 0]);
  const model = Float32Array.from([0.9, 0.8, 0.7, 0.05, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]);
  const c = pairedComparison(
    { model, baseline, positive, baselineThreshold: 0.5 },
    { fars: [0, 1 / 6], reps: 0, seed: 1 },
  );
  assert.equal(c.failedDrives, 4);
  assert.equal(c.healthyDrives, 6);
  // The rule's own point: 2 of 4 failed (50%) at 1 of 6 healthy flagged; the model at that rate: 3 of 4.
  assert.equal(c.atBaselinePoint.far, 1 / 6);
  assert.equal(c.atBaselinePoint.baseline, 0.5);
  assert.equal(c.atBaselinePoint.model, 0.75);
  assert.equal(c.atBaselinePoint.difference, 0.25);
  // At no false alarm: the rule ranks failed 0 (3) above healthy 4 (2): 1 of 4; the model 3 of 4.
  assert.deepEqual(
    c.atFar.map((d) => [d.far, d.model, d.baseline, d.difference]),
    [
      [0, 0.75, 0.25, 0.5],
      [1 / 6, 0.75, 0.5, 0.25],
    ],
  );
  // AP by hand: model 1, 1, 1 at recall 3/4, then 4/10 at recall 1 -> 0.75 + 0.25 * 0.4 = 0.85.
  assert.ok(Math.abs(c.averagePrecision.model - 0.85) < 1e-12);
  assert.equal(c.atFar[0].interval, null, 'no replicates, no interval');
});

test('the same drives in every replicate: a model better on every drive has an interval above zero', () => {
  const random = rng(5);
  const n = 2000;
  const positive = Uint8Array.from({ length: n }, (_, i) => (i < 200 ? 1 : 0));
  // The rule sees half the failures; the model all of them, both with the same noise on healthy drives.
  const noise = Float32Array.from({ length: n }, () => random());
  const baseline = Float32Array.from(noise, (v, i) => (i < 100 ? 2 + v : v));
  const model = Float32Array.from(noise, (v, i) => (i < 200 ? 2 + v : v));
  const c = pairedComparison(
    { model, baseline, positive, baselineThreshold: 1 },
    { fars: [0.01], reps: 300, seed: 2 },
  );
  const [lo, hi] = c.atFar[0].interval!;
  assert.ok(c.atFar[0].difference > 0.45 && lo > 0.3 && hi <= 0.6, `${lo} .. ${hi}`);
  assert.match(
    c.verdict,
    /^the model detects more failing drives than Backblaze's rule at a false-alarm rate of 1%/,
  );
  // Equal detectors: the difference is exactly zero in every replicate.
  const same = pairedComparison(
    { model: baseline, baseline, positive, baselineThreshold: 1 },
    { fars: [0.01], reps: 100, seed: 2 },
  );
  assert.deepEqual(same.atFar[0].interval, [0, 0]);
  assert.match(same.verdict, /^too few failed drives to tell these apart .*200 failed drives/);
});

test('the verdict says which way a clear difference goes', () => {
  const row = (difference: number, interval: [number, number]) => ({
    far: 0.01,
    model: 0.3,
    baseline: 0.3 - difference,
    difference,
    interval,
  });
  const base = {
    failedDrives: 40,
    healthyDrives: 1000,
    replicates: 200,
    atBaselinePoint: row(0, [0, 0]),
    averagePrecision: row(0, [0, 0]),
  };
  assert.match(
    verdict({ ...base, atFar: [row(-0.2, [-0.3, -0.1])] }),
    /^Backblaze's rule detects more failing drives than the model/,
  );
  assert.match(
    verdict({ ...base, atFar: [row(0.05, [-0.1, 0.2])] }),
    /too few failed drives to tell these apart at a false-alarm rate of 1%: 40 failed drives \(\+5\.0 points/,
  );
});
