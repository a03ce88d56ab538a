import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig, TrainResult } from '../api-types';
import { Engine } from '../engine';
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
    const r = await train({ model: 'lstm-ae', ...tiny });
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
    assert.equal(scaler.features.length, 5);
    await tf.setBackend('cpu');
    const model = await loadModel(run.weightsDir);
    assert.deepEqual(model.outputs[0].shape, [null, 16, 5]);
    assert.equal(model.countParams(), 4 * (8 * (5 + 8) + 8) + 4 * (8 * 16 + 8) + 4 * (5 * (8 + 5) + 5));
    model.dispose();
  });

  test('a convolution autoencoder falls back to cpu and says why; a classifier trains with focal loss', async () => {
    const conv = await train({ model: 'conv-ae', ...tiny, epochs: 1 });
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
