import { describe, expect, test } from 'vitest';
import { detail } from '../test-fixtures/search';
import {
  bestSoFar,
  fmtObjective,
  fmtParam,
  historyFigure,
  importanceFigure,
  objectiveLabel,
  parallelFigure,
} from './search-figures';

describe('search figures', () => {
  test('best so far follows the direction', () => {
    expect(bestSoFar([3, 1, 2, 0.5], 'minimize')).toEqual([3, 1, 1, 0.5]);
    expect(bestSoFar([0.2, 0.5, 0.4], 'maximize')).toEqual([0.2, 0.5, 0.5]);
  });

  test('history: finished trials, stopped ones apart, the best-so-far line; failed trials left out', () => {
    const [done, pruned, best] = historyFigure(detail('minimize')).data;
    expect(done.x).toEqual([0, 1, 3]);
    expect(pruned.x).toEqual([2]);
    expect(best.y).toEqual([0.9, 0.7, 0.7]);
    expect(objectiveLabel(detail('maximize'))).toBe('detection at 1% false alarms');
  });

  test('parallel coordinates: each axis scaled to its range (log where searched so), categories evenly, better darker', () => {
    const f = parallelFigure(detail('minimize'));
    expect(f.data).toHaveLength(4); // measured trials
    const ys = f.data.map((l) => l.y as number[]);
    expect(ys[0][0]).toBeCloseTo(0.5); // 1e-3: the middle of 1e-4..1e-2 on a log scale
    expect(ys[1][0]).toBeCloseTo(0);
    expect(ys[2][1]).toBe(1); // weighted-bce: the third of three categories
    expect(ys[1][1]).toBe(0.5);
    // The objective axis: 0.7 lowest, 1.2 highest; the best trial (lowest loss) is drawn darkest and widest.
    expect(ys[1][2]).toBe(0);
    expect(ys[2][2]).toBe(1);
    const widths = f.data.map((l) => (l.line as { width: number }).width);
    expect(Math.max(...widths)).toBe(widths[1]);
  });

  test('importance: largest at the top; none before the surrogate is fitted', () => {
    const f = importanceFigure(detail('minimize'))!;
    expect(f.data[0].y).toEqual(['loss', 'learningRate']);
    expect(importanceFigure({ ...detail('minimize'), importance: null })).toBeNull();
  });
});

describe('search tables', () => {
  test('objectives to four digits; settings as numbers, whole numbers and words as they are', () => {
    expect([fmtObjective(0.123456), fmtObjective(null), fmtObjective(undefined)]).toEqual([
      '0.1235',
      '–',
      '–',
    ]);
    expect([
      fmtParam(0.000123456),
      fmtParam(64),
      fmtParam('focal'),
      fmtParam(true),
      fmtParam(undefined),
    ]).toEqual(['0.000123', '64', 'focal', 'true', '–']);
  });
});
