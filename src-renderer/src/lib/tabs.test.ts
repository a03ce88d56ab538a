import { describe, expect, test } from 'vitest';
import { tabAfterKey } from './tabs';

describe('tabAfterKey', () => {
  test('arrows move to the neighbouring tab and wrap around the ends', () => {
    expect(tabAfterKey('ArrowRight', 0, 8)).toBe(1);
    expect(tabAfterKey('ArrowRight', 7, 8)).toBe(0);
    expect(tabAfterKey('ArrowLeft', 3, 8)).toBe(2);
    expect(tabAfterKey('ArrowLeft', 0, 8)).toBe(7);
  });
  test('Home and End go to the first and last tab', () => {
    expect(tabAfterKey('Home', 5, 8)).toBe(0);
    expect(tabAfterKey('End', 2, 8)).toBe(7);
  });
  test('other keys are left to the browser', () => {
    expect(tabAfterKey('Enter', 2, 8)).toBeNull();
    expect(tabAfterKey('ArrowDown', 2, 8)).toBeNull();
    expect(tabAfterKey('ArrowRight', 0, 0)).toBeNull();
  });
});
