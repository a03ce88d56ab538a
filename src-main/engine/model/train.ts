import type { BatchRecord, SpikeRule } from '../api-types';
import type { Dataset } from './dataset';
import { rng, shuffle } from './rng';
import type { OptimizerState, TrainStep } from './train-step';
import { fillBatch, indexWindows, type WindowIndex } from './window-index';

/** What the analyst sets for one training run, besides the model and the data. */
export interface LoopConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Steps of linear warm-up from lr/10 to lr. */
  warmupSteps: number;
  /** After warm-up: constant, or cosine down to lr/100 over the run. */
  decay: 'none' | 'cosine';
  /** Autoencoders: drives that never failed only. */
  healthyOnly: boolean;
  /** Sampler: each positive window appears this many times per epoch (1 = no oversampling). */
  oversample: number;
  /** Caps the windows of one epoch (a sample of a large dataset); 0 = all. */
  maxWindowsPerEpoch: number;
  /** Caps the validation windows (a fixed seeded sample); 0 = all. */
  maxValWindows: number;
  spike: SpikeRule;
  /** Stop when validation loss has not improved for this many epochs; 0 = never. */
  earlyStopPatience: number;
  seed: number;
}

export const DEFAULT_LOOP: LoopConfig = {
  epochs: 5,
  batchSize: 64,
  learningRate: 1e-3,
  warmupSteps: 0,
  decay: 'none',
  healthyOnly: true,
  oversample: 1,
  maxWindowsPerEpoch: 0,
  maxValWindows: 20_000,
  // On the sample, 3,879 batches of a focal-loss classifier: the ratio rule marked 492 "spikes", this one none;
  // both catch a loss 30x past the largest seen (and the autoencoder's one or two real ones).
  spike: { kind: 'robust', factor: 10, robustZ: 6, window: 200, action: 'record' },
  earlyStopPatience: 0,
  seed: 1,
};

export type { BatchRecord };

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valLoss: number | null;
  seconds: number;
  windowsPerSec: number;
  /** The learning-rate multiplier after this epoch (halved by each rollback). */
  learningRateScale: number;
}

/** Where an interrupted run picks up: the state saved at the end of its last whole epoch. */
export interface Checkpoint {
  /** The next epoch to run (0-based). */
  epoch: number;
  weights: Float32Array[];
  learningRateScale: number;
  bestLoss: number;
  bestEpoch: number;
  bestWeights: Float32Array[];
  /** Adam's state; absent in checkpoints written before it was kept (the moments then restart). */
  optimizer?: OptimizerState;
}

export interface LoopHooks {
  onBatch?(b: BatchRecord): void;
  /** After each whole epoch, with the checkpoint to resume from after it. */
  onEpoch?(e: EpochRecord, step: TrainStep, checkpoint: Checkpoint): void;
  isCancelled?(): boolean;
  /** Continue from a checkpoint instead of from the model's initial weights. */
  resume?: Checkpoint;
  /** Lets a test inject a fault: the loss the loop sees for this batch. */
  lossOverride?(epoch: number, batch: number, loss: number): number;
}

export interface LoopResult {
  batches: BatchRecord[];
  epochs: EpochRecord[];
  stoppedBy: 'epochs' | 'early-stop' | 'cancelled';
  bestValLoss: number | null;
  /** The weights that gave bestValLoss (or the last ones without validation). */
  bestWeights: Float32Array[];
}

export class NonFiniteError extends Error {
  constructor(
    readonly epoch: number,
    readonly batch: number,
    what: string,
  ) {
    super(
      `training stopped: the ${what} became NaN or infinite at epoch ${epoch + 1}, batch ${batch + 1}; no weights with NaN were kept. Lower the learning rate or turn on gradient clipping.`,
    );
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Whether a batch loss is a spike against the recent ones by the rule (see SpikeRule). */
export function isSpike(loss: number, recent: number[], rule: SpikeRule): boolean {
  if (recent.length < Math.min(10, rule.window)) return false;
  if (!(loss > rule.factor * median(recent))) return false;
  if ((rule.kind ?? 'ratio') === 'ratio') return true;
  const logs = recent.filter((v) => v > 0).map(Math.log);
  if (logs.length < Math.min(10, rule.window)) return true;
  const centre = median(logs);
  const spread = median(logs.map((v) => Math.abs(v - centre))) / 0.6745;
  return !(spread > 0) || (Math.log(loss) - centre) / spread > (rule.robustZ ?? 6);
}

export function learningRateAt(c: LoopConfig, step: number, totalSteps: number, scale: number): number {
  const base = c.learningRate * scale;
  if (step < c.warmupSteps) return base * (0.1 + (0.9 * (step + 1)) / c.warmupSteps);
  if (c.decay === 'none') return base;
  const t = Math.min(1, (step - c.warmupSteps) / Math.max(1, totalSteps - c.warmupSteps));
  return base * (0.01 + 0.99 * 0.5 * (1 + Math.cos(Math.PI * t)));
}

/** A fixed, seeded sample of at most `max` windows (all when max is 0 or more than there are). */
export function sampleWindows(idx: WindowIndex, max: number, seed: number): WindowIndex {
  if (max <= 0 || idx.count <= max) return idx;
  const pick = shuffle(
    Array.from({ length: idx.count }, (_, i) => i),
    rng(seed + 7919),
  )
    .slice(0, max)
    .sort((a, b) => a - b);
  return {
    row: Int32Array.from(pick, (i) => idx.row[i]),
    end: Int32Array.from(pick, (i) => idx.end[i]),
    label: Uint8Array.from(pick, (i) => idx.label[i]),
    count: pick.length,
  };
}

/** Mean loss over every window of `idx`, in batches, without updating. */
export function evaluateLoss(step: TrainStep, ds: Dataset, idx: WindowIndex, batchSize: number): number {
  const size = ds.config.windowDays * ds.cube.features.length;
  const x = new Float32Array(batchSize * size);
  const y = new Uint8Array(batchSize);
  const order = Int32Array.from({ length: idx.count }, (_, i) => i);
  let total = 0;
  for (let from = 0; from < idx.count; from += batchSize) {
    const n = Math.min(batchSize, idx.count - from);
    fillBatch(ds, idx, order, from, n, x, y);
    total += step.evaluate(x, y, n) * n;
  }
  return idx.count ? total / idx.count : NaN;
}

/**
 * The training loop: seeded shuffles, warm-up and decay, spike detection with
 * the chosen response, the NaN guard, early stopping on validation loss, and a
 * record of every batch (loss, gradient norm, learning rate, spike).
 */
export function trainLoop(step: TrainStep, ds: Dataset, c: LoopConfig, hooks: LoopHooks = {}): LoopResult {
  const train = indexWindows(ds, { splits: ['train'], healthyOnly: c.healthyOnly });
  const val = sampleWindows(
    indexWindows(ds, { splits: ['val'], healthyOnly: c.healthyOnly }),
    c.maxValWindows,
    c.seed,
  );
  if (train.count === 0)
    throw new Error('no training windows: the drives have fewer reported days than the window length');
  const random = rng(c.seed);
  const base: number[] = [];
  for (let w = 0; w < train.count; w++) {
    const copies = train.label[w] ? Math.max(1, Math.round(c.oversample)) : 1;
    for (let k = 0; k < copies; k++) base.push(w);
  }
  const perEpoch = c.maxWindowsPerEpoch > 0 ? Math.min(c.maxWindowsPerEpoch, base.length) : base.length;
  const batchesPerEpoch = Math.ceil(perEpoch / c.batchSize);
  const size = ds.config.windowDays * ds.cube.features.length;
  const x = new Float32Array(c.batchSize * size);
  const y = new Uint8Array(c.batchSize);
  const batches: BatchRecord[] = [];
  const epochs: EpochRecord[] = [];
  const recent: number[] = [];
  let lrScale = 1;
  let best = { loss: Infinity, weights: [] as Float32Array[], epoch: -1 };
  let first = 0;
  const r0 = hooks.resume;
  if (r0) {
    step.restore(r0.weights);
    if (r0.optimizer) step.setOptimizerState(r0.optimizer);
    lrScale = r0.learningRateScale;
    best = { loss: r0.bestLoss, weights: r0.bestWeights, epoch: r0.bestEpoch };
    first = r0.epoch;
    // Replay the finished epochs' shuffles so the resumed run sees the order an unbroken one would.
    for (let e = 0; e < first; e++) shuffle([...base], random);
  }
  let good = step.snapshot();
  if (!r0) best.weights = good;
  let stoppedBy: LoopResult['stoppedBy'] = 'epochs';
  let globalStep = first * batchesPerEpoch;
  outer: for (let epoch = first; epoch < c.epochs; epoch++) {
    const t0 = performance.now();
    const order = Int32Array.from(shuffle([...base], random).slice(0, perEpoch));
    let sum = 0;
    let seen = 0;
    for (let b = 0; b < batchesPerEpoch; b++) {
      if (hooks.isCancelled?.()) {
        stoppedBy = 'cancelled';
        break outer;
      }
      const n = Math.min(c.batchSize, perEpoch - b * c.batchSize);
      fillBatch(ds, train, order, b * c.batchSize, n, x, y);
      const r = step.compute(x, y, n);
      const loss = hooks.lossOverride ? hooks.lossOverride(epoch, b, r.loss) : r.loss;
      if (!Number.isFinite(loss)) {
        step.discard();
        throw new NonFiniteError(epoch, b, 'loss');
      }
      if (!Number.isFinite(r.gradNorm)) {
        step.discard();
        throw new NonFiniteError(epoch, b, 'gradient');
      }
      const spike = isSpike(loss, recent, c.spike);
      const lr = learningRateAt(c, globalStep, c.epochs * batchesPerEpoch, lrScale);
      if (spike && c.spike.action === 'skip') step.discard();
      else if (spike && c.spike.action === 'rollback') {
        step.discard();
        step.restore(good);
        lrScale /= 2;
      } else {
        step.apply(lr);
        sum += loss * n;
        seen += n;
        recent.push(loss);
        if (recent.length > c.spike.window) recent.shift();
        // The last weights known to be good: refreshed every `window` batches without a spike.
        if (c.spike.action === 'rollback' && globalStep % c.spike.window === 0) good = step.snapshot();
      }
      const rec = { epoch, batch: b, loss, gradNorm: r.gradNorm, learningRate: lr, spike };
      batches.push(rec);
      hooks.onBatch?.(rec);
      globalStep++;
    }
    const trainLoss = seen ? sum / seen : NaN;
    const valLoss = val.count ? evaluateLoss(step, ds, val, Math.max(c.batchSize, 256)) : null;
    const seconds = (performance.now() - t0) / 1000;
    const rec = {
      epoch,
      trainLoss,
      valLoss,
      seconds,
      windowsPerSec: perEpoch / seconds,
      learningRateScale: lrScale,
    };
    epochs.push(rec);
    const score = valLoss ?? trainLoss;
    if (score < best.loss) best = { loss: score, weights: step.snapshot(), epoch };
    hooks.onEpoch?.(rec, step, {
      epoch: epoch + 1,
      weights: step.snapshot(),
      learningRateScale: lrScale,
      bestLoss: best.loss,
      bestEpoch: best.epoch,
      bestWeights: best.weights,
      optimizer: step.optimizerState(),
    });
    if (c.earlyStopPatience > 0 && valLoss !== null && epoch - best.epoch >= c.earlyStopPatience) {
      stoppedBy = 'early-stop';
      break;
    }
  }
  return {
    batches,
    epochs,
    stoppedBy,
    bestValLoss: val.count ? (Number.isFinite(best.loss) ? best.loss : null) : null,
    bestWeights: best.weights,
  };
}
