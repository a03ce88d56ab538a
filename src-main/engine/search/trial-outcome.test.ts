import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrialOutcome } from '../jobs/job-protocol';
import { trialEnd } from './trial-outcome';

const run = (status: TrialOutcome['status'], objective: number | null, error?: string): TrialOutcome => ({
  runId: 1,
  status,
  backend: 'native',
  device: 'cpu',
  epochs: 3,
  finalLoss: 0.1,
  valLoss: 0.2,
  seconds: 5,
  notices: [],
  error,
  objective,
});
const going = { pruned: false, valLosses: [0.5, 0.4], seconds: 7 };
const loss = { kind: 'val-loss' } as const;
const detection = { kind: 'detection-at-far', far: 0.01 } as const;

test("a trial's end: crash, pruned (with the loss it reached under a loss objective), cancelled, failed, no objective, done", () => {
  assert.deepEqual(trialEnd({ error: 'worker died' }, going, loss), {
    status: 'failed',
    objective: null,
    seconds: 7,
    error: 'worker died',
  });
  const pruned = { ...going, pruned: true };
  assert.deepEqual(trialEnd(run('cancelled', null), pruned, loss), {
    status: 'pruned',
    objective: 0.4,
    seconds: 7,
    error: null,
  });
  assert.equal(trialEnd(run('cancelled', null), pruned, detection).objective, null);
  assert.equal(trialEnd(run('cancelled', null), going, loss).status, 'cancelled');
  assert.deepEqual(trialEnd(run('failed', null, 'NaN loss at batch 3'), going, loss), {
    status: 'failed',
    objective: null,
    seconds: 7,
    error: 'NaN loss at batch 3',
  });
  assert.match(trialEnd(run('done', null), going, detection).error ?? '', /without the objective/);
  assert.equal(trialEnd(run('done', Number.NaN), going, detection).status, 'failed');
  assert.deepEqual(trialEnd(run('done', 0.62), going, detection), {
    status: 'done',
    objective: 0.62,
    seconds: 7,
    error: null,
  });
});
