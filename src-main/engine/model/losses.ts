import * as tf from '@tensorflow/tfjs';

/**
 * Losses for extreme imbalance (a quarter of Backblaze data holds a few hundred failing windows in millions).
 * Each takes labels and predicted probabilities of the same shape and returns a
 * scalar. Probabilities are clipped away from 0 and 1 so log() stays finite.
 */

const EPS = 1e-7;

/** Per-element binary cross-entropy, unreduced. */
function bce(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const p = yPred.clipByValue(EPS, 1 - EPS);
  return tf.neg(tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p)))));
}

/** Mean squared error, the autoencoders' reconstruction loss. */
export function mse(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(yTrue, yPred)) as tf.Scalar);
}

/** Cross-entropy with the positives weighted `positiveWeight` times the negatives; mean over elements. */
export function weightedBce(yTrue: tf.Tensor, yPred: tf.Tensor, positiveWeight: number): tf.Scalar {
  return tf.tidy(() => {
    const w = tf.add(1, tf.mul(yTrue, positiveWeight - 1));
    return tf.mean(tf.mul(w, bce(yTrue, yPred))) as tf.Scalar;
  });
}

/**
 * Focal loss (Lin et al. 2017): -alpha_t (1 - p_t)^gamma log(p_t), where p_t is
 * the probability given to the true class and alpha_t = alpha for positives,
 * 1 - alpha for negatives. Easy, confident examples fade; hard ones dominate.
 */
export function focalLoss(yTrue: tf.Tensor, yPred: tf.Tensor, gamma: number, alpha: number): tf.Scalar {
  return tf.tidy(() => {
    const p = yPred.clipByValue(EPS, 1 - EPS);
    const pt = tf.add(tf.mul(yTrue, p), tf.mul(tf.sub(1, yTrue), tf.sub(1, p)));
    const at = tf.add(tf.mul(yTrue, alpha), tf.mul(tf.sub(1, yTrue), 1 - alpha));
    const loss = tf.neg(tf.mul(tf.mul(at, tf.pow(tf.sub(1, pt), gamma)), tf.log(pt)));
    return tf.mean(loss) as tf.Scalar;
  });
}

/**
 * Online hard-negative mining: after the forward pass keep the loss of every
 * positive and of only the k hardest negatives, k = ratio x positives (at least
 * `ratio` when a batch has none), and average over what was kept. The choice of
 * negatives is made on the values and held fixed, so gradients flow only
 * through the kept losses. Ties at the k-th loss are all kept.
 */
export function hardNegativeBce(yTrue: tf.Tensor, yPred: tf.Tensor, ratio: number): tf.Scalar {
  return tf.tidy(() => {
    const losses = bce(yTrue, yPred).reshape([-1]);
    const labels = yTrue.reshape([-1]);
    const y = labels.dataSync();
    const values = losses.dataSync();
    let positives = 0;
    const negatives: number[] = [];
    for (let i = 0; i < y.length; i++) {
      if (y[i] >= 0.5) positives++;
      else negatives.push(values[i]);
    }
    const k = Math.min(negatives.length, Math.max(1, positives) * ratio);
    negatives.sort((a, b) => b - a);
    const threshold = k > 0 ? negatives[k - 1] : Infinity;
    const keep = new Float32Array(y.length);
    let kept = 0;
    for (let i = 0; i < y.length; i++) {
      if (y[i] >= 0.5 || values[i] >= threshold) {
        keep[i] = 1;
        kept++;
      }
    }
    const mask = tf.tensor1d(keep);
    return tf.div(tf.sum(tf.mul(losses, mask)), Math.max(kept, 1)) as tf.Scalar;
  });
}
