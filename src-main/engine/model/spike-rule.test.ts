import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rng } from './rng';
import { DEFAULT_LOOP, isSpike } from './train';

/** Runs a rule over a loss series as the loop does (every loss joins the window under 'record'); the spikes' indices. */
function spikesOf(losses: number[], rule = DEFAULT_LOOP.spike): number[] {
  const recent: number[] = [];
  const out: number[] = [];
  losses.forEach((loss, i) => {
    if (isSpike(loss, recent, rule)) out.push(i);
    recent.push(loss);
    if (recent.length > rule.window) recent.shift();
  });
  return out;
}

test('heavy-tailed losses (spread over four orders of magnitude) are not a train of spikes; a real jump still is', () => {
  const random = rng(4);
  // Like a focal-loss classifier's batches on the sample (log10 quartiles -4.1, -3.7, -3.4; 1% and 99% at -6.9
  // and -1.8): a log-normal core with one batch in ten drawn from a twice wider spread.
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const losses = Array.from(
    { length: 3000 },
    () => 10 ** (-3.75 + 0.55 * gaussian() * (random() < 0.1 ? 2 : 1)),
  );
  const ratio = { kind: 'ratio' as const, factor: 10, window: 200, action: 'record' as const };
  assert.ok(spikesOf(losses, ratio).length > 100, 'the ratio rule marks hundreds');
  assert.deepEqual(spikesOf(losses), [], 'the default (robust) rule marks none');
  const jumped = [...losses];
  jumped[2000] = Math.max(...losses) * 30;
  assert.deepEqual(spikesOf(jumped), [2000]);
});

test("a steady loss (an autoencoder's MSE) keeps the ratio behaviour: a 50x jump is a spike", () => {
  const random = rng(9);
  const losses = Array.from({ length: 1000 }, (_, i) => 0.5 * Math.exp(-i / 500) * (0.8 + 0.4 * random()));
  assert.deepEqual(spikesOf(losses), []);
  losses[700] *= 50;
  assert.deepEqual(spikesOf(losses), [700]);
  assert.equal(isSpike(5, [1, 1, 1], DEFAULT_LOOP.spike), false, 'too few losses yet to judge');
});
