import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig, TrainProgress, TrainResult } from '../api-types';
import { Engine } from '../engine';
import { nativeOrSkip } from './native/native-testing';
import { loadModel } from './weights-io';

const SAMPLE = resolve(__dirname, '../../../resources/sample');
const tiny: Partial<TrainConfig> = {
  units: 8,
  filters: 8,
  epochs: 2,
  maxWindowsPerEpoch: 320,
  maxValWindows: 128,
  seed: 4,
};

describe('training as a job, the runs registry', () => {
  let dir: string;
  let engine: Engine;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dt-runs-'));
    engine = new Engine({ dbPath: join(dir, 'w.sqlite'), mode: 'cli', samplePath: SAMPLE });
    const { jobId } = await engine.call('import/sample', {});
    await engine.jobs.wait(jobId);
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const train = async (config: TrainConfig): Promise<TrainResult> => {
    const { jobId } = await engine.call('train/start', { config });
    const job = await engine.jobs.wait(jobId);
    return job.result as TrainResult;
  };

  test('an LSTM autoencoder trains in a worker; telemetry, settings and loadable weights are stored', async () => {
    const live: TrainProgress[] = [];
    const stop = engine.on('job/progress', (e) => {
      if (e.kind === 'train') live.push(e.progress as TrainProgress);
    });
    const r = await train({ model: 'lstm-ae', ...tiny, backend: 'wasm' });
    stop();
    assert.equal(r.status, 'done', r.error);
    assert.equal(r.backend, 'wasm');
    assert.equal(r.epochs, 2);
    assert.ok(r.finalLoss !== null && Number.isFinite(r.finalLoss));
    assert.ok(r.valLoss !== null && Number.isFinite(r.valLoss));
    const run = await engine.call('runs/get', { id: r.runId });
    assert.equal(run.kind, 'lstm-ae');
    assert.equal(run.epochs.length, 2);
    assert.equal(run.batches.length, 10, '320 windows / 64 per batch, twice');
    assert.ok(run.batches.every((b) => b.gradNorm > 0 && b.learningRate > 0));
    // The live reports carried every batch and epoch exactly once, as stored.
    assert.ok(live.length > 0 && live.every((p) => p.runId === r.runId && p.backend === 'wasm'));
    assert.deepEqual(
      live.flatMap((p) => p.newBatches),
      run.batches,
    );
    assert.deepEqual(
      live.flatMap((p) => p.newEpochs).map((e) => [e.epoch, e.valLoss]),
      run.epochs.map((e) => [e.epoch, e.valLoss]),
    );
    assert.deepEqual(run.config.attributes, [
      'smart_1_raw',
      'smart_5_raw',
      'smart_9_raw',
      'smart_194_raw',
      'smart_197_raw',
    ]);
    assert.equal(run.datasetFingerprint.length, 64);
    assert.ok(run.weightsDir && existsSync(join(run.weightsDir, 'model.json')));
    const scaler = JSON.parse(readFileSync(join(run.weightsDir, 'scaler.json'), 'utf8')) as {
      features: string[];
    };
    // Each counter's level and, by default, its daily change (those that vary in the training drives).
    const F = scaler.features.length;
    assert.ok(F > 5 && F <= 10, scaler.features.join(', '));
    assert.deepEqual(scaler.features.slice(0, 5), run.config.attributes);
    assert.ok(scaler.features.slice(5).every((f) => f.endsWith('_raw:change')));
    await tf.setBackend('cpu');
    const model = await loadModel(run.weightsDir);
    assert.deepEqual(model.outputs[0].shape, [null, run.config.windowDays, F]);
    assert.equal(model.countParams(), 4 * (8 * (F + 8) + 8) + 4 * (8 * 16 + 8) + 4 * (F * (8 + F) + F));
    model.dispose();

    // Scoring: every window of every drive, stored per drive, worst first.
    const { jobId } = await engine.call('runs/score', { id: r.runId });
    const job = await engine.jobs.wait(jobId);
    assert.equal(job.state, 'done', job.error ?? '');
    const scored = job.result as { drives: number; windows: number };
    const eligible = engine.db
      .prepare('SELECT count(*) FROM drives WHERE days_seen >= 16')
      .pluck()
      .get() as number;
    assert.ok(scored.drives >= eligible, `${scored.drives} scored, ${eligible} drives have 16 reported days`);
    const top = await engine.call('scores/top', { runId: r.runId, limit: 5000 });
    assert.equal(top.total, scored.drives);
    assert.ok(
      top.rows.every((d, i) => i === 0 || d.score <= top.rows[i - 1].score),
      'worst first',
    );
    assert.equal(
      top.rows.reduce((n, d) => n + d.windows, 0),
      scored.windows,
    );
    const row = engine.db
      .prepare('SELECT windows, end_days, window_scores, day_errors FROM scores WHERE run_id = ? LIMIT 1')
      .get(r.runId) as {
      windows: number;
      end_days: Buffer;
      window_scores: Buffer;
      day_errors: Buffer;
    };
    assert.equal(row.end_days.length, 4 * row.windows);
    assert.equal(row.window_scores.length, 4 * row.windows);
    assert.equal(row.day_errors.length, 4 * row.windows * F, "each input's error on each window's last day");
    const med = (a: number[]): number => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
    const failed = top.rows.filter((d) => d.failureDay).map((d) => d.score);
    const healthy = top.rows.filter((d) => !d.failureDay).map((d) => d.score);
    assert.ok(med(failed) > med(healthy), `failed ${med(failed)} vs healthy ${med(healthy)}`);
  });

  test('by default the native engine trains and scores each model kind, and the run says so', async (t) => {
    if (!nativeOrSkip(t)) return;
    for (const model of ['lstm-ae', 'conv-ae', 'lstm-clf'] as const) {
      const r = await train({ model, ...tiny, epochs: 1, perDay: model === 'lstm-clf' });
      assert.equal(r.status, 'done', r.error);
      assert.equal(r.backend, 'native');
      assert.match(r.device, /^CPU \(native (avx512|avx2|base), \d+ threads\)$/);
      const run = await engine.call('runs/get', { id: r.runId });
      assert.match(run.backendVersion, /^dt-native \d+ \((avx512|avx2|base)\)$/);
      const { jobId } = await engine.call('runs/score', { id: r.runId });
      const job = await engine.jobs.wait(jobId);
      assert.equal(job.state, 'done', job.error ?? '');
      const scored = job.result as { backend: string; drives: number };
      assert.equal(scored.backend, 'native');
      const top = await engine.call('scores/top', { runId: r.runId, limit: 10 });
      assert.equal(top.total, scored.drives);
      assert.ok(top.rows.every((d) => Number.isFinite(d.score)));
      if (model === 'lstm-clf')
        assert.ok(
          top.rows.every((d) => d.score > 0 && d.score < 1),
          'probabilities',
        );
      // Every kind explains a drive by attribute (the classifier by gradient x input of each window).
      const detail = await engine.call('scores/drive', { runId: r.runId, serial: top.rows[0].serial });
      assert.ok(detail.features.length >= 3, `${model}: features ${detail.features.length}`);
      assert.equal(detail.dayErrors.length, detail.days.length);
      assert.ok(
        detail.dayErrors.every((w) => w.length === detail.features.length && w.every(Number.isFinite)),
      );
      assert.ok(
        detail.contributions.some((c) => c.error !== 0),
        `${model}: the worst window has attributes that drove it`,
      );
    }
  });

  test('a network cross-validates too: one per fold, each drive scored by the one that held it out', async (t) => {
    if (!nativeOrSkip(t)) return;
    const r = await train({ model: 'conv-ae', ...tiny, windowDays: 8, epochs: 1, folds: 2 });
    assert.equal(r.status, 'done', r.error);
    const run = await engine.call('runs/get', { id: r.runId });
    const dir = run.weightsDir!;
    for (const sub of ['fold-1', 'fold-2', '.']) assert.ok(existsSync(join(dir, sub, 'model.json')), sub);
    const folds = JSON.parse(readFileSync(join(dir, 'folds.json'), 'utf8')) as {
      fold: Record<string, number>;
    };
    assert.ok(r.notices.some((n) => /2-fold cross-validation by drive/.test(n)));
    await engine.jobs.wait((await engine.call('runs/score', { id: r.runId })).jobId);
    const scores = (): Map<number, string> =>
      new Map(
        (
          engine.db
            .prepare('SELECT drive_id, hex(window_scores) FROM scores WHERE run_id = ?')
            .raw()
            .all(r.runId) as [number, string][]
        ).map(([id, w]) => [id, w]),
      );
    const crossValidated = scores();
    assert.ok(crossValidated.size > 4000);
    // The same drives through the final network alone score differently: the folds' networks were used.
    const { renameSync } = await import('node:fs');
    renameSync(join(dir, 'folds.json'), join(dir, 'hidden.json'));
    await engine.jobs.wait((await engine.call('runs/score', { id: r.runId })).jobId);
    renameSync(join(dir, 'hidden.json'), join(dir, 'folds.json'));
    const byFinal = scores();
    let differ = 0;
    for (const [id, w] of crossValidated) if (byFinal.get(id) !== w) differ++;
    assert.ok(differ > 0.9 * crossValidated.size, `${differ} drives scored differently`);
    await engine.jobs.wait((await engine.call('runs/score', { id: r.runId })).jobId);
    const e = await engine.call('eval/report', { runId: r.runId, bootstrap: 0 });
    assert.match(e.evaluationSet, /2-fold cross-validated/);
    assert.equal(e.positives + e.negatives, crossValidated.size);
    assert.ok(Object.keys(folds.fold).length >= crossValidated.size);
  });

  test('asked for wasm, a convolution autoencoder falls back to cpu and says why; a classifier trains with focal loss', async () => {
    const conv = await train({ model: 'conv-ae', ...tiny, epochs: 1, backend: 'wasm' });
    assert.equal(conv.status, 'done', conv.error);
    assert.equal(conv.backend, 'cpu');
    assert.ok(conv.notices.some((n) => /wasm backend cannot train a convolution/.test(n)));
    const clf = await train({
      model: 'lstm-clf',
      ...tiny,
      epochs: 1,
      loss: { kind: 'focal', gamma: 2, alpha: 0.25 },
      oversample: 10,
    });
    assert.equal(clf.status, 'done', clf.error);
    const runs = await engine.call('runs/list', {});
    assert.deepEqual(
      runs.slice(0, 2).map((x) => x.kind),
      ['lstm-clf', 'conv-ae'],
    );
  });

  test('a cancelled run stops within a second, keeps its checkpoint, and resumes to the end', async () => {
    const { jobId } = await engine.call('train/start', {
      // wasm: slow enough that the run is still going when the cancel arrives (the native engine finishes first).
      config: { model: 'lstm-ae', ...tiny, epochs: 4, maxWindowsPerEpoch: 640, backend: 'wasm' },
    });
    await new Promise<void>((resolveWait) => {
      const off = engine.on('job/progress', (e) => {
        if (e.jobId === jobId && 'epoch' in e.progress && e.progress.epoch >= 2) {
          off();
          resolveWait();
        }
      });
    });
    const t0 = Date.now();
    await engine.call('jobs/cancel', { id: jobId });
    const job = await engine.jobs.wait(jobId);
    assert.ok(Date.now() - t0 < 1000, `cancelled in ${Date.now() - t0} ms`);
    const r = job.result as TrainResult;
    assert.equal(r.status, 'cancelled');
    const partial = await engine.call('runs/get', { id: r.runId });
    assert.ok(partial.epochs.length >= 1 && partial.epochs.length < 4);
    assert.equal(partial.resumable, true, 'a cancelled run with a checkpoint offers resume');
    await assert.rejects(engine.call('runs/resume', { id: 1 }), /only a cancelled or failed run/);

    const again = await engine.call('runs/resume', { id: r.runId });
    const done = (await engine.jobs.wait(again.jobId)).result as TrainResult;
    assert.equal(done.status, 'done', done.error);
    assert.equal(done.runId, r.runId);
    assert.equal(done.epochs, 4);
    const full = await engine.call('runs/get', { id: r.runId });
    assert.equal(full.resumable, false, 'done: nothing to resume');
    assert.deepEqual(
      full.epochs.map((e) => e.epoch),
      [0, 1, 2, 3],
    );
    assert.equal(full.batches.length, 4 * 10, 'each epoch recorded once, no duplicates from the cut');
    assert.equal(full.status, 'done');
  });

  test('bad settings are refused at the door; a deleted run leaves nothing behind', async () => {
    await assert.rejects(engine.call('train/start', { config: { model: 'lstm-ae', epochs: 0 } }), /epochs/);
    await assert.rejects(engine.call('train/start', { config: { model: 'gru' } as never }), /model/);
    const runs = await engine.call('runs/list', {});
    const victim = runs[0];
    await engine.call('runs/delete', { id: victim.id });
    assert.ok(!victim.weightsDir || !existsSync(victim.weightsDir));
    await assert.rejects(engine.call('runs/get', { id: victim.id }), /no training run/);
    await assert.rejects(engine.call('runs/delete', { id: victim.id }), /no training run/);
  });
});
