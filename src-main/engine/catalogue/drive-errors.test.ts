import assert from 'node:assert/strict';
import { test } from 'node:test';
import { windowContributions } from './drive-errors';

test("an attribute that pushes away from failure has no share of the push toward it; the others' shares sum to 1", () => {
  // Two windows of a 2-day run ending on days 10 and 11, three attributes (trees' or a classifier's signed pushes).
  const errors = [0.3, -0.2, 0.1, 0.3, -0.2, 0.1];
  const c = windowContributions([10, 11], errors, 3, 1, 2, ['a', 'b', 'c']);
  assert.deepEqual(
    c.map((x) => x.feature),
    ['a', 'c', 'b'],
  );
  assert.ok(Math.abs(c[0].share - 0.75) < 1e-9, `a: ${c[0].share}`);
  assert.ok(Math.abs(c[1].share - 0.25) < 1e-9, `c: ${c[1].share}`);
  assert.equal(c[2].share, 0);
  assert.ok(Math.abs(c[2].error + 0.4) < 1e-9, 'the push itself is kept, sign and all');
});
