import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SearchDimension } from '../api-types';
import { rng } from '../model/rng';
import { proposeNext, type Observation } from './propose';
import { Space } from './space';

test('the space: integers on their grid, categories one-hot, log scales, encode and decode agree', () => {
  const space = new Space({
    learningRate: { type: 'log-float', min: 1e-4, max: 1e-2 },
    windowDays: { type: 'int', min: 8, max: 64, step: 4 },
    units: { type: 'int', min: 16, max: 256, log: true },
    loss: { type: 'categorical', values: ['mse', 'focal', 'weighted-bce'] },
  });
  assert.equal(space.width, 6);
  const random = rng(4);
  for (let i = 0; i < 200; i++) {
    const p = space.decode(space.random(random));
    assert.ok(
      (p.windowDays as number) % 4 === 0 && (p.windowDays as number) >= 8 && (p.windowDays as number) <= 64,
    );
    assert.ok(Number.isInteger(p.units));
    assert.ok(['mse', 'focal', 'weighted-bce'].includes(p.loss as string));
    assert.deepEqual(space.decode(space.encode(p)), p);
  }
  // A relaxed point lands on the nearest grid value and the largest category.
  const u = space.project(Float64Array.of(0.5, 0.49, 0.5, 0.2, 0.7, 0.1));
  const p = space.decode(u);
  assert.equal((p.learningRate as number).toPrecision(6), (1e-3).toPrecision(6)); // the middle of a log range
  assert.equal(p.windowDays, 36); // 8 + 0.49 * 56 = 35.4 -> 36 on the grid of 4
  assert.equal(p.units, 64); // the geometric middle of 16..256
  assert.equal(p.loss, 'focal');
  assert.deepEqual(Array.from(u.slice(3)), [0, 1, 0]);
  assert.deepEqual(space.defaults(), {
    learningRate: p.learningRate,
    windowDays: 36,
    units: 64,
    loss: 'mse',
  });
});

test('the Latin hypercube puts one point in each stratum of every dimension', () => {
  const space = new Space({ a: { type: 'float', min: 0, max: 1 }, b: { type: 'float', min: -5, max: 5 } });
  const pts = space.latin(10, rng(9));
  for (let d = 0; d < 2; d++) {
    const strata = pts.map((p) => Math.floor(p[d] * 10)).sort((x, y) => x - y);
    assert.deepEqual(strata, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  }
});

/** Runs a search of `trials` on f over `dims` and returns the best value found. */
function optimise(
  f: (x: number[]) => number,
  dims: Record<string, SearchDimension>,
  trials: number,
  initial: number,
  seed: number,
  strategy: 'gp' | 'random',
): number {
  const space = new Space(dims);
  const random = rng(seed);
  const names = Object.keys(dims);
  const value = (u: Float64Array): number => {
    const p = space.decode(u);
    return f(names.map((n) => p[n] as number));
  };
  const observed: Observation[] = [];
  const design = space.latin(initial, random);
  for (let t = 0; t < trials; t++) {
    let x: Float64Array;
    if (strategy === 'random') x = space.random(random);
    else if (t < initial) x = design[t];
    else x = proposeNext(space, observed, [], { random, warm: undefined })!.x;
    observed.push({ x, y: value(x) });
  }
  return Math.min(...observed.map((o) => o.y));
}

const branin = ([x1, x2]: number[]): number =>
  (x2 - (5.1 / (4 * Math.PI * Math.PI)) * x1 * x1 + (5 / Math.PI) * x1 - 6) ** 2 +
  10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) +
  10;
const BRANIN_MIN = 0.397887;

const H_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((r) => r.map((v) => v * 1e-4));
const hartmann6 = (x: number[]): number =>
  -H_ALPHA.reduce(
    (s, a, i) => s + a * Math.exp(-H_A[i].reduce((e, aij, j) => e + aij * (x[j] - H_P[i][j]) ** 2, 0)),
    0,
  );
const HARTMANN_MIN = -3.32237;

test('GP-EI reaches a lower regret than random search with the same trials: Branin', () => {
  const dims: Record<string, SearchDimension> = {
    x1: { type: 'float', min: -5, max: 10 },
    x2: { type: 'float', min: 0, max: 15 },
  };
  const seeds = [1, 2, 3, 4];
  const regret = (s: 'gp' | 'random'): number[] =>
    seeds.map((seed) => optimise(branin, dims, 25, 6, seed, s) - BRANIN_MIN);
  const gp = regret('gp');
  const rnd = regret('random');
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  // A margin: the GP's mean regret is under a third of random search's, and it wins on most seeds.
  assert.ok(mean(gp) < mean(rnd) / 3, `GP ${gp.join(', ')} vs random ${rnd.join(', ')}`);
  assert.ok(gp.filter((g, i) => g < rnd[i]).length >= 3, `GP ${gp.join(', ')} vs random ${rnd.join(', ')}`);
});

test('GP-EI reaches a lower regret than random search with the same trials: Hartmann-6', () => {
  const dims = Object.fromEntries(
    Array.from({ length: 6 }, (_, i) => [`x${i}`, { type: 'float', min: 0, max: 1 } as SearchDimension]),
  );
  const seeds = [1, 2, 3];
  const gp = seeds.map((seed) => optimise(hartmann6, dims, 45, 12, seed, 'gp') - HARTMANN_MIN);
  const rnd = seeds.map((seed) => optimise(hartmann6, dims, 45, 12, seed, 'random') - HARTMANN_MIN);
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  assert.ok(mean(gp) < mean(rnd) * 0.6, `GP ${gp.join(', ')} vs random ${rnd.join(', ')}`);
  assert.ok(gp.filter((g, i) => g < rnd[i]).length >= 2, `GP ${gp.join(', ')} vs random ${rnd.join(', ')}`);
});

test('pending trials under a constant lie: a second proposal goes elsewhere; a used-up space says so', () => {
  const space = new Space({ a: { type: 'float', min: 0, max: 1 }, b: { type: 'float', min: 0, max: 1 } });
  const random = rng(5);
  const observed: Observation[] = space
    .latin(8, random)
    .map((x) => ({ x, y: (x[0] - 0.3) ** 2 + (x[1] - 0.7) ** 2 }));
  const first = proposeNext(space, observed, [], { random })!;
  const second = proposeNext(space, observed, [first.x], { random })!;
  const dist = Math.hypot(first.x[0] - second.x[0], first.x[1] - second.x[1]);
  assert.ok(dist > 0.02, `the second proposal is ${dist} from the pending one`);

  const tiny = new Space({ c: { type: 'categorical', values: ['x', 'y'] } });
  const both = [tiny.encode({ c: 'x' }), tiny.encode({ c: 'y' })].map((x, i) => ({ x, y: i }));
  assert.equal(proposeNext(tiny, both, [], { random }), null);
});
