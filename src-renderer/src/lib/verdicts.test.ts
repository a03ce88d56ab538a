import { describe, expect, test } from 'vitest';
import { sparkPoints } from './verdicts';

describe('sparkPoints', () => {
  test('scales between the lowest and highest value, the threshold included, oldest on the left', () => {
    const s = sparkPoints([0, 1, 2], 4, 12, 10);
    // x from 1 to 11; y: 4 (the threshold, the top) at 1, 0 at 9.
    expect(s.points).toBe('1,9 6,7 11,5');
    expect(s.thresholdY).toBe(1);
  });
  test('skips values that are not numbers, and draws nothing for none', () => {
    expect(sparkPoints([1, NaN, 1], null, 12, 10).points).toBe('1,9 11,9');
    expect(sparkPoints([], 1, 12, 10)).toEqual({ points: '', thresholdY: null });
  });
});
