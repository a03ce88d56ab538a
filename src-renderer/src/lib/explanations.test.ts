import { describe, expect, test } from 'vitest';
import { noExplanation } from './explanations';

describe('explanations', () => {
  test('the classifier says plainly why it has none; trees and autoencoders have theirs', () => {
    expect(noExplanation('lstm-clf')).toMatch(/one probability per window, not a share per attribute/);
    expect(noExplanation('gbdt')).toBeNull();
    expect(noExplanation('lstm-ae')).toBeNull();
    expect(noExplanation('conv-ae')).toBeNull();
  });
});
