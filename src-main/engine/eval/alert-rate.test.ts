import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rng } from '../model/rng';
import { crossings } from '../triage/alerts';
import { AlertRate } from './alert-rate';

/** Drives' window scores, grouped as the evaluation data holds them. */
function grouped(drives: number[][]): { scores: Float32Array; offsets: Int32Array } {
  const offsets = new Int32Array(drives.length + 1);
  drives.forEach((d, i) => (offsets[i + 1] = offsets[i] + d.length));
  return { scores: Float32Array.from(drives.flat()), offsets };
}

/** `drives` drives of 1..maxWindows windows, scores rounded to 1/steps (so ties happen). */
function randomDrives(seed: number, drives: number, maxWindows: number, steps: number): number[][] {
  const r = rng(seed);
  return Array.from({ length: drives }, () =>
    Array.from({ length: 1 + Math.floor(r() * maxWindows) }, () => Math.round(r() * steps) / steps),
  );
}

/** What the run in service would raise: triage's own crossings, drive by drive. */
const raised = (drives: number[][], t: number): number =>
  drives.reduce(
    (n, d) =>
      n +
      crossings(
        d.map((_, i) => i),
        Float32Array.from(d),
        t,
        null,
      ).length,
    0,
  );

describe('alerts a threshold raises, as the run in service raises them', () => {
  // Drive 0 dips to 0.4 between two excursions: two alerts at 0.5, one at 0.35 (the dip is above it).
  const drives = [[0.1, 0.6, 0.4, 0.7, 0.2], [0.9, 0.9, 0.1], [0.5], [0.2, 0.3]];
  const { scores, offsets } = grouped(drives);
  const rate = AlertRate.from(scores, offsets);

  test('by hand: a drive that falls back below and climbs again alerts again', () => {
    assert.equal(rate.alertsAt(0.5), 4); // drive 0 twice, drive 1 once, drive 2 once
    assert.equal(rate.alertsAt(0.45), 4);
    assert.equal(rate.alertsAt(0.35), 3); // drive 0's dip is above the threshold now: one alert
    assert.equal(rate.alertsAt(0.3), 4); // lower again, and drive 3 alerts: the count is not monotone
    assert.equal(rate.alertsAt(0.95), 0);
    assert.equal(rate.alertsAt(0.05), 4);
  });

  test('equals triage crossings on random drives at every threshold', () => {
    const many = randomDrives(7, 60, 12, 20);
    const g = grouped(many);
    const big = AlertRate.from(g.scores, g.offsets);
    for (let t = -0.05; t <= 1.05; t += 0.025) assert.equal(big.alertsAt(t), raised(many, t), `at ${t}`);
  });

  test('a budget gives the lowest threshold at and above which no more alerts are raised', () => {
    const many = randomDrives(11, 40, 10, 30);
    const g = grouped(many);
    const big = AlertRate.from(g.scores, g.offsets);
    const values = [...new Set(g.scores)].sort((a, b) => b - a);
    for (const budget of [0, 1, 3, 10, 25, 1000]) {
      const t = big.thresholdForAlerts(budget);
      for (const v of values.filter((x) => x >= t))
        assert.ok(raised(many, v) <= budget, `budget ${budget} at ${v}`);
      const below = values.find((x) => x < t);
      if (below !== undefined)
        assert.ok(raised(many, below) > budget, `budget ${budget}: ${below} was allowed too`);
    }
    assert.equal(
      big.thresholdForAlerts(1000),
      Math.min(...g.scores),
      'a budget nothing breaks flags every window',
    );
    assert.ok(big.thresholdForAlerts(0) > Math.max(...g.scores), 'a zero budget flags nothing');
  });
});
