import { describe, expect, test } from 'vitest';
import { explanationOf, noExplanation } from './explanations';

describe('how each kind of run explains its windows', () => {
  test('every kind explains by attribute; only an LSTM classifier scored before it could asks to be scored again', () => {
    expect(noExplanation('lstm-clf')).toMatch(/score it again/);
    expect(noExplanation('gbdt')).toBeNull();
    expect(noExplanation('lstm-ae')).toBeNull();
    expect(noExplanation('conv-ae')).toBeNull();
  });

  test('trees and the classifier push toward failure; autoencoders err', () => {
    expect(explanationOf('gbdt').heatmap).toBe('Push toward failure');
    expect(explanationOf('lstm-clf').share).toMatch(/gradient × input/);
    expect(explanationOf('lstm-clf').colour).toBe('gradient × input');
    expect(explanationOf('conv-ae')).toEqual(explanationOf('lstm-ae'));
    expect(explanationOf('lstm-ae').share).toBe('reconstruction error');
  });
});
