import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ApiError,
  isImportProgress,
  type ImportProgress,
  type ImportResult,
  type JobInfo,
} from './api-types';
import { Engine } from './engine';
import { writeModernDay } from './testing/modern-generator';

const SAMPLE = resolve(__dirname, '../../resources/sample');

describe('the engine behind the Api table', () => {
  let dir: string;
  let engine: Engine;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dt-engine-'));
    engine = new Engine({ dbPath: join(dir, 'w.sqlite'), mode: 'cli', samplePath: SAMPLE });
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('bad payloads get a clear error, never a crash', async () => {
    await assert.rejects(
      engine.call('drives/list', { limit: -1 }),
      (e: unknown) => e instanceof ApiError && e.code === 'bad-request' && /limit/.test(e.message),
    );
    await assert.rejects(
      engine.call('drives/list', { sort: 'nonsense' } as never),
      (e: unknown) => e instanceof ApiError && /sort/.test(e.message),
    );
    await assert.rejects(engine.call('nope/nothing' as never, {} as never), /unknown Api key/);
    await assert.rejects(engine.call('import/start', { paths: [] }), /paths/);
    await assert.rejects(engine.call('import/start', { paths: [join(dir, 'missing.csv')] }), /no such file/);
    await assert.rejects(
      engine.call('drives/series', { serial: 'NOPE' }),
      (e: unknown) => (e as ApiError).code === 'not-found',
    );
  });

  test('the sample imports as a job in a worker, with progress events, then the catalogue answers', async () => {
    const progress: ImportProgress[] = [];
    const off = engine.on('job/progress', (e) => {
      if (isImportProgress(e.progress)) progress.push(e.progress);
    });
    const { jobId } = await engine.call('import/sample', {});
    const job = await engine.jobs.wait(jobId);
    off();
    assert.equal(job.state, 'done');
    assert.equal((job.result as ImportResult | null)?.rowsAccepted, 191_398);
    assert.ok(progress.length > 0, 'progress was reported');
    assert.ok(progress.some((p) => p.rowsDone > 0 && p.fraction > 0 && p.currentFile.endsWith('.csv.gz')));

    const failed = await engine.call('drives/list', { status: 'failed', limit: 100 });
    assert.equal(failed.total, 57);
    assert.ok(failed.rows.every((d) => d.failureDay === d.lastDay));
    const model = await engine.call('drives/list', { model: 'ST3000DM001', status: 'failed' });
    assert.equal(model.total, 11);
    const search = await engine.call('drives/list', { search: 'XW02L' });
    assert.deepEqual(
      search.rows.map((d) => d.serial),
      ['5XW02LSS'],
    );
    const byDays = await engine.call('drives/list', { sort: 'daysSeen', dir: 'asc', limit: 1 });
    assert.equal(byDays.rows[0].daysSeen, 1);
    const page2 = await engine.call('drives/list', { offset: 5000, limit: 100 });
    assert.equal(page2.rows.length, 57);

    const series = await engine.call('drives/series', {
      serial: '5XW02LSS',
      attributes: ['smart_9_raw', 'smart_5_raw'],
    });
    assert.equal(series.days.length, 10);
    assert.equal(series.days[0], '2013-04-10');
    assert.equal(series.series[0].name, 'smart_9_raw');
    assert.ok(
      series.series[0].values.every((v, i, a) => v !== null && (i === 0 || v >= (a[i - 1] as number))),
      'power-on hours grow',
    );
    await assert.rejects(
      engine.call('drives/series', { serial: '5XW02LSS', attributes: ['smart_2_raw'] }),
      /no attribute/,
    );

    const files = await engine.call('import/files', {});
    assert.equal(files.length, 40);
    assert.ok(files.every((f) => f.status === 'done' && f.sha256.length === 64));
  });

  test("each model kind's defaults are the settings a run without any gets", async () => {
    const defaults = await engine.call('train/defaults', {});
    const trees = defaults.gbdt;
    // The sample's 57 failed drives give a test split of fewer than 50: trees cross-validate.
    assert.equal(trees.folds, 5);
    assert.equal(trees.windowDays, 4);
    assert.equal(trees.horizonDays, 7);
    assert.deepEqual(trees.loss, { kind: 'weighted-bce', positiveWeight: 50 });
    assert.equal(trees.attributes, undefined, 'attributes are chosen from the data at training');
    const ae = defaults['lstm-ae'];
    assert.equal(ae.units, 128);
    assert.equal(ae.windowDays, 4);
    assert.equal(ae.horizonDays, 7);
    assert.equal(ae.folds, 0);
    assert.deepEqual(ae.loss, { kind: 'mse' });
    const clf = defaults['lstm-clf'];
    assert.equal(clf.units, 64);
    assert.equal(clf.loss?.kind, 'weighted-bce');
    assert.equal(defaults['conv-ae'].filters, 32);
    await assert.rejects(engine.call('train/defaults', { model: 'gbdt' } as never), /model/);
  });

  test('cancel stops an import within a second and leaves a resumable file', async () => {
    const big = join(dir, 'big.csv');
    await writeModernDay({ path: big, date: '2023-10-05', drives: 200_000, seed: 5 });
    const { jobId } = await engine.call('import/start', { paths: [big] });
    await new Promise<void>((r) => {
      const off = engine.on('job/progress', (e) => {
        if (e.jobId === jobId && isImportProgress(e.progress) && e.progress.rowsDone > 0) {
          off();
          r();
        }
      });
    });
    const t0 = Date.now();
    await engine.call('jobs/cancel', { id: jobId });
    const job: JobInfo = await engine.jobs.wait(jobId);
    assert.ok(Date.now() - t0 < 1000, `cancelled in ${Date.now() - t0} ms`);
    assert.equal(job.state, 'cancelled');
    const files = await engine.call('import/files', {});
    assert.equal(files.at(-1)?.status, 'interrupted');

    const again = await engine.call('import/start', { paths: [big] });
    const done = await engine.jobs.wait(again.jobId);
    assert.equal(done.state, 'done');
    assert.equal((done.result as ImportResult | null)?.rowsAccepted, 200_000);
    const summary = await engine.call('dataset/summary', {});
    assert.equal(summary.rows, 191_398 + 200_000);
  });
});

test("the engine's thread loads no ML library and no browser driver", () => {
  const script = `
    require(${JSON.stringify(require.resolve('./engine'))});
    const mods = Object.keys(require.cache);
    console.log(JSON.stringify({
      tf: mods.filter((m) => m.includes('@tensorflow')).length,
      playwright: mods.filter((m) => m.includes('playwright')).length,
      trainers: mods.filter((m) => /model[\\\\/](run-training|score|backend|models|train-step)\\./.test(m)).length,
    }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), { tf: 0, playwright: 0, trainers: 0 });
});
