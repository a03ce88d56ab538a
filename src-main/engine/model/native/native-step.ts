import type * as tf from '@tensorflow/tfjs';
import type { TfjsStepOptions, TrainStep } from '../train-step';
import { setModelWeights } from '../weights-io';
import { loadNative, type NativeNet, type NetSpec } from './addon';
import { describeModel, flatWeights, joinWeights, splitWeights } from './net-spec';

export interface NativeOptions {
  /** Threads that share each batch (default: every core). */
  threads?: number;
  /** Force an instruction set ('avx512', 'avx2', 'base'); default: the best this CPU runs. */
  isa?: string;
  seed?: number;
  precision?: 'float32' | 'float64';
}

function netSpec(model: tf.LayersModel, o: TfjsStepOptions, n: NativeOptions, threads: number): NetSpec {
  const { layers, windowDays, features } = describeModel(model);
  return {
    windowDays,
    features,
    layers,
    loss: o.loss,
    target: o.target,
    clipNorm: o.clipNorm,
    threads,
    seed: n.seed ?? 1,
  };
}

/** Builds the native twin of a tfjs model, with the model's current weights. Throws when the addon is absent. */
export function nativeNet(model: tf.LayersModel, o: TfjsStepOptions, n: NativeOptions = {}): NativeNet {
  const { module, error } = loadNative();
  if (!module) throw new Error(error);
  const threads = n.threads ?? module.hardwareThreads();
  const net = new module.NativeNet(netSpec(model, o, n, threads), { isa: n.isa, precision: n.precision });
  const w = flatWeights(model);
  if (w.length !== net.paramCount()) {
    net.dispose();
    throw new Error(
      `native engine: the model has ${w.length} weights, the native network ${net.paramCount()}`,
    );
  }
  net.setWeights(n.precision === 'float64' ? Float64Array.from(w) : w);
  return net;
}

/**
 * The TrainStep of the native engine: same models, losses, clipping and Adam
 * as tfjsStep, computed by the C++ addon on every core. The tfjs model only
 * holds the weights for saving: restore() writes them back into it.
 */
export function nativeStep(model: tf.LayersModel, o: TfjsStepOptions, n: NativeOptions = {}): TrainStep {
  const net = nativeNet(model, o, n);
  return {
    model,
    compute(x, y, count) {
      const [loss, gradNorm] = net.compute(x, y, count);
      return { loss, gradNorm };
    },
    apply: (lr) => net.apply(lr),
    discard: () => net.discard(),
    evaluate: (x, y, count) => net.evaluate(x, y, count),
    snapshot: () => splitWeights(model, net.getWeights()),
    restore(weights) {
      net.setWeights(joinWeights(weights));
      setModelWeights(model, weights);
    },
    optimizerState() {
      const { m, v } = net.getAdam();
      return { step: net.adamStep(), m: splitWeights(model, m), v: splitWeights(model, v) };
    },
    setOptimizerState(s) {
      net.setAdam(s.step, joinWeights(s.m), joinWeights(s.v));
    },
    dispose: () => net.dispose(),
  };
}
