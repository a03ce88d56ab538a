import * as tf from '@tensorflow/tfjs';
import type { LossSpec } from '../api-types';
import { focalLoss, hardNegativeBce, mse, weightedBce } from './losses';
import { setModelWeights } from './weights-io';

export type { LossSpec };

/** Adam's state: the steps taken and the moment estimates, one per weight tensor. */
export interface OptimizerState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

/** Adam's constants, shared by every engine so they update the same way (tfjs's defaults). */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

export interface StepResult {
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

/**
 * The one interface between training and the engine that computes it: a batch
 * in, a loss and a gradient norm out, weights updated. The loop (train.ts),
 * datasets, jobs and the UI only ever see this, so a faster engine for the same
 * models can slot in behind it.
 */
export interface TrainStep {
  /** Forward and backward on n windows; applies the (clipped) update only when `apply`. */
  compute(x: Float32Array, y: Uint8Array, n: number): StepResult;
  /** Applies the update computed by the last compute(), at this learning rate. */
  apply(learningRate: number): void;
  /** Drops the last computed update (a skipped spike). */
  discard(): void;
  /** Loss without updating (validation). */
  evaluate(x: Float32Array, y: Uint8Array, n: number): number;
  snapshot(): Float32Array[];
  restore(weights: Float32Array[]): void;
  optimizerState(): OptimizerState;
  setOptimizerState(s: OptimizerState): void;
  /** The layers model whose weights this step trains (kept current by restore()). */
  readonly model: tf.LayersModel;
  dispose(): void;
}

export interface TfjsStepOptions {
  loss: LossSpec;
  /** Autoencoders learn to give back their input; classifiers predict y. */
  target: 'input' | 'label';
  /** Global gradient-norm clipping; 0 turns it off. */
  clipNorm: number;
  /** Per-day classifier outputs repeat the window's label on every day. */
  perDay?: boolean;
}

function lossOf(spec: LossSpec, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  switch (spec.kind) {
    case 'mse':
      return mse(yTrue, yPred);
    case 'weighted-bce':
      return weightedBce(yTrue, yPred, spec.positiveWeight);
    case 'focal':
      return focalLoss(yTrue, yPred, spec.gamma, spec.alpha);
    default:
      return hardNegativeBce(yTrue, yPred, spec.ratio);
  }
}

/**
 * The TensorFlow.js implementation (whatever backend is active): global-norm
 * clipping and Adam. Adam is written out here rather than taken from
 * tf.train.adam so its state can be read and restored synchronously for
 * checkpoints, and so it is the same update the native engine makes.
 */
export function tfjsStep(model: tf.LayersModel, o: TfjsStepOptions): TrainStep {
  const [S, F] = (model.inputs[0].shape as number[]).slice(1);
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const m = vars.map((v) => tf.variable(tf.zerosLike(v), false));
  const v2 = vars.map((v) => tf.variable(tf.zerosLike(v), false));
  let t = 0;
  let pending: tf.Tensor[] | null = null;
  const tensors = (x: Float32Array, y: Uint8Array, n: number): [tf.Tensor, tf.Tensor] => {
    const xs = tf.tensor3d(x.subarray(0, n * S * F), [n, S, F]);
    if (o.target === 'input') return [xs, xs];
    const labels = Float32Array.from(y.subarray(0, n));
    const ys = o.perDay ? tf.tile(tf.tensor3d(labels, [n, 1, 1]), [1, S, 1]) : tf.tensor2d(labels, [n, 1]);
    return [xs, ys];
  };
  const discard = (): void => {
    if (pending) tf.dispose(pending);
    pending = null;
  };
  return {
    model,
    compute(x, y, n) {
      discard();
      const result = tf.tidy(() => {
        const [xs, ys] = tensors(x, y, n);
        const { value, grads } = tf.variableGrads(
          () => lossOf(o.loss, ys, model.apply(xs, { training: true }) as tf.Tensor),
          vars,
        );
        const ordered = vars.map((v) => grads[v.name]);
        const norm = tf.sqrt(tf.addN(ordered.map((g) => tf.sum(tf.square(g)))));
        const gradNorm = norm.dataSync()[0];
        const scale = o.clipNorm > 0 && gradNorm > o.clipNorm ? o.clipNorm / gradNorm : 1;
        const kept = ordered.map((g) => tf.keep(scale === 1 ? g : tf.mul(g, scale)));
        return { loss: value.dataSync()[0], gradNorm, kept };
      });
      pending = result.kept;
      return { loss: result.loss, gradNorm: result.gradNorm };
    },
    apply(learningRate) {
      if (!pending) return;
      const grads = pending;
      t++;
      const c1 = 1 - ADAM.beta1 ** t;
      const c2 = 1 - ADAM.beta2 ** t;
      tf.tidy(() => {
        vars.forEach((w, i) => {
          const g = grads[i];
          m[i].assign(tf.add(tf.mul(m[i], ADAM.beta1), tf.mul(g, 1 - ADAM.beta1)));
          v2[i].assign(tf.add(tf.mul(v2[i], ADAM.beta2), tf.mul(tf.square(g), 1 - ADAM.beta2)));
          const update = tf.div(tf.div(m[i], c1), tf.add(tf.sqrt(tf.div(v2[i], c2)), ADAM.epsilon));
          w.assign(tf.sub(w, tf.mul(update, learningRate)));
        });
      });
      discard();
    },
    discard,
    evaluate(x, y, n) {
      return tf.tidy(() => {
        const [xs, ys] = tensors(x, y, n);
        return lossOf(o.loss, ys, model.predict(xs) as tf.Tensor).dataSync()[0];
      });
    },
    snapshot: () => model.getWeights().map((w) => w.dataSync().slice() as Float32Array),
    restore: (weights) => setModelWeights(model, weights),
    optimizerState: () => ({
      step: t,
      m: m.map((x) => x.dataSync().slice() as Float32Array),
      v: v2.map((x) => x.dataSync().slice() as Float32Array),
    }),
    setOptimizerState(state) {
      t = state.step;
      tf.tidy(() => {
        state.m.forEach((x, i) => m[i].assign(tf.tensor(x, m[i].shape)));
        state.v.forEach((x, i) => v2[i].assign(tf.tensor(x, v2[i].shape)));
      });
    },
    dispose() {
      discard();
      tf.dispose([...m, ...v2]);
    },
  };
}
