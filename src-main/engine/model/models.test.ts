import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { focalLoss, hardNegativeBce, mse, weightedBce } from './losses';
import { convAutoencoder, lstmAutoencoder, lstmClassifier } from './models';

before(async () => {
  await tf.setBackend('cpu');
});

const close = (a: number, b: number, tol = 1e-5): void => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

test('the reference LSTM autoencoder (16 x 21, width 128) has exactly 220,984 parameters', () => {
  const m = lstmAutoencoder({ windowDays: 16, features: 21, units: 128 });
  assert.equal(m.countParams(), 220_984);
  assert.deepEqual(m.outputs[0].shape, [null, 16, 21]);
  m.dispose();
});

test('the convolution autoencoder reconstructs its input shape; the classifier gives a probability per window or per day', () => {
  const conv = convAutoencoder({ windowDays: 16, features: 7, filters: 32 });
  assert.deepEqual(conv.outputs[0].shape, [null, 16, 7]);
  assert.throws(() => convAutoencoder({ windowDays: 15, features: 7, filters: 8 }), /divisible by 4/);
  // Without downsampling it is the PyTorch peer's layout: 2,048 + 1,552 + 1,568 + 2,037 parameters.
  const flat = convAutoencoder({ windowDays: 16, features: 21, filters: 32, downsample: false });
  assert.equal(flat.countParams(), 7_205);
  flat.dispose();
  const clf = lstmClassifier({ windowDays: 16, features: 21 });
  // LSTM(64) on 21 inputs, LSTM(64) on 64, Dense(1): 22,016 + 33,024 + 65.
  assert.equal(clf.countParams(), 55_105);
  assert.deepEqual(clf.outputs[0].shape, [null, 1]);
  const perDay = lstmClassifier({ windowDays: 16, features: 21, perDay: true });
  assert.deepEqual(perDay.outputs[0].shape, [null, 16, 1]);
  const y = perDay.predict(tf.zeros([2, 16, 21])) as tf.Tensor;
  const v = y.dataSync();
  assert.ok(v.every((p) => p > 0 && p < 1));
  [conv, clf, perDay, y].forEach((t) => t.dispose());
});

test('losses match hand-computed values', () => {
  const y = tf.tensor1d([1, 0]);
  const p = tf.tensor1d([0.8, 0.3]);
  // -(5 log 0.8 + log 0.7) / 2
  close(weightedBce(y, p, 5).dataSync()[0], (-5 * Math.log(0.8) - Math.log(0.7)) / 2);
  // (0.25 * 0.2^2 * -log 0.8 + 0.75 * 0.3^2 * -log 0.7) / 2
  close(
    focalLoss(y, p, 2, 0.25).dataSync()[0],
    (0.25 * 0.04 * -Math.log(0.8) + 0.75 * 0.09 * -Math.log(0.7)) / 2,
  );
  close(focalLoss(y, p, 0, 0.5).dataSync()[0], weightedBce(y, p, 1).dataSync()[0] / 2, 1e-6);
  close(mse(tf.tensor1d([1, 2]), tf.tensor1d([2, 4])).dataSync()[0], 2.5);
  tf.dispose([y, p]);
});

test('hard-negative mining keeps every positive and the k hardest negatives, and only they get gradient', () => {
  const y = tf.tensor1d([1, 0, 0, 0, 0]);
  const p = tf.tensor1d([0.6, 0.9, 0.1, 0.5, 0.2]);
  // k = 2 x 1 positive: the negatives predicted 0.9 and 0.5 are the hardest.
  const expected = (-Math.log(0.6) - Math.log(0.1) - Math.log(0.5)) / 3;
  close(hardNegativeBce(y, p, 2).dataSync()[0], expected);
  const grad = tf
    .grad((q: tf.Tensor) => hardNegativeBce(y, q, 2))(p)
    .dataSync();
  assert.ok(grad[0] < 0 && grad[1] > 0 && grad[3] > 0, 'kept samples move');
  assert.equal(grad[2], 0);
  assert.equal(grad[4], 0);
  // No positive in the batch: the `ratio` hardest negatives are kept.
  const none = tf.tensor1d([0, 0, 0, 0]);
  const q = tf.tensor1d([0.5, 0.1, 0.7, 0.2]);
  close(hardNegativeBce(none, q, 2).dataSync()[0], (-Math.log(0.5) - Math.log(0.3)) / 2);
  tf.dispose([y, p, none, q]);
});

test('a training step leaks no tensors', () => {
  const m = lstmAutoencoder({ windowDays: 8, features: 3, units: 8 });
  const opt = tf.train.adam(1e-3);
  const x = tf.randomNormal([4, 8, 3], 0, 1, 'float32', 1);
  const step = (): void => {
    tf.tidy(() => {
      opt.minimize(() => mse(x, m.apply(x) as tf.Tensor), false);
    });
  };
  step(); // the optimiser creates its slots on the first step
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) step();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x]);
  m.dispose();
  opt.dispose();
});

test('two training runs with the same seed give bit-identical losses on the cpu backend', () => {
  const run = (): number[] => {
    const m = lstmAutoencoder({ windowDays: 8, features: 3, units: 8, seed: 9 });
    const opt = tf.train.adam(1e-2);
    const x = tf.randomNormal([16, 8, 3], 0, 1, 'float32', 3);
    const losses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const l = opt.minimize(() => mse(x, m.apply(x) as tf.Tensor), true) as tf.Scalar;
      losses.push(l.dataSync()[0]);
      l.dispose();
    }
    tf.dispose([x]);
    m.dispose();
    opt.dispose();
    return losses;
  };
  const a = run();
  assert.ok(a[3] < a[0], 'it learns');
  assert.deepEqual(run(), a);
});
