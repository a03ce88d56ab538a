import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { LossSpec } from '../../api-types';
import { focalLoss, hardNegativeBce, mse, weightedBce } from '../losses';
import { convAutoencoder, lstmAutoencoder, lstmClassifier } from '../models';
import { loadModel, saveModel } from '../weights-io';
import { describeModel, flatWeights, UnsupportedModelError } from './net-spec';
import { tfjsStep } from '../train-step';
import { nativeNet, nativeStep } from './native-step';
import { nativeOrSkip, relativeError } from './native-testing';

before(async () => {
  await tf.setBackend('cpu');
});

const S = 8;
const F = 5;

interface Case {
  name: string;
  build: () => tf.LayersModel;
  loss: LossSpec;
  target: 'input' | 'label';
  perDay?: boolean;
}

const cases: Case[] = [
  {
    name: 'LSTM autoencoder, MSE',
    build: () => lstmAutoencoder({ windowDays: S, features: F, units: 12, seed: 3 }),
    loss: { kind: 'mse' },
    target: 'input',
  },
  {
    name: 'deeper LSTM autoencoder, MSE',
    build: () => lstmAutoencoder({ windowDays: S, features: F, units: 9, depth: 1, seed: 4 }),
    loss: { kind: 'mse' },
    target: 'input',
  },
  {
    name: 'convolution autoencoder with strides and upsampling, MSE',
    build: () => convAutoencoder({ windowDays: S, features: F, filters: 6, seed: 3 }),
    loss: { kind: 'mse' },
    target: 'input',
  },
  {
    name: 'convolution autoencoder at full length, MSE',
    build: () => convAutoencoder({ windowDays: S, features: F, filters: 6, downsample: false, seed: 3 }),
    loss: { kind: 'mse' },
    target: 'input',
  },
  {
    name: 'LSTM classifier, weighted BCE',
    build: () => lstmClassifier({ windowDays: S, features: F, units: [7, 6], seed: 3 }),
    loss: { kind: 'weighted-bce', positiveWeight: 5 },
    target: 'label',
  },
  {
    name: 'LSTM classifier, focal loss',
    build: () => lstmClassifier({ windowDays: S, features: F, units: [7, 6], seed: 5 }),
    loss: { kind: 'focal', gamma: 2, alpha: 0.25 },
    target: 'label',
  },
  {
    name: 'LSTM classifier, hard-negative mining',
    build: () => lstmClassifier({ windowDays: S, features: F, units: [7, 6], seed: 6 }),
    loss: { kind: 'hard-negative', ratio: 2 },
    target: 'label',
  },
  {
    name: 'per-day LSTM classifier, weighted BCE',
    build: () => lstmClassifier({ windowDays: S, features: F, units: [7, 6], perDay: true, seed: 3 }),
    loss: { kind: 'weighted-bce', positiveWeight: 3 },
    target: 'label',
    perDay: true,
  },
  {
    name: 'LSTM with hard-sigmoid gates (tfjs default), MSE',
    build: () => {
      const input = tf.input({ shape: [S, F] });
      const init = { kernelInitializer: 'glorotUniform', recurrentInitializer: 'glorotUniform' } as const;
      const h = tf.layers
        .lstm({ units: 6, returnSequences: true, ...init })
        .apply(input) as tf.SymbolicTensor;
      const out = tf.layers.lstm({ units: F, returnSequences: true, ...init }).apply(h) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: out });
    },
    loss: { kind: 'mse' },
    target: 'input',
  },
];

function batch(n: number, seed = 1): { x: Float32Array; y: Uint8Array } {
  const x = Float32Array.from({ length: n * S * F }, (_, i) => Math.sin(i * 0.37 + seed) * 1.5);
  const y = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
  return { x, y };
}

function tfjsLoss(spec: LossSpec, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  if (spec.kind === 'mse') return mse(yTrue, yPred);
  if (spec.kind === 'weighted-bce') return weightedBce(yTrue, yPred, spec.positiveWeight);
  if (spec.kind === 'focal') return focalLoss(yTrue, yPred, spec.gamma, spec.alpha);
  return hardNegativeBce(yTrue, yPred, spec.ratio);
}

describe('the native engine against TensorFlow.js', () => {
  for (const c of cases) {
    test(`${c.name}: outputs, loss and every gradient match the cpu backend (relative error < 1e-4)`, (t) => {
      if (!nativeOrSkip(t)) return;
      const model = c.build();
      const n = 9;
      const { x, y } = batch(n);
      const net = nativeNet(model, { loss: c.loss, target: c.target, clipNorm: 0 }, { threads: 2 });
      const xs = tf.tensor3d(x, [n, S, F]);
      const labels = Float32Array.from(y);
      const ys =
        c.target === 'input'
          ? xs
          : c.perDay
            ? tf.tile(tf.tensor3d(labels, [n, 1, 1]), [1, S, 1])
            : tf.tensor2d(labels, [n, 1]);
      const expected = (model.predict(xs) as tf.Tensor).dataSync();
      assert.ok(relativeError(net.predict(x, n), expected) < 1e-4, 'forward');
      const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
      const { value, grads } = tf.variableGrads(
        () => tfjsLoss(c.loss, ys, model.apply(xs, { training: true }) as tf.Tensor),
        vars,
      );
      const [loss] = net.compute(x, y, n);
      assert.ok(Math.abs(loss - value.dataSync()[0]) < 1e-4 * Math.abs(value.dataSync()[0]), 'loss');
      const mine = net.gradients();
      let at = 0;
      for (const v of vars) {
        const g = grads[v.name].dataSync();
        const err = relativeError(mine.subarray(at, at + g.length), g);
        assert.ok(err < 1e-4, `gradient of ${v.name}: relative error ${err}`);
        at += g.length;
      }
      assert.equal(at, net.paramCount());
      net.dispose();
      model.dispose();
    });
  }

  // The engine does not zero its gradient buffers between batches (each layer's first product stores): a region
  // left unwritten would carry the previous batch's gradient into this one.
  for (const c of cases) {
    test(`${c.name}: a batch's gradients are its own, whatever batch came before`, (t) => {
      if (!nativeOrSkip(t)) return;
      const model = c.build();
      const spec = { loss: c.loss, target: c.target, clipNorm: 0 } as const;
      // Two nets at the same step count (dropout masks follow it), each after a different first batch.
      const after = (first: ReturnType<typeof batch>, n: number): Float32Array => {
        const net = nativeNet(model, spec, { threads: 2 });
        net.compute(first.x, first.y, n);
        const { x, y } = batch(6, 4);
        net.compute(x, y, 6);
        const g = Float32Array.from(net.gradients());
        net.dispose();
        return g;
      };
      const a = after(batch(11, 2), 11);
      const b = after(batch(7, 9), 7);
      assert.ok(a.some((v) => v !== 0));
      assert.deepEqual(a, b);
      model.dispose();
    });
  }

  // Inference runs an LSTM's rows through every step a block of 64 at a time; 150 windows on two threads
  // give each thread a full block and a partial one, on both precisions.
  for (const c of cases.filter((k) => k.name.includes('LSTM'))) {
    test(`${c.name}: inference in row blocks predicts as TensorFlow.js and as the training pass`, (t) => {
      if (!nativeOrSkip(t)) return;
      const model = c.build();
      const n = 150;
      const { x, y } = batch(n, 3);
      const expected = (model.predict(tf.tensor3d(x, [n, S, F])) as tf.Tensor).dataSync();
      for (const precision of ['float32', 'float64'] as const) {
        const net = nativeNet(
          model,
          { loss: c.loss, target: c.target, clipNorm: 0 },
          { precision, threads: 2 },
        );
        const input = precision === 'float32' ? x : Float64Array.from(x);
        const predicted = net.predict(input, n);
        assert.ok(relativeError(predicted, expected) < 1e-4, `${precision} forward`);
        const [trainingLoss] = net.compute(input, y, n);
        const inferenceLoss = net.evaluate(input, y, n);
        assert.ok(
          Math.abs(trainingLoss - inferenceLoss) <= 1e-6 * Math.abs(trainingLoss),
          `${precision} loss`,
        );
        net.dispose();
      }
      model.dispose();
    });
  }
});

describe('input gradients, for attribution', () => {
  for (const c of cases.filter((k) => k.target === 'label')) {
    test(`${c.name}: the gradient of each window's score with respect to its input matches TensorFlow.js`, (t) => {
      if (!nativeOrSkip(t)) return;
      const model = c.build();
      const n = 70;
      const { x, y } = batch(n, 5);
      const net = nativeNet(model, { loss: c.loss, target: c.target, clipNorm: 0 }, { threads: 2 });
      const xs = tf.tensor3d(x, [n, S, F]);
      // A window's score is its largest output (the per-day classifier's worst day).
      const expected = tf
        .grad((v: tf.Tensor) => tf.sum(tf.max(tf.reshape(model.apply(v) as tf.Tensor, [n, -1]), 1)))(xs)
        .dataSync();
      const before = net.getWeights();
      const mine = net.inputGradient(x, n);
      assert.equal(mine.length, n * S * F);
      assert.ok(relativeError(mine, expected) < 1e-4, `relative error ${relativeError(mine, expected)}`);
      assert.deepEqual(net.getWeights(), before, 'the weights are untouched');
      // A training step after it is unchanged by it.
      const [loss] = net.compute(x, y, n);
      assert.ok(Number.isFinite(loss));
      net.dispose();
      model.dispose();
    });
  }
});

/** Central differences of the float64 loss against the float64 backward pass. */
function gradientCheck(c: Case): number {
  const model = c.build();
  const n = 4;
  const { x, y } = batch(n, 2);
  const x64 = Float64Array.from(x);
  const net = nativeNet(
    model,
    { loss: c.loss, target: c.target, clipNorm: 0 },
    { precision: 'float64', threads: 2 },
  );
  net.compute(x64, y, n);
  const analytic = net.gradients();
  const w = Float64Array.from(net.getWeights());
  // Every weight of a small model, or a spread sample of a larger one.
  const stride = Math.max(1, Math.floor(w.length / 150));
  const numeric: number[] = [];
  const picked: number[] = [];
  const h = 1e-4;
  for (let i = 0; i < w.length; i += stride) {
    const keep = w[i];
    w[i] = keep + h;
    net.setWeights(w);
    const up = net.evaluate(x64, y, n);
    w[i] = keep - h;
    net.setWeights(w);
    const down = net.evaluate(x64, y, n);
    w[i] = keep;
    numeric.push((up - down) / (2 * h));
    picked.push(analytic[i]);
  }
  net.dispose();
  model.dispose();
  return relativeError(picked, numeric);
}

describe('finite-difference gradient checks in float64', () => {
  for (const c of cases) {
    test(`${c.name}: backward equals central differences (relative error < 1e-4)`, (t) => {
      if (!nativeOrSkip(t)) return;
      const err = gradientCheck(c);
      assert.ok(err < 1e-4, `relative error ${err}`);
    });
  }
});

describe('the native training step', () => {
  const step = (seed: number, o: { dropout?: number; threads?: number; isa?: string } = {}) => {
    const model = lstmAutoencoder({ windowDays: S, features: F, units: 10, seed: 1, dropout: o.dropout });
    return nativeStep(
      model,
      { loss: { kind: 'mse' }, target: 'input', clipNorm: 1 },
      { seed, threads: o.threads ?? 2, isa: o.isa },
    );
  };
  const losses = (s: ReturnType<typeof step>, batches = 6): number[] => {
    const out: number[] = [];
    for (let b = 0; b < batches; b++) {
      const { x, y } = batch(16, b % 2);
      out.push(s.compute(x, y, 16).loss);
      s.apply(5e-3);
    }
    s.dispose();
    s.model.dispose();
    return out;
  };

  test('two runs with the same seed give bit-identical losses, with and without dropout', (t) => {
    if (!nativeOrSkip(t)) return;
    const a = losses(step(1));
    assert.deepEqual(losses(step(1)), a);
    assert.ok(a[4] < a[0] && a[5] < a[1], 'the loss on each of the two batches falls');
    const d = losses(step(1, { dropout: 0.3 }));
    assert.deepEqual(losses(step(1, { dropout: 0.3 })), d);
    assert.notDeepEqual(d, a, 'dropout changes the training');
    assert.notDeepEqual(losses(step(2, { dropout: 0.3 })), d, 'another seed, other dropout masks');
  });

  test('every instruction set this CPU runs computes the same training (within float rounding)', (t) => {
    const native = nativeOrSkip(t);
    if (!native) return;
    const isas = native.usableIsas();
    assert.ok(isas.includes('base'));
    const ref = losses(step(1, { isa: 'base' }));
    for (const isa of isas) {
      const l = losses(step(1, { isa }));
      for (let i = 0; i < l.length; i++)
        assert.ok(Math.abs(l[i] - ref[i]) < 1e-5 * ref[i], `${isa} batch ${i}`);
    }
  });

  test('one thread and two agree within rounding: the batch split only reorders sums', (t) => {
    if (!nativeOrSkip(t)) return;
    const one = losses(step(1, { threads: 1 }));
    const two = losses(step(1, { threads: 2 }));
    for (let i = 0; i < one.length; i++)
      assert.ok(Math.abs(one[i] - two[i]) < 1e-5 * one[i], `${one[i]} vs ${two[i]}`);
  });

  test('clipping bounds the applied gradient; a NaN input gives a NaN loss the loop refuses, weights untouched', (t) => {
    if (!nativeOrSkip(t)) return;
    const model = lstmAutoencoder({ windowDays: S, features: F, units: 10, seed: 1 });
    const net = nativeNet(model, { loss: { kind: 'mse' }, target: 'input', clipNorm: 0.001 });
    const { x, y } = batch(8);
    const [, norm] = net.compute(x, y, 8);
    assert.ok(norm > 0.001, `norm ${norm}`);
    const clipped = Math.hypot(...net.gradients());
    assert.ok(Math.abs(clipped - 0.001) < 1e-6, `clipped norm ${clipped}`);
    const before = net.getWeights();
    x[3] = NaN;
    const [loss, gn] = net.compute(x, y, 8);
    assert.ok(Number.isNaN(loss) && Number.isNaN(gn), `loss ${loss}, norm ${gn}`);
    net.discard();
    net.apply(1e-3); // nothing pending: no change
    assert.deepEqual(net.getWeights(), before);
    net.dispose();
    model.dispose();
  });

  test('clipped Adam steps move the weights as TensorFlow.js does and inference follows them, on every instruction set', (t) => {
    const addon = nativeOrSkip(t);
    if (!addon) return;
    const reference = lstmAutoencoder({ windowDays: S, features: F, units: 10, seed: 3 });
    const start = flatWeights(reference);
    const o = { loss: { kind: 'mse' } as const, target: 'input' as const, clipNorm: 0.002 };
    const tfjs = tfjsStep(reference, o);
    for (let b = 0; b < 3; b++) {
      const { x, y } = batch(16, b);
      tfjs.compute(x, y, 16);
      tfjs.apply(1e-2);
    }
    const expected = flatWeights(reference);
    for (const isa of addon.usableIsas()) {
      const model = lstmAutoencoder({ windowDays: S, features: F, units: 10, seed: 3 });
      const net = nativeNet(model, o, { threads: 2, isa });
      const probe = batch(8, 9).x;
      net.predict(probe, 8); // packs the inference weights before training: they must follow the updates
      for (let b = 0; b < 3; b++) {
        const { x, y } = batch(16, b);
        const [, gradNorm] = net.compute(x, y, 16);
        assert.ok(gradNorm > o.clipNorm, `the clip applies (norm ${gradNorm})`);
        net.apply(1e-2);
      }
      const got = net.getWeights();
      assert.equal(got.length, expected.length);
      const worst = Math.max(...got.map((w, i) => Math.abs(w - expected[i])));
      const moved = Math.max(...expected.map((w, i) => Math.abs(w - start[i])));
      assert.ok(moved > 1e-3, `the steps move the weights (by up to ${moved})`);
      assert.ok(worst < 1e-3 * moved, `${isa}: largest weight difference ${worst}, of moves up to ${moved}`);
      const want = tf.tidy(() => (reference.predict(tf.tensor3d(probe, [8, S, F])) as tf.Tensor).dataSync());
      const err = relativeError(net.predict(probe, 8), want);
      assert.ok(err < 1e-4, `${isa}: prediction after the updates, relative error ${err}`);
      net.dispose();
      model.dispose();
    }
    tfjs.dispose();
    reference.dispose();
  });

  test('optimizer state round-trips: a restored step continues exactly like the original', (t) => {
    if (!nativeOrSkip(t)) return;
    const a = step(1);
    for (let b = 0; b < 3; b++) {
      const { x, y } = batch(16, b);
      a.compute(x, y, 16);
      a.apply(5e-3);
    }
    const b2 = step(9);
    b2.restore(a.snapshot());
    b2.setOptimizerState(a.optimizerState());
    const { x, y } = batch(16, 7);
    const la = a.compute(x, y, 16).loss;
    a.apply(5e-3);
    const lb = b2.compute(x, y, 16).loss;
    b2.apply(5e-3);
    assert.equal(lb, la);
    assert.deepEqual(b2.snapshot(), a.snapshot());
    for (const s of [a, b2]) {
      s.dispose();
      s.model.dispose();
    }
  });

  test('weights trained natively save in the tfjs layers format and score identically in TensorFlow.js', async (t) => {
    if (!nativeOrSkip(t)) return;
    const s = step(1);
    for (let b = 0; b < 4; b++) {
      const { x, y } = batch(16, b);
      s.compute(x, y, 16);
      s.apply(1e-2);
    }
    s.restore(s.snapshot());
    const dir = mkdtempSync(join(tmpdir(), 'dt-native-'));
    try {
      await saveModel(s.model, dir);
      const loaded = await loadModel(dir);
      const { x } = batch(32, 11);
      const viaTfjs = (loaded.predict(tf.tensor3d(x, [32, S, F])) as tf.Tensor).dataSync();
      const net = nativeNet(loaded, { loss: { kind: 'mse' }, target: 'input', clipNorm: 0 });
      assert.ok(relativeError(net.predict(x, 32), viaTfjs) < 1e-5);
      assert.deepEqual(flatWeights(loaded), flatWeights(s.model));
      net.dispose();
      loaded.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      s.dispose();
      s.model.dispose();
    }
  });

  test('a layer the engine lacks is refused by name; bad buffers are refused with the reason', (t) => {
    if (!nativeOrSkip(t)) return;
    const input = tf.input({ shape: [S, F] });
    const gru = tf.model({
      inputs: input,
      outputs: tf.layers.gru({ units: 3 }).apply(input) as tf.SymbolicTensor,
    });
    assert.throws(
      () => describeModel(gru),
      (e: unknown) => e instanceof UnsupportedModelError && /GRU/.test(String(e)),
    );
    const model = lstmAutoencoder({ windowDays: S, features: F, units: 4 });
    const net = nativeNet(model, { loss: { kind: 'mse' }, target: 'input', clipNorm: 0 });
    assert.throws(() => net.compute(new Float64Array(S * F), new Uint8Array(1), 1), /Float32Array/);
    assert.throws(() => net.compute(new Float32Array(S * F), new Uint8Array(2), 2), /values; 80 needed/);
    net.dispose();
    assert.throws(() => net.paramCount(), /disposed/);
    gru.dispose();
    model.dispose();
  });
});
