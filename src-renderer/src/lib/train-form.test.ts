import { describe, expect, test } from 'vitest';
import type { TrainConfig } from '../../../src-main/engine/api-types';
import { TrainFormState } from './train-form.svelte';

describe('TrainFormState', () => {
  test('a config written in comes back out unchanged, for every kind', () => {
    const configs: TrainConfig[] = [
      {
        model: 'gbdt',
        attributes: ['smart_5_raw', 'smart_197_raw'],
        windowDays: 6,
        horizonDays: 10,
        loss: { kind: 'focal', gamma: 3, alpha: 0.4 },
        learningRate: 0.05,
        earlyStopPatience: 20,
        seed: 9,
        folds: 0,
        valFraction: 0.2,
        testFraction: 0.1,
        rounds: 150,
        maxDepth: 3,
        maxLeaves: 8,
        minChildWeight: 2,
        lambda: 0.5,
        subsample: 0.7,
        colsample: 0.6,
        windowFeatures: ['last', 'slope'],
        driveModelInput: false,
        capacityInput: true,
        ruleInput: false,
        monotoneCounters: false,
        ensemble: 3,
      },
      {
        model: 'conv-ae',
        attributes: undefined,
        windowDays: 14,
        horizonDays: 7,
        loss: { kind: 'mse' },
        learningRate: 0.002,
        earlyStopPatience: 2,
        seed: 4,
        folds: 3,
        valFraction: 0.1,
        testFromDay: '2013-05-01',
        filters: 48,
        dropout: 0.1,
        oversample: 1,
        clipNorm: 0.5,
        epochs: 7,
        batchSize: 128,
        maxWindowsPerEpoch: 5000,
        spike: { kind: 'robust', factor: 10, robustZ: 6, window: 200, action: 'rollback' },
        dailyChanges: false,
        scaleByModel: true,
        backend: 'native',
      },
    ];
    for (const c of configs) {
      const form = new TrainFormState();
      form.fill(c);
      expect(form.config()).toEqual(c);
    }
  });

  test('only the settings the chosen kind reads are sent', () => {
    const form = new TrainFormState();
    form.model = 'conv-ae';
    expect(form.config()).toHaveProperty('filters', 32);
    expect(form.config()).not.toHaveProperty('units');
    form.model = 'lstm-clf';
    expect(form.config()).toHaveProperty('units', 128);
    expect(form.config()).not.toHaveProperty('filters');
    form.model = 'gbdt';
    for (const sequenceOnly of ['epochs', 'batchSize', 'units', 'filters', 'spike', 'backend'])
      expect(form.config()).not.toHaveProperty(sequenceOnly);
    expect(form.trees).toBe(true);
    expect(form.autoencoder).toBe(false);
  });

  test('a time split sends no test share; percentages become fractions', () => {
    const form = new TrainFormState();
    form.valPercent = 12.5;
    form.testPercent = 20;
    expect(form.config()).toMatchObject({ valFraction: 0.125, testFraction: 0.2 });
    form.testFromDay = '2013-06-01';
    expect(form.config()).toMatchObject({ testFromDay: '2013-06-01' });
    expect(form.config()).not.toHaveProperty('testFraction');
  });

  test('the loss carries the fields of its kind only', () => {
    const form = new TrainFormState();
    form.lossKind = 'weighted-bce';
    form.positiveWeight = 40;
    expect(form.config().loss).toEqual({ kind: 'weighted-bce', positiveWeight: 40 });
    form.lossKind = 'hard-negative';
    expect(form.config().loss).toEqual({ kind: 'hard-negative', ratio: 3 });
  });

  test('a partial config changes only what it names; attributes given turn automatic choice off', () => {
    const form = new TrainFormState();
    form.fill({ epochs: 9 });
    expect(form.epochs).toBe(9);
    expect(form.windowDays).toBe(4);
    expect(form.autoAttributes).toBe(true);
    form.fill({ attributes: ['smart_9_raw'] });
    expect(form.autoAttributes).toBe(false);
    expect(form.config().attributes).toEqual(['smart_9_raw']);
  });
});
