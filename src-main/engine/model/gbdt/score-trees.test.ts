import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shareRule } from './score-trees';

test("the rule's contribution is shared among its counters by their last-day values, read at the cube's stride", () => {
  // Two windows of 2 days over a cube of 4 attributes, the trees' 3 first: counters at 0 and 2, a rule-only
  // attribute after them whose values must never be read in their place.
  const S = 2;
  const F = 4;
  const A = 3;
  const data = Float32Array.from([
    // window 0: day 0, day 1 (last)
    9, 9, 9, 9, 3, 5, 1, 1000,
    // window 1: last day has no counts
    9, 9, 9, 9, 0, 7, 0, 1000,
  ]);
  const b = { data, drive: Int32Array.of(0, 0), endDay: Int32Array.of(10, 11), count: 2 };
  const last = new Float32Array(2 * A);
  shareRule(0.8, b, 0, S, F, [0, 2], last, A);
  shareRule(0.5, b, 1, S, F, [0, 2], last, A);
  assert.deepEqual(
    [...last],
    [0.6, 0, 0.2, 0.25, 0, 0.25].map((v) => Math.fround(v)),
  );
});
