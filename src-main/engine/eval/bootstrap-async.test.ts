import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rng } from '../model/rng';
import { bootstrap } from './bootstrap';
import { bootstrapAsync, pairedComparisonAsync } from './bootstrap-async';
import { pairedComparison } from './paired';

/**
 * Event-loop turns while `work` runs: the engine's thread keeps turning while a worker computes; inline, the call
 * would return only once done and no turn would run before it resolves.
 */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let turning = true;
  const turn = (): void => {
    turns++;
    if (turning) setImmediate(turn);
  };
  setImmediate(turn);
  const result = await work();
  turning = false;
  return { result, turns };
}

test('a big bootstrap runs in a worker thread and gives exactly the intervals of the inline one', async () => {
  const random = rng(11);
  const drives = 3000;
  const perDrive = 20;
  const n = drives * perDrive;
  const cluster = Int32Array.from({ length: n }, (_, i) => Math.floor(i / perDrive));
  const failing = Uint8Array.from({ length: drives }, () => (random() < 0.05 ? 1 : 0));
  const label = Uint8Array.from(cluster, (c, i) => (failing[c] && i % perDrive >= perDrive - 5 ? 1 : 0));
  const score = Float32Array.from(label, (l) => random() + (l ? 0.8 : 0));
  const leadDays = Float64Array.from({ length: drives }, (_, c) =>
    failing[c] ? Math.floor(random() * 30) : NaN,
  );
  const input = { score, label, cluster, clusters: drives, leadDays };
  const options = { threshold: 1.2, fars: [0.01, 0.05], reps: 60, seed: 7 };
  assert.ok(n * options.reps >= 2_000_000, 'big enough for the worker path');
  const { result: inWorker, turns } = await turnsDuring(() => bootstrapAsync(input, options));
  assert.ok(turns > 0, 'the event loop ran while the bootstrap was computed (it ran in a worker)');
  const small = await turnsDuring(() => bootstrapAsync(input, { ...options, reps: 2 }));
  assert.equal(small.turns, 0, 'a small bootstrap runs inline');
  assert.deepEqual(inWorker, bootstrap(input, options));
  assert.ok(inWorker.recall && inWorker.recall[0] <= inWorker.recall[1]);
});

test('a big paired comparison with the rule runs in a worker thread and gives exactly the inline result', async () => {
  const random = rng(5);
  const drives = 20_000;
  const positive = Uint8Array.from({ length: drives }, () => (random() < 0.01 ? 1 : 0));
  const model = Float32Array.from(positive, (p) => random() + p * 0.6);
  const baseline = Float32Array.from(positive, (p) =>
    random() < 0.05 + p * 0.4 ? 1 + Math.floor(random() * 9) : 0,
  );
  const input = { model, baseline, positive, baselineThreshold: 0.5 };
  const options = { fars: [0.01, 0.05], reps: 60, seed: 3 };
  assert.ok(2 * drives * options.reps >= 2_000_000, 'big enough for the worker path');
  const { result: inWorker, turns } = await turnsDuring(() => pairedComparisonAsync(input, options));
  assert.ok(turns > 0, 'the event loop ran while the comparison was computed (it ran in a worker)');
  const small = await turnsDuring(() => pairedComparisonAsync(input, { ...options, reps: 2 }));
  assert.equal(small.turns, 0, 'a small comparison runs inline');
  assert.deepEqual(inWorker, pairedComparison(input, options));
  assert.equal(inWorker.replicates, 60);
  assert.ok(inWorker.atFar[0].interval && inWorker.atFar[0].interval[0] <= inWorker.atFar[0].interval[1]);
});
