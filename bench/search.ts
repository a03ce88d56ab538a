/**
 * `npm run bench:search`: the time to propose the next trial (fit the Gaussian
 * process by maximum marginal likelihood, then maximise expected improvement)
 * as the number of finished trials grows: 10, 50, 200 (target under 1 s at
 * 200), with one trial pending, in a space of six tuned settings (a log-float,
 * two floats, two integers, a categorical of three). Warm: started from the
 * previous fit, as a running search does; cold: without. Writes
 * bench/results/search.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import type { SearchDimension } from '../src-main/engine/api-types';
import { rng } from '../src-main/engine/model/rng';
import { proposeNext, type Observation } from '../src-main/engine/search/propose';
import { Space } from '../src-main/engine/search/space';

const dims: Record<string, SearchDimension> = {
  learningRate: { type: 'log-float', min: 1e-4, max: 1e-2 },
  dropout: { type: 'float', min: 0, max: 0.5 },
  clipNorm: { type: 'float', min: 0.1, max: 5 },
  units: { type: 'int', min: 16, max: 256, log: true },
  windowDays: { type: 'int', min: 8, max: 64, step: 4 },
  loss: { type: 'categorical', values: ['mse', 'focal', 'weighted-bce'] },
};
const space = new Space(dims);
/** A smooth objective with an interaction and a category effect, plus noise. */
const objective = (x: Float64Array, random: () => number): number =>
  (x[0] - 0.6) ** 2 +
  0.5 * (x[1] - 0.2) ** 2 +
  0.3 * Math.sin(5 * x[2]) * x[3] +
  0.2 * x[4] +
  0.3 * x[6] +
  0.01 * random();

const rows: Record<string, unknown>[] = [];
for (const n of [10, 50, 200]) {
  const random = rng(n);
  const observed: Observation[] = space.latin(n, random).map((x) => ({ x, y: objective(x, random) }));
  const pending = [space.random(random)];
  const cold: number[] = [];
  const warm: number[] = [];
  let hyper = proposeNext(space, observed, pending, { random })!.gp.hyper;
  for (let i = 0; i < 3; i++) {
    let t = performance.now();
    proposeNext(space, observed, pending, { random });
    cold.push(performance.now() - t);
    t = performance.now();
    hyper = proposeNext(space, observed, pending, { random, warm: hyper })!.gp.hyper;
    warm.push(performance.now() - t);
  }
  const median = (v: number[]): number => Math.round([...v].sort((a, b) => a - b)[v.length >> 1]);
  const row = {
    finishedTrials: n,
    warmMedianMs: median(warm),
    coldMedianMs: median(cold),
    targetMs: n === 200 ? 1000 : undefined,
  };
  rows.push(row);
  process.stderr.write(`bench:search ${JSON.stringify(row)}\n`);
}
const out = resolve(__dirname, 'results');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'search.json'),
  `${JSON.stringify({ when: new Date().toISOString(), machine: `${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, Node ${process.version}`, dimensions: Object.keys(dims), encodedWidth: space.width, rows }, null, 2)}\n`,
);
