import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ScoreProgress, TrainResult } from '../api-types';
import { Engine } from '../engine';
import { loadNative } from './native/addon';
import { scoreRun, stagingId } from './score';

const SAMPLE = resolve(__dirname, '../../../resources/sample');
const skip = loadNative().module ? false : `the native engine is not built: ${loadNative().error}`;

describe('scoring a run again', { skip }, () => {
  let dir: string;
  let engine: Engine;
  let runId: number;
  const snapshot = (id: number): string =>
    JSON.stringify(
      engine.db
        .prepare(
          'SELECT drive_id, max_score, hex(window_scores) AS w FROM scores WHERE run_id = ? ORDER BY drive_id',
        )
        .all(id),
    );
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dt-score-'));
    engine = new Engine({ dbPath: join(dir, 'w.sqlite'), mode: 'cli', samplePath: SAMPLE });
    await engine.jobs.wait((await engine.call('import/sample', {})).jobId);
    const job = await engine.jobs.wait(
      (await engine.call('train/start', { config: { model: 'gbdt', rounds: 10, folds: 0 } })).jobId,
    );
    runId = (job.result as TrainResult).runId;
    await scoreRun(engine.db, runId);
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('progress: within the slice, rising to 1, with windows per second and (once it can tell) the time left', async () => {
    const seen: ScoreProgress[] = [];
    const r = await scoreRun(engine.db, runId, { onProgress: (p) => seen.push(p) });
    assert.ok(seen.length >= 1);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i].fraction >= seen[i - 1].fraction);
    const last = seen.at(-1)!;
    assert.equal(last.fraction, 1);
    assert.equal(last.windows, r.windows);
    assert.equal(last.runId, runId);
    assert.ok(last.windowsPerSec > 0);
    assert.ok(last.etaSec !== null && last.etaSec <= 1e-9, 'nothing left at the end');
  });

  test('keeps the old scores until the new ones are complete: cancelled or crashed midway, nothing changes', async () => {
    const before = snapshot(runId);
    assert.ok(before.length > 1000);
    const evalBefore = await engine.call('eval/report', { runId, bootstrap: 0 });
    let calls = 0;
    const cancelled = await scoreRun(engine.db, runId, { isCancelled: () => ++calls > 3 });
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(snapshot(runId), before);
    assert.equal(snapshot(stagingId(runId)), '[]', 'a cancelled scoring leaves nothing aside');
    // A crash mid-write (the process killed between two slices): the old set stays whole.
    await assert.rejects(
      scoreRun(engine.db, runId, {
        isCancelled: () => false,
        onProgress: () => {
          throw new Error('killed');
        },
      }),
      /killed/,
    );
    assert.equal(snapshot(runId), before);
    const e = await engine.call('eval/report', { runId, bootstrap: 0 });
    assert.deepEqual(
      [e.positives, e.negatives, e.matrix],
      [evalBefore.positives, evalBefore.negatives, evalBefore.matrix],
    );
    // The next whole scoring replaces the set and clears what a crash left aside.
    const done = await scoreRun(engine.db, runId);
    assert.equal(done.status, 'done');
    assert.equal(snapshot(stagingId(runId)), '[]');
    assert.equal(snapshot(runId), before, 'the same model scores the same');
  });
});
