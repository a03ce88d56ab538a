import * as tf from '@tensorflow/tfjs';

/**
 * The three model families, as TensorFlow.js layers models (saved in the tfjs
 * layers format, which Keras can convert). Shapes: input [batch, S days, F features].
 *
 * Initialisers are chosen on purpose: tfjs's default recurrent initialiser is
 * orthogonal, which builds the reference LSTM autoencoder in ~31 s on the cpu
 * backend (measured here, tfjs 4.x); glorotUniform builds it in ~40 ms and trains as well
 * at these sizes. Pass recurrentInitializer: 'orthogonal' for Keras parity.
 */

export interface LstmAeConfig {
  windowDays: number;
  features: number;
  /** Width of the encoder and decoder LSTMs (128 in the reference model). */
  units: number;
  /** Extra LSTM layers of `units` in encoder and decoder beyond the first. */
  depth?: number;
  dropout?: number;
  recurrentInitializer?: 'glorotUniform' | 'orthogonal';
  seed?: number;
}

/**
 * LSTM sequence-to-sequence autoencoder: LSTM(units) -> RepeatVector(S) ->
 * LSTM(units, sequences) -> LSTM(F, sequences). With S = 16, F = 21 and
 * units = 128 it is the reference model: 220,984 parameters.
 */
export function lstmAutoencoder(c: LstmAeConfig): tf.LayersModel {
  const init = initializers(c.seed ?? 1, c.recurrentInitializer);
  const input = tf.input({ shape: [c.windowDays, c.features] });
  let h: tf.SymbolicTensor = input;
  for (let i = 0; i < (c.depth ?? 0); i++) {
    h = tf.layers
      .lstm({ units: c.units, returnSequences: true, dropout: c.dropout ?? 0, ...init() })
      .apply(h) as tf.SymbolicTensor;
  }
  h = tf.layers.lstm({ units: c.units, dropout: c.dropout ?? 0, ...init() }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.repeatVector({ n: c.windowDays }).apply(h) as tf.SymbolicTensor;
  for (let i = 0; i < 1 + (c.depth ?? 0); i++) {
    h = tf.layers
      .lstm({ units: c.units, returnSequences: true, dropout: c.dropout ?? 0, ...init() })
      .apply(h) as tf.SymbolicTensor;
  }
  const out = tf.layers
    .lstm({ units: c.features, returnSequences: true, ...init() })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'lstm_ae' });
}

export interface ConvAeConfig {
  windowDays: number;
  features: number;
  /** Filters of the outer convolutions; the bottleneck has half. */
  filters: number;
  kernelSize?: number;
  dropout?: number;
  /**
   * true (default): the bottleneck is 4x shorter in time (strided convolutions
   * down, upsampling back up). false: every layer keeps the full length, the
   * layout of the PyTorch peer bench:train measures against (for like-for-like speed).
   */
  downsample?: boolean;
  seed?: number;
}

/**
 * 1D-convolution autoencoder: conv(F -> filters) -> conv(-> filters/2) ->
 * conv(-> filters) -> linear conv(-> F), ReLU between. With downsampling the two
 * first are strided and the two last are preceded by upsampling, so S must be
 * divisible by 4.
 */
export function convAutoencoder(c: ConvAeConfig): tf.LayersModel {
  const down = c.downsample ?? true;
  if (down && c.windowDays % 4 !== 0) {
    throw new Error('the convolution autoencoder needs a window length divisible by 4');
  }
  const k = c.kernelSize ?? 3;
  const seed = c.seed ?? 1;
  const conv = (filters: number, i: number, strides: number, relu = true): tf.layers.Layer =>
    tf.layers.conv1d({
      filters,
      kernelSize: k,
      strides,
      padding: 'same',
      activation: relu ? 'relu' : 'linear',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }),
    });
  const input = tf.input({ shape: [c.windowDays, c.features] });
  let h = conv(c.filters, 1, down ? 2 : 1).apply(input) as tf.SymbolicTensor;
  if (c.dropout) h = tf.layers.dropout({ rate: c.dropout, seed }).apply(h) as tf.SymbolicTensor;
  h = conv(Math.max(1, c.filters >> 1), 2, down ? 2 : 1).apply(h) as tf.SymbolicTensor;
  if (down) h = upsample1d(h);
  h = conv(c.filters, 3, 1).apply(h) as tf.SymbolicTensor;
  if (down) h = upsample1d(h);
  const out = conv(c.features, 4, 1, false).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'conv_ae' });
}

export interface LstmClassifierConfig {
  windowDays: number;
  features: number;
  /** Widths of the stacked LSTMs ([64, 64] by default). */
  units?: number[];
  dropout?: number;
  /** A probability per day ([batch, S, 1]) instead of per window ([batch, 1]). */
  perDay?: boolean;
  recurrentInitializer?: 'glorotUniform' | 'orthogonal';
  seed?: number;
}

/** Supervised LSTM classifier: stacked LSTMs and a sigmoid output per window, or per day. */
export function lstmClassifier(c: LstmClassifierConfig): tf.LayersModel {
  const init = initializers(c.seed ?? 1, c.recurrentInitializer);
  const units = c.units ?? [64, 64];
  const input = tf.input({ shape: [c.windowDays, c.features] });
  let h: tf.SymbolicTensor = input;
  units.forEach((u, i) => {
    const last = i === units.length - 1;
    h = tf.layers
      .lstm({ units: u, returnSequences: !last || !!c.perDay, dropout: c.dropout ?? 0, ...init() })
      .apply(h) as tf.SymbolicTensor;
  });
  const dense = tf.layers.dense({
    units: 1,
    activation: 'sigmoid',
    kernelInitializer: tf.initializers.glorotUniform({ seed: (c.seed ?? 1) + 999 }),
  });
  const out = (c.perDay ? tf.layers.timeDistributed({ layer: dense }) : dense).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'lstm_clf' });
}

/**
 * Doubles the time axis ([L, C] -> [2L, C]), each day twice. tfjs has no
 * upSampling1d, and UpSampling2D's gradient on the cpu backend is wrong for
 * batches of more than one (tfjs 4.22's ResizeNearestNeighborGrad offsets the
 * second sample on), so the copy is a concatenation, whose gradient is exact.
 */
function upsample1d(h: tf.SymbolicTensor): tf.SymbolicTensor {
  const [, length, channels] = h.shape as number[];
  const x = tf.layers.reshape({ targetShape: [length, 1, channels] }).apply(h) as tf.SymbolicTensor;
  const twice = tf.layers.concatenate({ axis: 2 }).apply([x, x]) as tf.SymbolicTensor;
  return tf.layers.reshape({ targetShape: [length * 2, channels] }).apply(twice) as tf.SymbolicTensor;
}

/** Seeded initialisers, a different seed per layer so layers do not start identical. */
function initializers(seed: number, recurrent: 'glorotUniform' | 'orthogonal' = 'glorotUniform') {
  let n = 0;
  return () => {
    n++;
    return {
      // Keras's (and PyTorch's) gate activation; tfjs would default to hardSigmoid.
      recurrentActivation: 'sigmoid' as const,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 1000 + n }),
      recurrentInitializer:
        recurrent === 'orthogonal'
          ? tf.initializers.orthogonal({ seed: seed * 1000 + 500 + n })
          : tf.initializers.glorotUniform({ seed: seed * 1000 + 500 + n }),
    };
  };
}
