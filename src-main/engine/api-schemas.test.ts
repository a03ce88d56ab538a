import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { z } from 'zod';
import { describeIssues, fieldProblems, trainConfig } from './api-schemas';

test('bad training settings are all named at once, in words, by their field', () => {
  const r = trainConfig.safeParse({
    model: 'lstm-ae',
    epochs: 0,
    learningRate: -1,
    units: 1.5,
    attributes: [],
    backend: 'gpu',
    loss: { kind: 'hinge' },
    batchSize: 'big',
    bogus: 1,
  });
  assert.equal(r.success, false);
  const text = describeIssues('train/start', r.error as z.ZodError);
  for (const words of [
    'epochs must be at least 1',
    'learningRate must be above 0',
    'units must be a whole number',
    'attributes needs at least 1 item',
    'backend must be one of tensorflow, native, wasm, cpu',
    'loss.kind must be one of mse, weighted-bce, focal, hard-negative',
    'batchSize must be a number',
    'no setting named bogus',
  ])
    assert.ok(text.includes(words), `"${words}" in: ${text}`);
  assert.doesNotMatch(text, /Too small|expected number|Invalid/);
});

test("each field has its own problems, in words without the field name; an unknown setting is the request's", () => {
  const r = trainConfig.safeParse({
    model: 'gbdt',
    rounds: 0,
    maxDepth: 1.5,
    loss: { kind: 'focal', gamma: -2, alpha: 0.25 },
    bogus: 1,
  });
  assert.equal(r.success, false);
  assert.deepEqual(fieldProblems(r.error as z.ZodError), {
    rounds: ['must be at least 1'],
    maxDepth: ['must be a whole number'],
    'loss.gamma': ['must be at least 0'],
    'the request': ['no setting named bogus'],
  });
});
