import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiError, type TrainResult } from '../api-types';
import { Engine } from '../engine';
import { formatDay } from '../import/row-fields';
import { float32Of, int32Of } from '../store/blobs';
import { rng } from '../model/rng';
import { significant4 } from './fleet-heatmap';

const SAMPLE = resolve(__dirname, '../../../resources/sample');

/** What the scores table holds for one drive, decoded here independently of the code under test. */
function stored(
  engine: Engine,
  runId: number,
  serial: string,
): { ends: number[]; scores: number[]; errors: number[] } {
  const r = engine.db
    .prepare(
      'SELECT end_days, window_scores, day_errors FROM scores s JOIN drives d ON d.id = s.drive_id WHERE run_id = ? AND serial = ?',
    )
    .get(runId, serial) as { end_days: Buffer; window_scores: Buffer; day_errors: Buffer };
  return {
    ends: Array.from(int32Of(r.end_days)),
    scores: Array.from(float32Of(r.window_scores)),
    errors: Array.from(float32Of(r.day_errors)),
  };
}

describe('a scored run seen drive by drive: the drives table, drive detail and the fleet heatmap', () => {
  let dir: string;
  let engine: Engine;
  let runId: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dt-run-scores-'));
    engine = new Engine({ dbPath: join(dir, 'w.sqlite'), mode: 'cli', samplePath: SAMPLE });
    await engine.jobs.wait((await engine.call('import/sample', {})).jobId);
    const { jobId } = await engine.call('train/start', {
      config: { model: 'lstm-ae', units: 8, epochs: 1, maxWindowsPerEpoch: 320, windowDays: 7, seed: 5 },
    });
    const r = (await engine.jobs.wait(jobId)).result as TrainResult;
    assert.equal(r.status, 'done', r.error);
    runId = r.runId;
    await engine.jobs.wait((await engine.call('runs/score', { id: runId })).jobId);
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('drives sorted by score come worst first, each with its stored score; unscored drives last', async () => {
    const q = { runId, sort: 'score', dir: 'desc', limit: 5000 } as const;
    const page = await engine.call('drives/list', q);
    page.rows.push(...(await engine.call('drives/list', { ...q, offset: 5000 })).rows);
    const scores = page.rows.map((d) => d.score);
    assert.equal(page.rows.length, page.total);
    const scored = scores.filter((s): s is number => s !== null && s !== undefined);
    assert.ok(scored.length > 10);
    assert.deepEqual(
      scored,
      [...scored].sort((a, b) => b - a),
    );
    assert.ok(scores.indexOf(null) === -1 || scores.slice(scores.indexOf(null)).every((s) => s === null));
    const top = await engine.call('scores/top', { runId, limit: 1 });
    assert.equal(page.rows[0].serial, top.rows[0].serial);
    assert.equal(page.rows[0].score, top.rows[0].score);
    await assert.rejects(
      engine.call('drives/list', { sort: 'score' }),
      (e: ApiError) => e.code === 'bad-request' && /runId/.test(e.message),
    );
  });

  test('the drives a filter matches that reach a threshold are counted as the rows count them', async () => {
    const all = await engine.call('drives/list', { runId, sort: 'score', dir: 'desc', limit: 5000 });
    const tenth = all.rows[9].score!;
    const byHand = (rows: { score?: number | null }[]): number =>
      rows.filter((d) => d.score !== null && d.score !== undefined && d.score >= Math.fround(tenth)).length;
    const counted = await engine.call('drives/list', { runId, flaggedAt: tenth, limit: 1 });
    assert.equal(counted.flagged, byHand(all.rows));
    assert.ok(counted.flagged! >= 10, 'a threshold equal to a stored score reaches it');
    const failed = await engine.call('drives/list', {
      runId,
      status: 'failed',
      flaggedAt: tenth,
      limit: 5000,
    });
    assert.equal(failed.flagged, byHand(failed.rows), 'under the filters');
    assert.equal((await engine.call('drives/list', { runId, limit: 1 })).flagged, undefined);
    await assert.rejects(
      engine.call('drives/list', { flaggedAt: 1 }),
      (e: ApiError) =>
        e.code === 'bad-request' && /flaggedAt: counting flagged drives needs the run/.test(e.message),
    );
  });

  test('drive detail: window scores and day x attribute errors as stored; why flagged sums the window’s days', async () => {
    const worst = (await engine.call('scores/top', { runId, limit: 1 })).rows[0];
    const d = await engine.call('scores/drive', { runId, serial: worst.serial });
    const s = stored(engine, runId, worst.serial);
    const F = d.features.length;
    assert.ok(F >= 3);
    assert.deepEqual(d.days, s.ends.map(formatDay));
    assert.deepEqual(d.scores, s.scores);
    assert.deepEqual(d.dayErrors.flat(), s.errors);
    assert.equal(d.dayErrors.length, s.ends.length);
    // Without a threshold the worst window is explained.
    const at = s.scores.indexOf(Math.max(...s.scores));
    assert.deepEqual(d.explained, {
      day: formatDay(s.ends[at]),
      score: s.scores[at],
      reason: 'worst-window',
    });
    // Each attribute's error over the 7 days up to that window's end, by hand.
    const expected = new Array<number>(F).fill(0);
    s.ends.forEach((end, w) => {
      if (end > s.ends[at] - 7 && end <= s.ends[at])
        for (let f = 0; f < F; f++) expected[f] += s.errors[w * F + f];
    });
    for (const c of d.contributions) {
      assert.ok(Math.abs(c.error - expected[d.features.indexOf(c.feature)]) < 1e-6 * (1 + c.error));
    }
    const shares = d.contributions.map((c) => c.share);
    assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.deepEqual(
      shares,
      [...shares].sort((a, b) => b - a),
    );

    // With a threshold the first window reaching it is explained.
    const t = s.scores[Math.floor(s.scores.length / 2)];
    const first = s.scores.findIndex((x) => x >= t);
    const flagged = await engine.call('scores/drive', { runId, serial: worst.serial, threshold: t });
    assert.equal(flagged.explained?.reason, 'first-alert');
    assert.equal(flagged.explained?.day, formatDay(s.ends[first]));
    const above = await engine.call('scores/drive', { runId, serial: worst.serial, threshold: 1e30 });
    assert.equal(above.explained?.reason, 'worst-window');
  });

  test('the fleet heatmap: the top drives by score x the last days, each cell the window ending that day', async () => {
    const top = await engine.call('scores/top', { runId, limit: 20 });
    const h = await engine.call('scores/heatmap', { runId, top: 20, days: 30 });
    assert.deepEqual(
      h.drives.map((d) => d.serial),
      top.rows.map((r) => r.serial),
    );
    assert.equal(h.total, top.total);
    assert.ok(h.days.length <= 30 && h.days.length > 0);
    assert.equal(h.z.length, h.drives.length * h.days.length);
    for (const [i, drive] of h.drives.entries()) {
      const s = stored(engine, runId, drive.serial);
      const byDay = new Map(s.ends.map((e, w) => [formatDay(e), s.scores[w]]));
      h.days.forEach((day, j) => {
        const want = byDay.get(day);
        assert.equal(h.z[i * h.days.length + j], want === undefined ? null : significant4(want));
      });
      assert.equal(
        Math.max(...h.z.slice(i * h.days.length, (i + 1) * h.days.length).map((v) => v ?? -1)) <=
          significant4(drive.score),
        true,
      );
    }
    // Each drive's part of the run's split, as the scores table holds it.
    const splitOf = engine.db.prepare(
      'SELECT s.split FROM scores s JOIN drives d ON d.id = s.drive_id WHERE s.run_id = ? AND d.serial = ?',
    );
    for (const d of h.drives)
      assert.equal(d.split, ['train', 'validation', 'test'][splitOf.pluck().get(runId, d.serial) as number]);
    assert.ok(
      new Set(h.drives.map((d) => d.split)).size >= 2,
      'drives of more than one part among the top 20',
    );
    // One model only.
    const model = h.drives[0].model;
    const one = await engine.call('scores/heatmap', { runId, model });
    assert.ok(one.drives.length > 0 && one.drives.every((d) => d.model === model));
  });

  test('heatmap cells keep 4 significant digits and print short', () => {
    for (const [x, want] of [
      [0.123456789, 0.1235],
      [1234567, 1235000],
      [0.000012344999, 0.00001234],
      [-98.76543, -98.77],
      [0, 0],
      [1e-30 * 1.23456, 1.235e-30],
    ] as const) {
      assert.equal(significant4(x), want);
    }
    // The same double as the decimal toPrecision writes (so it prints as short), over many magnitudes.
    const random = rng(5);
    for (let i = 0; i < 2000; i++) {
      const x = Math.exp((random() - 0.5) * 40);
      assert.equal(significant4(x), Number(x.toPrecision(4)), String(x));
    }
  });

  test('clear errors: an unknown drive, a run not scored yet, a window the convolution cannot halve', async () => {
    await assert.rejects(
      engine.call('train/start', { config: { model: 'conv-ae', windowDays: 7 } }),
      (e: ApiError) => e.code === 'bad-request' && /windowDays: .*divisible by 4/.test(e.message),
    );
    await assert.rejects(
      engine.call('scores/drive', { runId, serial: 'NO-SUCH-DRIVE' }),
      (e: ApiError) => e.code === 'not-found' && /NO-SUCH-DRIVE/.test(e.message),
    );
    const { jobId } = await engine.call('train/start', {
      config: { model: 'conv-ae', filters: 4, epochs: 1, maxWindowsPerEpoch: 64, windowDays: 8, seed: 1 },
    });
    const job = await engine.jobs.wait(jobId);
    assert.equal(job.state, 'done', job.error ?? '');
    const other = (job.result as TrainResult).runId;
    const listed = new Map((await engine.call('runs/list', {})).map((r) => [r.id, r.scored]));
    assert.deepEqual([listed.get(runId), listed.get(other)], [true, false]);
    const serial = (await engine.call('drives/list', { limit: 1 })).rows[0].serial;
    for (const call of [
      engine.call('scores/drive', { runId: other, serial }),
      engine.call('scores/heatmap', { runId: other }),
    ])
      await assert.rejects(call, (e: ApiError) => e.code === 'not-found' && /score it first/.test(e.message));
  });
});
