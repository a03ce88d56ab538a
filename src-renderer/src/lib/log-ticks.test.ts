import { describe, expect, test } from 'vitest';
import { logAxisFor, logTicks, shortLabel } from './log-ticks';

describe('log-axis ticks', () => {
  test('1-2-5 per decade over a narrow range, with short labels', () => {
    const t = logTicks(0.003, 0.4);
    expect(t.tickvals).toEqual([0.005, 0.01, 0.02, 0.05, 0.1, 0.2]);
    expect(t.ticktext).toEqual(['0.005', '0.01', '0.02', '0.05', '0.1', '0.2']);
  });

  test('decades only over a wide range, every other one past eight; exponents outside 1e-3..1e4, never SI', () => {
    expect(logTicks(1e-9, 10).ticktext).toEqual(['1e-9', '1e-7', '1e-5', '0.001', '0.1', '10']);
    expect(logTicks(2e-6, 3).tickvals).toEqual([1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]);
    for (const label of logTicks(1e-9, 1e6).ticktext) expect(label).not.toMatch(/[μnmk]/);
  });

  test('a range inside one decade gets every digit; narrower, ticks around it; labels are exact', () => {
    expect(logTicks(0.28, 0.85).tickvals).toEqual([0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
    expect(logTicks(0.21, 0.29).tickvals.length).toBeGreaterThanOrEqual(2);
    expect(shortLabel(2e-5)).toBe('2e-5');
    expect(shortLabel(5000)).toBe('5000');
    expect(shortLabel(1e5)).toBe('1e5');
  });

  test('only the primary axis and positive values count', () => {
    const axis = logAxisFor([{ y: [0.5, null, 0.02, -1, 0] }, { y: [1e-9], yaxis: 'y2' }]);
    expect(axis).toMatchObject({ tickmode: 'array' });
    expect((axis as { tickvals: number[] }).tickvals).toEqual([0.02, 0.05, 0.1, 0.2, 0.5]);
    expect(logAxisFor([{ y: [null] }])).toEqual({});
  });
});
