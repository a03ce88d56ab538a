import { describe, expect, test } from 'vitest';
import { DEFAULT_SEARCH_FORM, formOf, settingsOf, type SearchForm } from './search-space';

describe('the Search form and the settings the engine stores', () => {
  test('the default form round-trips through the stored settings', () => {
    expect(formOf(settingsOf(DEFAULT_SEARCH_FORM))).toEqual(DEFAULT_SEARCH_FORM);
  });

  test('every kind of dimension, a detection objective and a time budget round-trip', () => {
    const f: SearchForm = {
      ...DEFAULT_SEARCH_FORM,
      model: 'gbdt',
      dims: [
        { name: 'maxDepth', type: 'int', min: 2, max: 8, step: 2, log: false, values: '' },
        { name: 'subsample', type: 'float', min: 0.5, max: 1, step: 1, log: false, values: '' },
        { name: 'ensemble', type: 'categorical', min: 0, max: 1, step: 1, log: false, values: 'true, false' },
      ],
      objectiveKind: 'detection-at-far',
      farPercent: 5,
      maxMinutes: 30,
    };
    const s = settingsOf(f);
    expect(s.objective).toEqual({ kind: 'detection-at-far', far: 0.05 });
    expect(s.space.dimensions).toEqual({
      maxDepth: { type: 'int', min: 2, max: 8, step: 2 },
      subsample: { type: 'float', min: 0.5, max: 1 },
      ensemble: { type: 'categorical', values: [true, false] },
    });
    expect(formOf(s)).toEqual(f);
  });

  test('no time budget is stored as none, and settings without a space keep the default rows', () => {
    expect(settingsOf({ ...DEFAULT_SEARCH_FORM, maxMinutes: 0 }).maxMinutes).toBeNull();
    const bare = formOf({ space: { dimensions: {} }, objective: { kind: 'val-loss' }, trials: 3 });
    expect(bare.dims).toEqual(DEFAULT_SEARCH_FORM.dims);
    expect(bare.trials).toBe(3);
  });
});
