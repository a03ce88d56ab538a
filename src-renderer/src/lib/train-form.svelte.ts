import { WINDOW_FEATURES } from '../../../src-main/engine/api-types';
import type { LossSpec, ModelKind, TrainConfig, WindowFeature } from '../../../src-main/engine/api-types';

/**
 * The Train form's fields, one per TrainConfig setting, as the analyst edits them (percentages where the
 * engine takes fractions). `fill` writes a config in, `config` reads one out for the kind chosen: a pair the
 * form, its draft across tab switches, and "train again with these settings" all go through.
 */
export class TrainFormState {
  // Trees first: on the sample's cross-validation they lead Backblaze's rule and every sequence model
  // (bench/results/quality.json).
  model = $state<ModelKind>('gbdt');
  autoAttributes = $state(true);
  attributes = $state<string[]>([]);
  windowDays = $state(4);
  horizonDays = $state(7);
  units = $state(128);
  filters = $state(32);
  dropout = $state(0);
  lossKind = $state<LossSpec['kind']>('mse');
  positiveWeight = $state(100);
  gamma = $state(2);
  alpha = $state(0.25);
  ratio = $state(3);
  oversample = $state(1);
  clipNorm = $state(1);
  learningRate = $state(0.001);
  epochs = $state(5);
  batchSize = $state(64);
  maxWindowsPerEpoch = $state(0);
  seed = $state(1);
  backend = $state<'' | NonNullable<TrainConfig['backend']>>('');
  spikeAction = $state<'record' | 'skip' | 'rollback'>('record');
  earlyStopPatience = $state(0);
  // Gradient-boosted trees.
  rounds = $state(300);
  maxDepth = $state(2);
  maxLeaves = $state(0);
  minChildWeight = $state(5);
  lambda = $state(1);
  subsample = $state(0.8);
  colsample = $state(0.8);
  folds = $state(5);
  /** How the drives not trained on are chosen: percentages of the drives, or every window from a day on. */
  valPercent = $state(15);
  testPercent = $state(15);
  testFromDay = $state('');
  windowFeatures = $state<WindowFeature[]>([...WINDOW_FEATURES]);
  driveModelInput = $state(true);
  capacityInput = $state(true);
  ruleInput = $state(true);
  monotoneCounters = $state(true);
  ensemble = $state(1);
  dailyChanges = $state(true);
  scaleByModel = $state(false);

  readonly trees = $derived(this.model === 'gbdt');
  readonly autoencoder = $derived(this.model === 'lstm-ae' || this.model === 'conv-ae');

  /** Writes the settings given into the fields; a setting not given leaves its field as it is. */
  fill(c: Partial<TrainConfig>): void {
    const pct = (x: number | undefined, fallback: number): number =>
      x === undefined ? fallback : Math.round(x * 1000) / 10;
    if (c.model) this.model = c.model;
    if (c.attributes) {
      this.autoAttributes = false;
      this.attributes = [...c.attributes];
    }
    this.windowDays = c.windowDays ?? this.windowDays;
    this.horizonDays = c.horizonDays ?? this.horizonDays;
    this.units = c.units ?? this.units;
    this.filters = c.filters ?? this.filters;
    this.dropout = c.dropout ?? this.dropout;
    if (c.loss) {
      this.lossKind = c.loss.kind;
      if (c.loss.kind === 'weighted-bce') this.positiveWeight = c.loss.positiveWeight;
      if (c.loss.kind === 'focal') [this.gamma, this.alpha] = [c.loss.gamma, c.loss.alpha];
      if (c.loss.kind === 'hard-negative') this.ratio = c.loss.ratio;
    }
    this.oversample = c.oversample ?? this.oversample;
    this.clipNorm = c.clipNorm ?? this.clipNorm;
    this.learningRate = c.learningRate ?? this.learningRate;
    this.epochs = c.epochs ?? this.epochs;
    this.batchSize = c.batchSize ?? this.batchSize;
    this.maxWindowsPerEpoch = c.maxWindowsPerEpoch ?? this.maxWindowsPerEpoch;
    this.seed = c.seed ?? this.seed;
    this.backend = c.backend ?? '';
    this.spikeAction = c.spike?.action ?? this.spikeAction;
    this.earlyStopPatience = c.earlyStopPatience ?? this.earlyStopPatience;
    this.rounds = c.rounds ?? this.rounds;
    this.maxDepth = c.maxDepth ?? this.maxDepth;
    this.maxLeaves = c.maxLeaves ?? this.maxLeaves;
    this.minChildWeight = c.minChildWeight ?? this.minChildWeight;
    this.lambda = c.lambda ?? this.lambda;
    this.subsample = c.subsample ?? this.subsample;
    this.colsample = c.colsample ?? this.colsample;
    this.folds = c.folds ?? this.folds;
    this.valPercent = pct(c.valFraction, this.valPercent);
    this.testPercent = pct(c.testFraction, this.testPercent);
    this.testFromDay = c.testFromDay ?? '';
    this.windowFeatures = c.windowFeatures ? [...c.windowFeatures] : this.windowFeatures;
    this.driveModelInput = c.driveModelInput ?? this.driveModelInput;
    this.capacityInput = c.capacityInput ?? this.capacityInput;
    this.ruleInput = c.ruleInput ?? this.ruleInput;
    this.monotoneCounters = c.monotoneCounters ?? this.monotoneCounters;
    this.ensemble = c.ensemble ?? this.ensemble;
    this.dailyChanges = c.dailyChanges ?? this.dailyChanges;
    this.scaleByModel = c.scaleByModel ?? this.scaleByModel;
  }

  /** The settings for the kind chosen, and only those that kind reads (no `units` for a convolution). */
  config(): TrainConfig {
    const common = {
      model: this.model,
      attributes: this.autoAttributes ? undefined : [...this.attributes],
      windowDays: this.windowDays,
      horizonDays: this.horizonDays,
      loss: this.loss(),
      learningRate: this.learningRate,
      earlyStopPatience: this.earlyStopPatience,
      seed: this.seed,
      folds: this.folds,
      ...this.splitSettings(),
    };
    if (this.model === 'gbdt')
      return {
        ...common,
        rounds: this.rounds,
        maxDepth: this.maxDepth,
        maxLeaves: this.maxLeaves,
        minChildWeight: this.minChildWeight,
        lambda: this.lambda,
        subsample: this.subsample,
        colsample: this.colsample,
        windowFeatures: [...this.windowFeatures],
        driveModelInput: this.driveModelInput,
        capacityInput: this.capacityInput,
        ruleInput: this.ruleInput,
        monotoneCounters: this.monotoneCounters,
        ensemble: this.ensemble,
      };
    return {
      ...common,
      ...(this.model === 'conv-ae' ? { filters: this.filters } : { units: this.units }),
      dropout: this.dropout,
      oversample: this.oversample,
      clipNorm: this.clipNorm,
      epochs: this.epochs,
      batchSize: this.batchSize,
      maxWindowsPerEpoch: this.maxWindowsPerEpoch,
      spike: { kind: 'robust', factor: 10, robustZ: 6, window: 200, action: this.spikeAction },
      dailyChanges: this.dailyChanges,
      scaleByModel: this.scaleByModel,
      backend: this.backend || undefined,
    };
  }

  private loss(): LossSpec {
    switch (this.lossKind) {
      case 'weighted-bce':
        return { kind: 'weighted-bce', positiveWeight: this.positiveWeight };
      case 'focal':
        return { kind: 'focal', gamma: this.gamma, alpha: this.alpha };
      case 'hard-negative':
        return { kind: 'hard-negative', ratio: this.ratio };
      default:
        return { kind: 'mse' };
    }
  }

  /** Validation and test shares of the drives, or a time split (then no test share). */
  private splitSettings(): Pick<TrainConfig, 'valFraction' | 'testFraction' | 'testFromDay'> {
    return {
      valFraction: this.valPercent / 100,
      ...(this.testFromDay ? { testFromDay: this.testFromDay } : { testFraction: this.testPercent / 100 }),
    };
  }
}
