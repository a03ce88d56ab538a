import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadNative, type GbdtParams } from '../native/addon';
import { rng } from '../rng';
import { assignFolds } from '../split';
import { GbdtModel, modelFile, toXgboostJson } from './gbdt-model';
import { explainInJs, explainNative } from './score-trees';
import { averageOf } from './train-trees';

const native = loadNative().module;
const skip = native ? false : `the native engine is not built: ${loadNative().error}`;

const BASE: GbdtParams = {
  rounds: 1,
  learningRate: 1,
  maxDepth: 1,
  maxLeaves: 0,
  minChildWeight: 0,
  lambda: 0,
  minSplitGain: 0,
  subsample: 1,
  colsample: 1,
  loss: 'logistic',
  positiveWeight: 1,
  gamma: 2,
  alpha: 0.25,
  earlyStopRounds: 0,
  threads: 2,
  seed: 1,
};
const none = { x: new Float32Array(0), y: new Uint8Array(0) };

function train(x: number[][], y: number[], p: Partial<GbdtParams> = {}) {
  const f = x[0].length;
  return native!.gbdtTrain(Float32Array.from(x.flat()), Uint8Array.from(y), x.length, f, none.x, none.y, 0, {
    ...BASE,
    ...p,
  });
}

const sigmoid = (m: number): number => 1 / (1 + Math.exp(-m));

describe('gradient-boosted trees (native engine)', { skip }, () => {
  test('a split found exactly on a hand-built case', () => {
    // Margins start at 0 (p = 0.5): g = p - y, h = p(1 - p) = 0.25.
    const g = train([[1], [2], [3], [4]], [0, 0, 1, 1]);
    const t = g.trees[0];
    assert.deepEqual(Array.from(t.feature), [0, -1, -1]);
    assert.equal(t.threshold[0], 3, 'x < 3 goes left');
    // Left: G = 0.5 + 0.5 = 1, H = 0.5 -> w = -2; right: G = -1, H = 0.5 -> w = 2.
    assert.equal(t.value[t.left[0]], -2);
    assert.equal(t.value[t.right[0]], 2);
    // Gain = 1/2 (1^2/0.5 + 1^2/0.5 - 0^2/1) = 2.
    assert.equal(t.gain[0], 2);
    assert.deepEqual(Array.from(t.cover), [1, 0.5, 0.5]);
  });

  /** The best root split by trying every feature, every threshold between distinct values, missing either way. */
  function bruteForceSplit(x: number[][], y: number[], lambda: number) {
    const n = x.length;
    const score = (G: number, H: number): number => (G * G) / (H + lambda);
    let best = { gain: -Infinity, feature: -1, threshold: 0 };
    const G = y.reduce((s, v) => s + (0.5 - v), 0);
    const H = n * 0.25;
    for (let c = 0; c < x[0].length; c++) {
      const values = [...new Set(x.map((r) => r[c]).filter((v) => v === v))].sort((a, b) => a - b);
      for (const thr of values.slice(1)) {
        for (const missingLeft of [false, true]) {
          let gl = 0;
          let hl = 0;
          x.forEach((r, i) => {
            const v = r[c];
            if (v === v ? v < thr : missingLeft) {
              gl += 0.5 - y[i];
              hl += 0.25;
            }
          });
          const gain = 0.5 * (score(gl, hl) + score(G - gl, H - hl) - score(G, H));
          if (gain > best.gain + 1e-12) best = { gain, feature: c, threshold: thr };
        }
      }
    }
    return best;
  }

  function assertRootSplit(x: number[][], y: number[], what: string): void {
    const lambda = 1;
    const t = train(x, y, { lambda }).trees[0];
    const best = bruteForceSplit(x, y, lambda);
    assert.equal(t.feature[0], best.feature, `${what}: feature`);
    assert.equal(t.threshold[0], Math.fround(best.threshold), `${what}: threshold`);
    assert.ok(Math.abs(t.gain[0] - best.gain) < 1e-9, `${what}: gain ${t.gain[0]} vs ${best.gain}`);
  }

  test('binned training equals a brute-force split search on small data', () => {
    const random = rng(11);
    for (let trial = 0; trial < 5; trial++) {
      const n = 300;
      const f = 4;
      const x = Array.from({ length: n }, () =>
        Array.from({ length: f }, () => (random() < 0.1 ? NaN : Math.floor(random() * 40) / 4)),
      );
      const y = x.map((r) => (r[trial % f] > 5 || (r[1] !== r[1] && random() < 0.7) ? 1 : 0) as number);
      assertRootSplit(x, y, `trial ${trial}`);
    }
  });

  test('features of 1, 2, 40 and 255 bins side by side (packed histograms) split as the brute-force search says', () => {
    // Each feature's histogram starts where the previous one's missing slot ends: a wrong offset mixes features.
    const random = rng(5);
    const n = 765;
    for (let trial = 0; trial < 6; trial++) {
      const x = Array.from({ length: n }, (_, i) => [
        random() < 0.1 ? NaN : 3, // one value and missing values: never split
        random() < 0.5 ? 0 : 1,
        random() < 0.1 ? NaN : Math.floor(random() * 40),
        random() < 0.05 ? NaN : (i * 7) % 255, // exactly 255 distinct values: its missing slot is bin 255
      ]);
      const y = x.map((r) => {
        const driver = [r[1] > 0, r[2] > 20 || r[2] !== r[2], r[3] > 100 + trial * 20][trial % 3];
        return (driver ? random() < 0.8 : random() < 0.1) ? 1 : 0;
      });
      assertRootSplit(x, y, `trial ${trial}`);
    }
  });

  test('missing values go the way that was learnt', () => {
    const positivesMissing = train([[1], [2], [3], [4], [NaN], [NaN]], [0, 0, 1, 1, 1, 1]).trees[0];
    assert.equal(positivesMissing.threshold[0], 3);
    assert.equal(positivesMissing.defaultLeft[0], 0, 'missing joins the positives on the right');
    const negativesMissing = train([[1], [2], [3], [4], [NaN], [NaN]], [0, 0, 1, 1, 0, 0]).trees[0];
    assert.equal(negativesMissing.defaultLeft[0], 1, 'missing joins the negatives on the left');
    const m = new GbdtModel(modelFile(['x'], [negativesMissing]));
    const p = m.probabilities(Float32Array.from([NaN, 1, 4]), 3);
    assert.ok(p[0] < 0.5 && p[1] < 0.5 && p[2] > 0.5);
  });

  test('weighted logistic and focal gradients, by hand and by finite differences', () => {
    const margin = Float64Array.from([-3, -0.7, 0, 0.3, 2.5]);
    const y = Uint8Array.from([1, 0, 1, 1, 0]);
    const w = native!.gbdtGradients(margin, y, { loss: 'logistic', positiveWeight: 5 });
    margin.forEach((m, i) => {
      const weight = y[i] ? 5 : 1;
      const p = sigmoid(m);
      assert.ok(Math.abs(w.g[i] - weight * (p - y[i])) < 1e-12);
      assert.ok(Math.abs(w.h[i] - weight * p * (1 - p)) < 1e-12);
      assert.ok(Math.abs(w.loss[i] - weight * -(y[i] ? Math.log(p) : Math.log(1 - p))) < 1e-12);
    });
    const focal = { loss: 'focal' as const, gamma: 2, alpha: 0.25 };
    const at = (m: number, yy: number) => native!.gbdtGradients(Float64Array.of(m), Uint8Array.of(yy), focal);
    margin.forEach((m, i) => {
      const e = 1e-5;
      const here = at(m, y[i]);
      const p = sigmoid(m);
      const byHand = y[i] ? -0.25 * (1 - p) ** 2 * Math.log(p) : -0.75 * p ** 2 * Math.log(1 - p);
      assert.ok(Math.abs(here.loss[0] - byHand) < 1e-12, `focal loss at ${m}`);
      const dLoss = (at(m + e, y[i]).loss[0] - at(m - e, y[i]).loss[0]) / (2 * e);
      assert.ok(Math.abs(here.g[0] - dLoss) < 1e-7, `focal gradient at ${m}: ${here.g[0]} vs ${dLoss}`);
      const dGrad = (at(m + e, y[i]).g[0] - at(m - e, y[i]).g[0]) / (2 * e);
      assert.ok(Math.abs(here.h[0] - Math.max(dGrad, 1e-9)) < 1e-5, `focal hessian at ${m}`);
    });
  });

  const synthetic = (n: number, seed: number) => {
    const random = rng(seed);
    const f = 6;
    const x = new Float32Array(n * f);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < f; c++) x[i * f + c] = random() < 0.05 ? NaN : random();
      y[i] = x[i * f] + x[i * f + 1] * x[i * f + 2] > 1 && random() < 0.9 ? 1 : 0;
    }
    return { x, y, n, f };
  };

  test('deterministic for a seed; another seed samples other rows and features', () => {
    const d = synthetic(4000, 3);
    const p = { ...BASE, rounds: 15, maxDepth: 3, learningRate: 0.3, subsample: 0.7, colsample: 0.6 };
    const fit = (seed: number) => native!.gbdtTrain(d.x, d.y, d.n, d.f, none.x, none.y, 0, { ...p, seed });
    const a = fit(5);
    const b = fit(5);
    assert.deepEqual(modelFile([], a.trees), modelFile([], b.trees));
    assert.notDeepEqual(modelFile([], fit(6).trees), modelFile([], a.trees));
  });

  test('early stopping keeps the best validation round; leaf-wise growth holds the leaf budget', () => {
    const d = synthetic(3000, 4);
    const v = synthetic(1000, 5);
    const g = native!.gbdtTrain(d.x, d.y, d.n, d.f, v.x, v.y, v.n, {
      ...BASE,
      rounds: 400,
      maxDepth: 6,
      learningRate: 0.5,
      lambda: 1,
      minChildWeight: 1,
      earlyStopRounds: 10,
    });
    const val = Array.from(g.valLoss);
    const best = val.indexOf(Math.min(...val));
    assert.equal(g.bestRounds, best + 1);
    assert.equal(g.trees.length, best + 1);
    assert.equal(val.length, best + 11, 'stopped 10 rounds after the best');
    const leafy = native!.gbdtTrain(d.x, d.y, d.n, d.f, none.x, none.y, 0, {
      ...BASE,
      rounds: 3,
      maxDepth: 0,
      maxLeaves: 7,
      learningRate: 0.3,
    });
    for (const t of leafy.trees) assert.equal(Array.from(t.feature).filter((f) => f < 0).length, 7);
  });

  /** A model of a few rounds on the synthetic data, its six features named a to f. */
  const fitted = (n: number, seed: number, p: Partial<GbdtParams>) => {
    const d = synthetic(n, seed);
    const g = native!.gbdtTrain(d.x, d.y, d.n, d.f, none.x, none.y, 0, { ...BASE, ...p });
    return { d, file: modelFile(['a', 'b', 'c', 'd', 'e', 'f'], g.trees) };
  };

  test('path contributions add up to the margin', () => {
    const { d, file } = fitted(2000, 6, { rounds: 30, maxDepth: 4, learningRate: 0.2 });
    const m = new GbdtModel(file);
    const margins = m.margins(d.x, 50);
    for (let i = 0; i < 50; i++) {
      const c = m.contributions(d.x, i);
      assert.ok(Math.abs(c.reduce((s, v) => s + v, 0) - margins[i]) < 1e-9);
    }
    // The features the label depends on matter most.
    const top = m
      .gainImportance()
      .slice(0, 3)
      .map((r) => r.feature);
    assert.ok(top.includes('a') && top.includes('b') && top.includes('c'), top.join(','));
  });

  test('native tree scoring equals the JS path contributions, summed per group, missing values included', () => {
    const { d, file } = fitted(3000, 11, { rounds: 40, maxDepth: 3, learningRate: 0.3 });
    const m = new GbdtModel({ ...file, baseMargin: -0.7 });
    // Features a and b in group 0, c in 2, d and e in 1, f nowhere; 1,000 rows (more than one part per thread).
    const group = Int32Array.of(0, 0, 2, 1, 1, -1);
    const n = 1000;
    const rows = d.x.subarray(0, n * d.f);
    assert.ok(
      rows.some((v) => Number.isNaN(v)),
      'some rows have missing values',
    );
    const ours = explainNative(native!, m.forest(), group, rows, n, 3);
    const reference = explainInJs(m, group, rows, n, 3);
    const margins = m.margins(rows, n);
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(ours.margin[i] - margins[i]) < 1e-9, `row ${i}: margin`);
      assert.ok(Math.abs(reference.margin[i] - margins[i]) < 1e-9, `row ${i}: JS margin`);
    }
    for (let k = 0; k < n * 3; k++) assert.ok(Math.abs(ours.sums[k] - reference.sums[k]) < 1e-9, `cell ${k}`);
    // With every feature in one group, the sum is the margin less the bias (base margin and the roots' outputs).
    const one = explainNative(native!, m.forest(), new Int32Array(6), rows, n, 1);
    const bias = m.contributions(rows, 0)[6];
    assert.ok(Math.abs(one.sums[0] + bias - margins[0]) < 1e-9);
    assert.ok(one.sums.some((v) => v !== 0));
    // A malformed forest or a short buffer is refused, never read past.
    const bad = { ...m.forest(), offset: Int32Array.of(0, 99_999) };
    assert.throws(() => explainNative(native!, bad, group, rows, n, 3), /node count|offset/);
    assert.throws(
      () =>
        native!.gbdtExplain(
          m.forest(),
          rows,
          n + 1,
          group,
          3,
          new Float64Array(n),
          new Float64Array(n * 3),
          2,
        ),
      /too short/,
    );
    assert.throws(
      () => explainNative(native!, m.forest(), Int32Array.of(0, 0, 5, 1, 1, -1), rows, n, 3),
      /group/,
    );
  });

  test('monotone constraints: the output never falls as a constrained feature rises, and splits stay ordered', () => {
    // The label rises with x0 overall but dips in the middle (a bump the data would fit), x1 is noise.
    const random = rng(21);
    const n = 3000;
    const x = new Float32Array(n * 2);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = random() * 10;
      x[i * 2] = v;
      x[i * 2 + 1] = random();
      const p = v < 4 ? 0.1 : v < 6 ? 0.02 : 0.6;
      y[i] = random() < p ? 1 : 0;
    }
    const p = { ...BASE, rounds: 30, maxDepth: 3, learningRate: 0.3, lambda: 1, minChildWeight: 1 };
    const grid = new Float32Array(200 * 2);
    for (let k = 0; k < 200; k++) {
      grid[k * 2] = k / 20;
      grid[k * 2 + 1] = 0.5;
    }
    const outputs = (monotone?: number[]) => {
      const g = native!.gbdtTrain(x, y, n, 2, none.x, none.y, 0, { ...p, ...(monotone ? { monotone } : {}) });
      return new GbdtModel(modelFile(['x0', 'x1'], g.trees)).margins(grid, 200);
    };
    const drops = (m: Float64Array | Float32Array): number => {
      let worst = 0;
      for (let k = 1; k < m.length; k++) worst = Math.max(worst, m[k - 1] - m[k]);
      return worst;
    };
    assert.ok(drops(outputs()) > 0.1, 'unconstrained, the trees learn the dip');
    assert.equal(drops(outputs([1, 0])), 0, 'constrained, the output never falls');
    const falling = outputs([-1, 0]);
    for (let k = 1; k < falling.length; k++) assert.ok(falling[k] <= falling[k - 1]);
    assert.throws(() => outputs([1]), /one per feature/);
    assert.throws(() => outputs([2, 0]), /-1, 0 or \+1/);
  });

  test('an ensemble is the mean of its members: averaged margins, every member tree kept', () => {
    const d = synthetic(2000, 8);
    const p = { ...BASE, rounds: 10, maxDepth: 3, learningRate: 0.3, subsample: 0.7 };
    const members = [1, 2, 3].map((seed) =>
      native!.gbdtTrain(d.x, d.y, d.n, d.f, none.x, none.y, 0, { ...p, seed }),
    );
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const each = members.map((m) => new GbdtModel(modelFile(names, m.trees)).margins(d.x, 100));
    const mean = averageOf(members);
    assert.equal(mean.trees.length, 30);
    const margins = new GbdtModel(modelFile(names, mean.trees)).margins(d.x, 100);
    for (let i = 0; i < 100; i++)
      assert.ok(Math.abs(margins[i] - (each[0][i] + each[1][i] + each[2][i]) / 3) < 1e-9);
    assert.equal(averageOf([members[0]]), members[0]);
  });

  describe("XGBoost's JSON model format", () => {
    const python = '/usr/bin/python3';
    const probe = spawnSync(python, ['-c', 'import xgboost, numpy'], { encoding: 'utf8' });
    const reason =
      probe.status === 0
        ? false
        : `Debian's python3-xgboost is not installed (${python} -c 'import xgboost' failed)`;
    const dir = mkdtempSync(join(tmpdir(), 'dt-xgb-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    test(
      'xgboost.Booster loads the export and predicts the same probabilities (1e-6)',
      { skip: reason },
      () => {
        const d = synthetic(3000, 7);
        const g = native!.gbdtTrain(d.x, d.y, d.n, d.f, none.x, none.y, 0, {
          ...BASE,
          rounds: 40,
          maxDepth: 4,
          learningRate: 0.2,
          positiveWeight: 10,
          subsample: 0.8,
          colsample: 0.8,
        });
        const file = modelFile(['a', 'b', 'c', 'd', 'e', 'f'], g.trees);
        writeFileSync(join(dir, 'model.json'), toXgboostJson(file));
        writeFileSync(join(dir, 'x.bin'), Buffer.from(d.x.buffer));
        const ours = new GbdtModel(file).probabilities(d.x, d.n);
        const r = spawnSync(
          python,
          [
            '-c',
            `import numpy as np, xgboost as xgb, sys
b = xgb.Booster(model_file=sys.argv[1])
x = np.fromfile(sys.argv[2], dtype=np.float32).reshape(-1, 6)
np.asarray(b.predict(xgb.DMatrix(x, missing=np.nan, feature_names=b.feature_names)), dtype=np.float32).tofile(sys.argv[3])`,
            join(dir, 'model.json'),
            join(dir, 'x.bin'),
            join(dir, 'p.bin'),
          ],
          { encoding: 'utf8' },
        );
        assert.equal(r.status, 0, r.stderr);
        const theirs = new Float32Array(readFileSync(join(dir, 'p.bin')).buffer.slice(0));
        assert.equal(theirs.length, d.n);
        let worst = 0;
        for (let i = 0; i < d.n; i++) worst = Math.max(worst, Math.abs(theirs[i] - ours[i]));
        assert.ok(worst <= 1e-6, `largest difference ${worst}`);
      },
    );
  });
});

describe('folds', () => {
  test('stratified by failure, seeded, every drive in exactly one fold', () => {
    const failed = Array.from({ length: 1003 }, (_, i) => i % 17 === 0);
    const fold = assignFolds(failed, 5, 9);
    assert.equal(fold.length, failed.length);
    const sizes = [0, 0, 0, 0, 0];
    const failures = [0, 0, 0, 0, 0];
    fold.forEach((k, i) => {
      assert.ok(k >= 0 && k < 5);
      sizes[k]++;
      if (failed[i]) failures[k]++;
    });
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, sizes.join(','));
    assert.ok(Math.max(...failures) - Math.min(...failures) <= 1, failures.join(','));
    assert.deepEqual(assignFolds(failed, 5, 9), fold);
    assert.notDeepEqual(assignFolds(failed, 5, 10), fold);
    assert.throws(() => assignFolds(failed, 1, 1), /at least 2 folds/);
  });
});
