import { describe, expect, test } from 'vitest';
import { countOf, fmtDuration } from './format';

describe('durations', () => {
  test('rounded to the second before they are split: never "1 min 60 s"', () => {
    expect(fmtDuration(119.6)).toBe('2 min 0 s');
    expect(fmtDuration(59.6)).toBe('1 min 0 s');
    expect(fmtDuration(44.4)).toBe('44 s');
    expect(fmtDuration(3725)).toBe('1 h 2 min');
    expect(fmtDuration(-3)).toBe('0 s');
    expect(fmtDuration(null)).toBe('–');
  });
});

describe('counts', () => {
  test('one is singular, every other count plural, with thousands separators', () => {
    expect(countOf(1, 'drive')).toBe('1 drive');
    expect(countOf(0, 'drive')).toBe('0 drives');
    expect(countOf(5057, 'drive')).toBe('5,057 drives');
    expect(countOf(2, 'analysis', 'analyses')).toBe('2 analyses');
  });
});
