import { describe, expect, test } from 'vitest';
import type { TrainConfig } from '../../../src-main/engine/api-types';
import { comparableLosses, runSettings, settingDifferences, settingText } from './run-compare';

const lstm = {
  kind: 'lstm-ae' as const,
  config: { model: 'lstm-ae', units: 128, filters: 32, loss: { kind: 'mse' } } as TrainConfig,
};
const conv = {
  kind: 'conv-ae' as const,
  config: { model: 'conv-ae', units: 64, filters: 32, loss: { kind: 'mse' } } as TrainConfig,
};
const focal = {
  kind: 'lstm-clf' as const,
  config: { model: 'lstm-clf', units: 64, loss: { kind: 'focal', gamma: 2, alpha: 0.25 } } as TrainConfig,
};
const weighted = {
  kind: 'lstm-clf' as const,
  config: { ...focal.config, loss: { kind: 'weighted-bce', positiveWeight: 100 } } as TrainConfig,
};

describe('comparing two runs', () => {
  test('settings read as values, not JSON', () => {
    expect(settingText('lstm-ae')).toBe('lstm-ae');
    expect(settingText(true)).toBe('yes');
    expect(settingText(['last', 'max'])).toBe('last, max');
    expect(settingText({ kind: 'focal', gamma: 2, alpha: 0.25 })).toBe('focal (alpha 0.25, gamma 2)');
    expect(settingText({ window: 200, factor: 10 })).toBe(settingText({ factor: 10, window: 200 }));
  });

  test('a setting only one kind reads shows as – for the other; one neither reads is left out', () => {
    const d = settingDifferences(lstm, conv);
    expect(d.find((x) => x.key === 'model')).toEqual({ key: 'model', a: 'lstm-ae', b: 'conv-ae' });
    expect(d.find((x) => x.key === 'units')).toEqual({ key: 'units', a: '128', b: '–' });
    expect(d.find((x) => x.key === 'filters')).toEqual({ key: 'filters', a: '–', b: '32' });
  });

  test('losses share a chart only when they are the same loss', () => {
    expect(comparableLosses(lstm, conv)).toEqual({ comparable: true });
    expect(comparableLosses(lstm, focal)).toEqual({
      comparable: false,
      why: 'an autoencoder and a classifier minimise different losses',
    });
    const why = comparableLosses(focal, weighted);
    expect(why).toEqual({
      comparable: false,
      why: 'the losses differ (focal (alpha 0.25, gamma 2) against weighted-bce (positiveWeight 100))',
    });
  });
});

describe("a run's settings, read-only", () => {
  test('the settings its kind reads, as text, the ones that differ from the defaults marked', () => {
    const config = {
      model: 'conv-ae',
      windowDays: 16,
      filters: 32,
      units: 64,
      rounds: 300,
      epochs: 4,
      loss: { kind: 'mse' },
      dailyChanges: true,
    } as TrainConfig;
    const defaults = { ...config, windowDays: 4, epochs: 10 } as TrainConfig;
    const rows = runSettings({ kind: 'conv-ae', config }, defaults);
    expect(rows.map((r) => r.key)).toEqual(['dailyChanges', 'epochs', 'filters', 'loss', 'windowDays']);
    expect(rows.find((r) => r.key === 'loss')).toEqual({ key: 'loss', value: 'mse', isDefault: true });
    expect(rows.filter((r) => !r.isDefault).map((r) => `${r.key} ${r.value}`)).toEqual([
      'epochs 4',
      'windowDays 16',
    ]);
    expect(rows.find((r) => r.key === 'dailyChanges')?.value).toBe('yes');
    expect(runSettings({ kind: 'conv-ae', config }, null).every((r) => r.isDefault === null)).toBe(true);
  });
});
