import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TrainConfig, TrainResult } from '../api-types';
import { Engine } from '../engine';
import { loadNative } from './native/addon';
import { scoreRun } from './score';
import { int32Of } from '../store/blobs';
import { mergeWindows, readingsMark, scoreNewReadings, type ScoredThrough } from './score-update';
import { SAMPLE, SAMPLE_DAYS as DAYS } from '../testing/sample';
import { openDb, type Db } from '../store/db';
import { FOLD_EVERY_DAYS, RunWindows, type ScoreBlobs, type StoredWindows } from './score-store';

const skip = loadNative().module ? false : `the native engine is not built: ${loadNative().error}`;

test('mergeWindows replaces the windows ending in the range, keeps the rest in order', () => {
  const typed = (w: {
    ends: number[];
    scores: number[];
    dayErrors: number[];
    rule: number[];
  }): StoredWindows => ({
    ends: Int32Array.from(w.ends),
    scores: Float32Array.from(w.scores),
    dayErrors: Float32Array.from(w.dayErrors),
    rule: Float32Array.from(w.rule),
    robust: null,
  });
  const plain = (w: StoredWindows): object => ({
    ends: [...w.ends],
    scores: [...w.scores],
    dayErrors: [...w.dayErrors],
    rule: [...w.rule],
    robust: w.robust && [...w.robust],
  });
  const stored = typed({
    ends: [10, 11, 12, 13],
    scores: [1, 2, 3, 4],
    dayErrors: [1, 1, 2, 2, 3, 3, 4, 4],
    rule: [0, 0, 1, 1],
  });
  const fresh = {
    ends: [12, 13, 14],
    scores: [30, 40, 50],
    dayErrors: [7, 7, 8, 8, 9, 9],
    rule: [1, 2, 3],
    robust: null,
  };
  assert.deepEqual(plain(mergeWindows(stored, fresh, { from: 12, to: 14 })), {
    ends: [10, 11, 12, 13, 14],
    scores: [1, 2, 30, 40, 50],
    dayErrors: [1, 1, 2, 2, 7, 7, 8, 8, 9, 9],
    rule: [0, 0, 1, 2, 3],
    robust: null,
  });
  // A window that no longer exists in the range is dropped; the windows after the range stay.
  const fewer = mergeWindows(
    stored,
    { ends: [], scores: [], dayErrors: [], rule: [], robust: null },
    { from: 11, to: 12 },
  );
  assert.deepEqual([...fewer.ends], [10, 13]);
  assert.deepEqual([...fewer.dayErrors], [1, 1, 4, 4]);
  // A drive seen for the first time.
  const first = typed({ ends: [], scores: [], dayErrors: [], rule: [] });
  assert.deepEqual(plain(mergeWindows(first, fresh, { from: 0, to: 99 })), fresh);
  // Robust scores where the run has them.
  const withRobust = { ...stored, robust: Float32Array.from([5, 6, 7, 8]) };
  assert.deepEqual(
    [...mergeWindows(withRobust, { ...fresh, robust: [1, 2, 3] }, { from: 12, to: 14 }).robust!],
    [5, 6, 1, 2, 3],
  );
});

describe('scoring new days equals scoring everything again', { skip }, () => {
  let dir: string;
  let engine: Engine;
  const importDays = async (files: string[]): Promise<void> => {
    const job = await engine.jobs.wait((await engine.call('import/start', { paths: files })).jobId);
    assert.equal(job.state, 'done', job.error ?? '');
  };
  const train = async (config: TrainConfig): Promise<number> => {
    const job = await engine.jobs.wait((await engine.call('train/start', { config })).jobId);
    assert.equal(job.state, 'done', job.error ?? '');
    return (job.result as TrainResult).runId;
  };
  /** A run's scores as a reader sees them: each drive's row with the windows appended since. */
  const snapshot = (db: Db, runId: number): string[] => {
    const stored = new RunWindows(db, runId);
    const hex = (a: Int32Array | Float32Array | null): string | null =>
      a && a.length ? Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex') : null;
    return (
      db
        .prepare(
          `SELECT drive_id, windows, max_score, max_day, split, end_days, window_scores, day_errors, rule_scores,
             robust_scores FROM scores WHERE run_id = ? ORDER BY drive_id`,
        )
        .all(runId) as (ScoreBlobs & { drive_id: number; windows: number })[]
    ).map((r) => {
      const w = stored.of(r.drive_id, r);
      return JSON.stringify({
        ...r,
        windows: r.windows + stored.recentCount(r.drive_id),
        end_days: hex(w.ends),
        window_scores: hex(w.scores),
        day_errors: hex(w.dayErrors),
        rule_scores: hex(w.rule),
        robust_scores: hex(w.robust),
      });
    });
  };
  /** What scoring everything again stores, scored in a copy of the workspace (the incremental state stays). */
  const fullRescore = async (runId: number): Promise<string[]> => {
    const copy = join(dir, `full-${runId}.sqlite`);
    rmSync(copy, { force: true });
    engine.db.exec(`VACUUM INTO '${copy}'`);
    const db = openDb(copy);
    try {
      await scoreRun(db, runId);
      return snapshot(db, runId);
    } finally {
      db.close();
      rmSync(copy, { force: true });
    }
  };
  const recentGroups = (runId: number): { groups: Set<number>; maxDays: number } => {
    const rows = engine.db
      .prepare('SELECT grp, count(*) n FROM recent_windows WHERE run_id = ? GROUP BY grp')
      .all(runId) as { grp: number; n: number }[];
    return { groups: new Set(rows.map((r) => r.grp)), maxDays: Math.max(0, ...rows.map((r) => r.n)) };
  };
  let trees: number;
  let conv: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dt-update-'));
    engine = new Engine({ dbPath: join(dir, 'w.sqlite'), mode: 'cli', samplePath: SAMPLE });
    // Days 2-30 but for days 26-28: a gap longer than the 2 days filled, which later imports close. Day 1 comes last.
    await importDays(DAYS.slice(1, 30).filter((_, i) => i < 24 || i > 26));
    trees = await train({ model: 'gbdt', rounds: 10, folds: 0 });
    // A network, with windows every 2nd day: the new windows must keep the full scoring's alignment.
    conv = await train({
      model: 'conv-ae',
      epochs: 1,
      stride: 2,
      windowDays: 8,
      folds: 0,
      maxTrainWindows: 5000,
    });
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('days imported one at a time (some late, closing gaps) score as a full rescore does', async () => {
    const marks = new Map<number, ScoredThrough>();
    const groupsBefore = new Map<number, Set<number>>();
    const appended = new Set<number>();
    const folded = new Set<number>();
    for (const run of [trees, conv]) {
      await scoreRun(engine.db, run);
      marks.set(run, readingsMark(engine.db));
    }
    // Day 31, then the missing day 27: it leaves two one-day gaps, filled, so windows ending on day 26 now exist
    // (a new reading changes windows before its day too) and windows through day 34 change. Then 26, 28 and 32-35.
    for (const file of [DAYS[30], DAYS[26], DAYS[25], DAYS[27], ...DAYS.slice(31, 35)]) {
      await importDays([file]);
      for (const run of [trees, conv]) {
        const u = await scoreNewReadings(engine.db, run, marks.get(run)!);
        assert.equal(u.mode, 'incremental');
        assert.equal(u.status, 'done');
        // Day 31 completes no window (days 26-28 are still missing); every later day does, for most drives (the
        // network's windows start every 2nd day only).
        if (file === DAYS[30]) assert.equal(u.windows, 0);
        else if (run === trees)
          assert.ok(u.drives > 4000, `${file}: most drives report every day (${u.drives})`);
        marks.set(run, u.scoredThrough);
        // A plain next day: a drive that reported the day before has one new window, not the gap rule's three.
        if (DAYS.slice(31).includes(file) && run === trees)
          assert.ok(u.windows <= u.drives * 1.1, `${u.windows} windows for ${u.drives} drives`);
        // After every step: a later day's update could otherwise mend what an earlier one missed. Compared with a
        // full rescore of a copy, so appended windows pile up over the days as they do in use.
        const incremental = snapshot(engine.db, run);
        const full = await fullRescore(run);
        assert.equal(incremental.length, full.length);
        const differ = incremental.findIndex((r, i) => r !== full[i]);
        assert.equal(
          differ,
          -1,
          `run ${run}, ${file}: drive row ${differ} differs:\n${incremental[differ]}\n${full[differ]}`,
        );
        const now = recentGroups(run);
        assert.ok(now.maxDays <= FOLD_EVERY_DAYS, `a group holds ${now.maxDays} recent days`);
        const before = groupsBefore.get(run);
        if (before && [...before].some((g) => !now.groups.has(g))) folded.add(run);
        if (now.groups.size) appended.add(run);
        groupsBefore.set(run, now.groups);
      }
    }
    // The common day's windows went to the recent rows, and groups were folded into the drives' rows on their turn.
    assert.deepEqual([...appended].sort(), [trees, conv].sort());
    assert.deepEqual([...folded].sort(), [trees, conv].sort());
    // Nothing new: nothing scored.
    const none = await scoreNewReadings(engine.db, trees, marks.get(trees)!);
    assert.equal(none.mode, 'none');
    assert.equal(none.windows, 0);
  });

  test('an older day than any stored moves where windows start: everything is scored again', async () => {
    const mark = readingsMark(engine.db);
    await importDays([DAYS[0]]);
    assert.ok(readingsMark(engine.db).spanLo! < mark.spanLo!);
    const u = await scoreNewReadings(engine.db, conv, mark);
    assert.equal(u.mode, 'full');
    assert.equal(u.status, 'done');
    assert.deepEqual(u.scoredThrough, readingsMark(engine.db));
    const firstEnds = (
      engine.db.prepare('SELECT end_days FROM scores WHERE run_id = ?').pluck().all(conv) as Buffer[]
    ).map((b) => int32Of(b)[0]);
    assert.equal(Math.min(...firstEnds), mark.spanLo! - 1 + 7, 'windows start from the new first day');
  });
});
