import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../api-types';
import { rng } from '../model/rng';
import { bootstrap } from './bootstrap';
import { downsample, rawCurves, rocAucAndAp, trapezoid } from './curves';
import { metricsOf, nextUp, ScoreSet } from './score-set';

// Ten items, hand-labelled; scores chosen with ties across labels (0.7 and 0.4).
//   score: 0.9 0.8 0.7 0.7 0.6 0.5 0.4 0.4 0.2 0.1
//   label:  1   1   1   0   0   1   1   0   0   0
const scores = [0.9, 0.8, 0.7, 0.7, 0.6, 0.5, 0.4, 0.4, 0.2, 0.1];
const labels = [1, 1, 1, 0, 0, 1, 1, 0, 0, 0];
const set = ScoreSet.from(scores, labels);
/** Thresholds come back as float32 values, like the scores. */
const f = Math.fround;
const close = (a: number | null, b: number, what: string): void =>
  assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${what}: ${a} != ${b}`);

describe('the confusion matrix at any threshold', () => {
  test('counts by hand: score >= threshold is flagged, ties move together', () => {
    assert.deepEqual(set.countsAt(0.75), { tp: 2, fp: 0, fn: 3, tn: 5 });
    assert.deepEqual(set.countsAt(0.7), { tp: 3, fp: 1, fn: 2, tn: 4 });
    assert.deepEqual(set.countsAt(0.4), { tp: 5, fp: 3, fn: 0, tn: 2 });
    assert.deepEqual(set.countsAt(0.0), { tp: 5, fp: 5, fn: 0, tn: 0 });
    assert.deepEqual(set.countsAt(1.0), { tp: 0, fp: 0, fn: 5, tn: 5 });
  });

  test('metrics at 0.7 by hand: precision 3/4, recall 3/5, FAR 1/5, MCC', () => {
    const m = set.metricsAt(0.7);
    close(m.precision, 0.75, 'precision');
    close(m.recall, 0.6, 'recall');
    close(m.f1, 2 / (1 / 0.75 + 1 / 0.6), 'f1');
    close(m.far, 0.2, 'far');
    close(m.specificity, 0.8, 'specificity');
    close(m.mcc, (3 * 4 - 1 * 2) / Math.sqrt(4 * 5 * 5 * 6), 'mcc');
    assert.equal(m.flagged, 4);
  });

  test('undefined ratios are null, not NaN: nothing flagged, no positives, no negatives', () => {
    const none = set.metricsAt(2);
    assert.equal(none.precision, null);
    assert.equal(none.recall, 0);
    const allPositive = ScoreSet.from([0.3, 0.2, 0.1], [1, 1, 1]);
    const p = allPositive.metricsAt(0.2);
    assert.deepEqual(p.matrix, { tp: 2, fp: 0, fn: 1, tn: 0 });
    assert.equal(p.far, null);
    assert.equal(p.specificity, null);
    assert.equal(p.mcc, 0);
    assert.equal(rocAucAndAp(allPositive).rocAuc, null);
    close(rocAucAndAp(allPositive).averagePrecision, 1, 'AP with only positives');
    const allNegative = ScoreSet.from([0.3, 0.2], [0, 0]);
    const n = allNegative.metricsAt(0.25);
    assert.equal(n.recall, null);
    close(n.far, 0.5, 'far');
    assert.deepEqual(rocAucAndAp(allNegative), { rocAuc: null, averagePrecision: null });
    assert.deepEqual(metricsOf(0, { tp: 0, fp: 0, tn: 0, fn: 0 }).mcc, null);
  });

  test('NaN or infinite scores are refused, naming the item', () => {
    assert.throws(
      () => ScoreSet.from([0.1, NaN], [0, 1], (i) => `drive X${i}`),
      (e: Error) => e instanceof ApiError && /drive X1/.test(e.message) && /NaN/.test(e.message),
    );
    assert.throws(() => ScoreSet.from([Infinity], [0]), /Infinity/);
    assert.throws(() => ScoreSet.from([1, 2], [0]), /2 scores but 1 labels/);
  });

  test('threshold for a false-alarm rate: the lowest one whose FAR stays at or under it', () => {
    // FAR 0: exclude every negative, the highest at 0.7 (tied with a positive): threshold just above 0.7.
    assert.equal(set.thresholdForFar(0), f(0.8));
    // FAR 0.2 allows one false alarm: 0.7 flags 3 TP and 1 FP.
    assert.equal(set.thresholdForFar(0.2), f(0.7));
    // FAR 0.4 allows two: 0.6 adds the second; 0.5 adds a positive only.
    assert.equal(set.thresholdForFar(0.4), f(0.5));
    assert.equal(set.thresholdForFar(1), f(0.1));
    // Nothing above the top negative but the top negative itself: the next double above.
    const top = ScoreSet.from([0.5, 0.9], [1, 0]);
    assert.equal(top.thresholdForFar(0), nextUp(f(0.9)));
    assert.equal(top.countsAt(top.thresholdForFar(0)).fp, 0);
  });

  test('threshold for a number flagged, best F1, cheapest cost', () => {
    assert.equal(set.thresholdForFlagged(2), f(0.8));
    // Three flagged would split the 0.7 tie: only two fit.
    assert.equal(set.thresholdForFlagged(3), f(0.8));
    assert.equal(set.thresholdForFlagged(4), f(0.7));
    assert.equal(set.thresholdForFlagged(100), f(0.1));
    // F1 by hand: at 0.4 tp5 fp3 -> 10/13 = 0.769; at 0.7 tp3 fp1 -> 6/9 = 0.667; at 0.5 tp4 fp2 -> 8/11.
    const best = set.maxF1();
    assert.equal(best.threshold, f(0.4));
    close(best.f1, 10 / 13, 'f1');
    // A miss costs 10, a false alarm 1: flag down to 0.4 (cost 3) rather than 0.1 (cost 5) or 0.5 (10 + 2).
    const c = set.costCurve(10, 1);
    assert.equal(c.best.threshold, f(0.4));
    assert.equal(c.best.cost, 3);
    // Expensive false alarms: only the two top scores, both failures.
    assert.deepEqual(set.costCurve(1, 100).best, { threshold: f(0.8), cost: 3 });
    // When the top score is a healthy drive and false alarms are dear: flag nothing.
    const top = ScoreSet.from([0.5, 0.9], [1, 0]);
    assert.deepEqual(top.costCurve(1, 100).best, { threshold: nextUp(f(0.9)), cost: 1 });
  });
});

describe('curves', () => {
  test('ROC-AUC equals the Mann-Whitney statistic with ties counting one half; AP by hand', () => {
    let wins = 0;
    for (let i = 0; i < 10; i++)
      for (let j = 0; j < 10; j++)
        if (labels[i] && !labels[j]) wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    const { rocAuc, averagePrecision } = rocAucAndAp(set);
    close(rocAuc, wins / 25, 'auc');
    // Steps: 0.9 (1/1), 0.8 (2/2), 0.7 (3/4), 0.5 (4/6), 0.4 (5/8): each adds recall 1/5 (0.7 adds 1/5 too).
    close(averagePrecision, (1 + 1 + 0.75 + 4 / 6 + 5 / 8) / 5, 'ap');
    const raw = rawCurves(set);
    close(raw.rocAuc, wins / 25, 'auc from the curve');
    close(trapezoid(raw.roc.x, raw.roc.y), wins / 25, 'trapezoid');
    assert.deepEqual([raw.roc.x[0], raw.roc.y[0]], [0, 0]);
    assert.deepEqual([raw.roc.x.at(-1), raw.roc.y.at(-1)], [1, 1]);
  });

  test('downsampling a million-point curve keeps AUC within 1e-3 and the corners', () => {
    const random = rng(7);
    const n = 1_000_000;
    const s = new Float32Array(n);
    const l = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      l[i] = random() < 0.01 ? 1 : 0;
      // Positives score higher on average, with a hard corner: 20% of them are certain.
      s[i] = l[i] && random() < 0.2 ? 10 : random() + (l[i] ? 0.6 : 0);
    }
    const big = ScoreSet.from(s, l);
    const raw = rawCurves(big);
    assert.ok(raw.roc.x.length > 100_000);
    const small = downsample(raw.roc, 500);
    assert.ok(small.x.length <= 500, `${small.x.length} points`);
    assert.ok(Math.abs(trapezoid(small.x, small.y) - raw.rocAuc!) < 1e-3);
    // The corner where the certain positives end (FAR 0, detection ~0.2) survives.
    assert.ok(small.x.some((x, i) => x === 0 && small.y[i] > 0.15));
    assert.equal(small.threshold[0], null, 'the flag-nothing end has no finite threshold');
    const pr = downsample(raw.pr, 500);
    assert.ok(Math.abs(trapezoid(pr.x, pr.y) - trapezoid(raw.pr.x, raw.pr.y)) < 1e-3);
  });
});

describe('bootstrap intervals over drives', () => {
  test('contain the point estimates, narrow with more drives, repeat with a seed', () => {
    const random = rng(3);
    const make = (n: number): { s: Float32Array; l: Uint8Array } => {
      const s = new Float32Array(n);
      const l = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        l[i] = random() < 0.1 ? 1 : 0;
        s[i] = random() + (l[i] ? 0.5 : 0);
      }
      return { s, l };
    };
    const widths: number[] = [];
    for (const n of [500, 5000]) {
      const { s, l } = make(n);
      const drives = ScoreSet.from(s, l);
      const t = 0.9;
      const m = drives.metricsAt(t);
      const lead = Float64Array.from(l, (y, i) => (y && s[i] >= t ? 10 + (i % 7) : NaN));
      const input = {
        score: s,
        label: l,
        cluster: Int32Array.from({ length: n }, (_, i) => i),
        clusters: n,
        leadDays: lead,
      };
      const o = { threshold: t, fars: [0.01, 0.05], reps: 300, seed: 5 };
      const iv = bootstrap(input, o);
      const inside = (v: number | null, i: [number, number] | null, what: string): void =>
        assert.ok(v !== null && i !== null && i[0] <= v && v <= i[1], `${what} ${v} outside ${i}`);
      inside(m.recall, iv.recall, 'recall');
      inside(m.far, iv.far, 'far');
      inside(m.precision, iv.precision, 'precision');
      inside(rocAucAndAp(drives).averagePrecision, iv.averagePrecision, 'AP');
      const det = drives.metricsAt(drives.thresholdForFar(0.05)).recall;
      inside(det, iv.detectionAtFar[1], 'detection at FAR 5%');
      const caught = Array.from(lead)
        .filter((v) => !Number.isNaN(v))
        .sort((a, b) => a - b);
      inside(caught[caught.length >> 1], iv.leadTimeMedian, 'median lead');
      widths.push(iv.recall![1] - iv.recall![0]);
      assert.deepEqual(bootstrap(input, o), iv, 'same seed, same intervals');
    }
    assert.ok(widths[1] < widths[0] / 2, `ten times the drives narrows the interval: ${widths}`);
  });
});
