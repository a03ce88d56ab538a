import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiError, type SearchResult, type SearchSettings, type SearchSpace } from '../api-types';
import { Engine } from '../engine';
import { Evaluator } from '../eval/evaluator';
import { medianStop } from './median-stop';

const SAMPLE = resolve(__dirname, '../../../resources/sample');
const CLI = resolve(__dirname, '../cli/cli.ts');

/** Tiny trials on the sample: seconds each. */
const SPACE: SearchSpace = {
  model: 'lstm-ae',
  epochs: 2,
  windowDays: 7,
  maxWindowsPerEpoch: 640,
  seed: 3,
  dimensions: {
    learningRate: { type: 'log-float', min: 1e-4, max: 1e-2 },
    width: { type: 'int', min: 4, max: 16 },
  },
};

test('median stopping: worse than the median of finished trials at the same epoch, with enough of them', () => {
  const finished = [
    [1.0, 0.8],
    [0.9, 0.7],
    [1.2, 1.1],
  ];
  assert.equal(medianStop([1.05], finished), true); // bests after 1 epoch: 0.9, 1.0, 1.2 -> median 1.0
  assert.equal(medianStop([0.95], finished), false);
  assert.equal(medianStop([1.05], finished.slice(0, 2)), false); // too few to judge
  assert.equal(medianStop([1.3, 0.75], finished), false); // its best over 2 epochs, 0.75, beats the median 0.8
});

describe('searches on the sample', () => {
  let dir: string;
  let engine: Engine;
  let dbPath: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dt-search-'));
    dbPath = join(dir, 'w.sqlite');
    engine = new Engine({ dbPath, mode: 'cli', samplePath: SAMPLE });
    await engine.jobs.wait((await engine.call('import/sample', {})).jobId);
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (settings: SearchSettings): Promise<SearchResult> => {
    const { jobId } = await engine.call('search/start', settings);
    const job = await engine.jobs.wait(jobId);
    assert.equal(job.state, 'done', job.error ?? undefined);
    return job.result as SearchResult;
  };

  test("the space editor's last state is the workspace's: saved as edited, replaced by a start, refused if malformed", async () => {
    assert.equal(await engine.call('search/space', {}), null);
    const draft: SearchSettings = { space: SPACE, objective: { kind: 'average-precision' }, trials: 7 };
    assert.deepEqual(await engine.call('search/saveSpace', draft), { saved: true });
    // Another engine on the same file (the app restarted) reads it back.
    const again = new Engine({ dbPath, mode: 'cli', samplePath: SAMPLE });
    assert.deepEqual(await again.call('search/space', {}), draft);
    await again.close();
    await assert.rejects(
      engine.call('search/saveSpace', { ...draft, trials: 0 }),
      (e: unknown) => e instanceof ApiError && /trials/.test(e.message),
    );
    assert.deepEqual(await engine.call('search/space', {}), draft, 'a refused save keeps the last one');
  });

  test('a search of tiny trials, two at a time: every trial stored with its run and the run’s validation loss', async () => {
    const r = await run({
      space: SPACE,
      objective: { kind: 'val-loss' },
      trials: 5,
      parallel: 2,
      initialTrials: 3,
    });
    assert.equal(r.status, 'done');
    assert.equal((await engine.call('search/space', {}))?.trials, 5, 'a start is the last space');
    const d = await engine.call('search/get', { id: r.searchId });
    assert.equal(d.finished, 5);
    assert.deepEqual(
      d.trialList.map((t) => t.trial),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(
      d.trialList.map((t) => t.source),
      ['default', 'initial', 'initial', 'gp', 'gp'],
    );
    assert.deepEqual(d.trialList[0].params, { learningRate: 0.001, width: 10 }); // the middle of each range
    for (const t of d.trialList) {
      assert.ok(['done', 'pruned'].includes(t.status), `${t.trial}: ${t.status} ${t.error}`);
      const run = await engine.call('runs/get', { id: t.runId! });
      assert.equal(run.config.units, t.params.width);
      assert.equal(run.config.learningRate, t.params.learningRate);
      if (t.status === 'done') assert.equal(t.objective, run.valLoss);
      assert.equal(t.valLosses.length, run.epochs.length);
    }
    const done = d.trialList.filter((t) => t.status === 'done');
    assert.equal(d.best?.objective, Math.min(...done.map((t) => t.objective!)));
    // The surrogate was fitted: each tuned setting has a share of its relevance.
    assert.deepEqual(d.importance?.map((i) => i.name).sort(), ['learningRate', 'width']);
    assert.ok(Math.abs(d.importance!.reduce((a, i) => a + i.share, 0) - 1) < 1e-9);
    assert.equal((await engine.call('search/list', {}))[0].status, 'done');

    // A report of the best trial's run carries the search's trials as CSV, as stored.
    await engine.jobs.wait((await engine.call('runs/score', { id: d.best!.runId! })).jobId);
    const out = await engine.call('report/export', {
      runId: d.best!.runId!,
      outDir: join(dir, 'report'),
      formats: ['csv'],
      bootstrap: 0,
    });
    const trials = readFileSync(out.files.find((f) => f.path.endsWith('-trials.csv'))!.path, 'utf8')
      .trim()
      .split('\r\n')
      .map((l) => l.split(','));
    assert.deepEqual(trials[0], [
      'search',
      'trial',
      'status',
      'objective',
      'run',
      'source',
      'seconds',
      'learningRate',
      'width',
    ]);
    assert.deepEqual(
      trials
        .slice(1)
        .map((r) => [Number(r[1]), r[2], r[3] === '' ? null : Number(r[3]), Number(r[4]), Number(r[8])]),
      d.trialList.map((t) => [t.trial, t.status, t.objective, t.runId, t.params.width]),
    );
  });

  test('a detection objective scores each trial’s run on its validation drives, never on the test drives it is judged on', async () => {
    const r = await run({
      space: { ...SPACE, epochs: 1 },
      objective: { kind: 'average-precision' },
      trials: 2,
      parallel: 1,
      initialTrials: 2,
    });
    const d = await engine.call('search/get', { id: r.searchId });
    assert.equal(d.direction, 'maximize');
    for (const t of d.trialList) {
      assert.equal(t.status, 'done', t.error ?? undefined);
      const validation = new Evaluator(engine.db).session(t.runId!, 'data', 'validation');
      assert.match(validation.data.evaluationSet, /validation drives/);
      assert.equal(t.objective, validation.curves('drive', 'model', 50).averagePrecision);
      const test = await engine.call('eval/curves', { runId: t.runId!, level: 'drive' });
      assert.notEqual(
        t.objective,
        test.averagePrecision,
        'picked on the test drives, their figures would flatter it',
      );
    }
    assert.ok(
      !d.notices.some((n) => /cross-validated/.test(n)),
      'no caveat where the pick is on validation drives',
    );
  });

  test('a search tunes the trees: depth, child weight and subsampling, judged by cross-validated AP', async () => {
    const r = await run({
      space: {
        model: 'gbdt',
        rounds: 15,
        seed: 3,
        dimensions: {
          maxDepth: { type: 'int', min: 1, max: 4 },
          minChildWeight: { type: 'log-float', min: 1, max: 50 },
          subsample: { type: 'float', min: 0.5, max: 1 },
        },
      },
      objective: { kind: 'average-precision' },
      trials: 3,
      parallel: 1,
      initialTrials: 3,
    });
    const d = await engine.call('search/get', { id: r.searchId });
    assert.equal(d.trialList.length, 3);
    for (const t of d.trialList) {
      assert.equal(t.status, 'done', t.error ?? undefined);
      const run = await engine.call('runs/get', { id: t.runId! });
      assert.equal(run.kind, 'gbdt');
      assert.equal(run.config.maxDepth, t.params.maxDepth);
      assert.equal(run.config.folds, 5);
      const curves = await engine.call('eval/curves', { runId: t.runId!, level: 'drive' });
      assert.equal(t.objective, curves.averagePrecision);
    }
    assert.ok(
      d.notices.some((n) => /cross-validated.*chosen on them/.test(n)),
      'a pick on the evaluation drives says so',
    );
  });

  test('a cancelled search stops; resumed, it runs the rest without repeating a finished trial', async () => {
    const { searchId, jobId } = await engine.call('search/start', {
      space: SPACE,
      objective: { kind: 'val-loss' },
      trials: 3,
      parallel: 1,
      medianStopping: false,
    });
    const off = engine.on('job/progress', (e) => {
      if (e.jobId === jobId && 'searchId' in e.progress && e.progress.finished >= 1)
        void engine.call('search/cancel', { id: searchId });
    });
    const job = await engine.jobs.wait(jobId);
    off();
    assert.equal(job.state, 'cancelled');
    const stopped = await engine.call('search/get', { id: searchId });
    assert.equal(stopped.status, 'cancelled');
    assert.ok(stopped.finished >= 1 && stopped.finished < 3, `${stopped.finished} finished`);
    const firstParams = stopped.trialList.map((t) => JSON.stringify(t.params));

    const again = await engine.call('search/resume', { id: searchId });
    assert.equal((await engine.jobs.wait(again.jobId)).state, 'done');
    const d = await engine.call('search/get', { id: searchId });
    assert.equal(d.finished, 3);
    assert.deepEqual(
      d.trialList.map((t) => t.trial),
      [0, 1, 2],
    );
    // A trial cut off by the cancel ran again with its own parameters.
    firstParams.forEach((p, i) => assert.equal(JSON.stringify(d.trialList[i].params), p));
    await assert.rejects(
      engine.call('search/resume', { id: searchId }),
      (e: ApiError) => e.code === 'conflict' && /budget of 3 trials/.test(e.message),
    );
    // More trials: it goes on.
    const more = await engine.call('search/resume', { id: searchId, trials: 4 });
    await engine.jobs.wait(more.jobId);
    assert.equal((await engine.call('search/get', { id: searchId })).finished, 4);
  });

  test('a search killed halfway (the process, SIGKILL) resumes where it stopped: same trial count, no duplicate', async () => {
    const spaceFile = join(dir, 'space.json');
    writeFileSync(spaceFile, JSON.stringify(SPACE));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        'search',
        '--db',
        dbPath,
        '--space',
        spaceFile,
        '--objective',
        'val-loss',
        '--trials',
        '4',
        '--parallel',
        '1',
        '--no-median-stopping',
      ],
      { stdio: 'ignore', env: { ...process.env, TZ: 'UTC' } },
    );
    const exited = new Promise((r) => child.on('exit', r));
    // Wait for the new search to finish one trial and start the next, then kill the whole process.
    let searchId = 0;
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const s = (await engine.call('search/list', {})).find((x) => x.status === 'running');
      if (!s) continue;
      const d = await engine.call('search/get', { id: s.id });
      if (d.finished >= 1 && d.trialList.some((t) => t.status === 'running')) {
        searchId = s.id;
        break;
      }
    }
    assert.ok(searchId > 0, 'the CLI search never got going');
    child.kill('SIGKILL');
    await exited;
    const killed = await engine.call('search/get', { id: searchId });
    const before = killed.trialList.map((t) => ({ trial: t.trial, params: t.params, status: t.status }));
    assert.ok(before.some((t) => t.status === 'running'));
    // Its heartbeat stops; 15 s later it reads as interrupted (aged here rather than waited for).
    await assert.rejects(
      engine.call('search/resume', { id: searchId }),
      (e: ApiError) => e.code === 'conflict',
    );
    engine.db.prepare('UPDATE searches SET heartbeat_at = 0 WHERE id = ?').run(searchId);
    assert.equal((await engine.call('search/get', { id: searchId })).status, 'interrupted');

    const { jobId } = await engine.call('search/resume', { id: searchId });
    assert.equal((await engine.jobs.wait(jobId)).state, 'done');
    const d = await engine.call('search/get', { id: searchId });
    assert.equal(d.finished, 4);
    assert.deepEqual(
      d.trialList.map((t) => t.trial),
      [0, 1, 2, 3],
    );
    for (const b of before) assert.deepEqual(d.trialList[b.trial].params, b.params);
    assert.ok(d.trialList.every((t) => t.status === 'done'));
  });

  test('the time budget: no trial starts after it, the ones running finish, and the search is done', async () => {
    const r = await run({
      space: SPACE,
      objective: { kind: 'val-loss' },
      trials: 50,
      parallel: 1,
      maxMinutes: 2 / 60,
      medianStopping: false,
    });
    const d = await engine.call('search/get', { id: r.searchId });
    assert.equal(d.status, 'done');
    assert.ok(d.finished >= 1 && d.finished < 50, `${d.finished} trials`);
    assert.ok(d.trialList.every((t) => t.status === 'done'));
    const lastStart = Math.max(...d.trialList.map((t) => Date.parse(t.startedAt)));
    assert.ok(lastStart - Date.parse(d.createdAt) < 2000 + 1000, 'a trial started after the budget');
  });

  test('a space some trials of which could never run is refused at the door, naming the setting', async () => {
    const refuse = async (space: SearchSpace, pattern: RegExp): Promise<void> =>
      assert.rejects(
        engine.call('search/start', { space, objective: { kind: 'val-loss' }, trials: 2 }),
        (e: ApiError) => e.code === 'bad-request' && pattern.test(e.message),
      );
    await refuse(
      { model: 'conv-ae', dimensions: { windowDays: { type: 'int', min: 8, max: 30 } } },
      /windowDays.*divisible by 4/,
    );
    await refuse(
      { model: 'lstm-ae', dimensions: { loss: { type: 'categorical', values: ['mse', 'mae'] } } },
      /loss "mae" is not one of mse, weighted-bce, focal, hard-negative/,
    );
    await refuse(
      { model: 'lstm-ae', dimensions: { colour: { type: 'float', min: 0, max: 1 } } } as never,
      /colour/,
    );
    await refuse(
      { model: 'lstm-ae', dimensions: { dropout: { type: 'float', min: 0.5, max: 0.1 } } },
      /min \(0.5\) is above max/,
    );
    await refuse({ model: 'lstm-ae', dimensions: {} }, /at least one dimension/);
    // A conv-ae window on a grid of 4 is fine.
    const ok = await engine.call('search/start', {
      space: {
        model: 'conv-ae',
        epochs: 1,
        maxWindowsPerEpoch: 64,
        dimensions: { windowDays: { type: 'int', min: 8, max: 16, step: 4 } },
      },
      objective: { kind: 'val-loss' },
      trials: 1,
    });
    await engine.jobs.wait(ok.jobId);
  });
});
