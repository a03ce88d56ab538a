import { describe, expect, test } from 'vitest';
import type { FleetHeatmap } from '../../../src-main/engine/api-types';
import { colourCeiling, heatmapFigure, serialAt } from './heatmap';

const h: FleetHeatmap = {
  runId: 1,
  scoreName: 'reconstruction error (MSE)',
  total: 3,
  drives: [
    { serial: 'A', model: 'M', failureDay: '2024-01-02', score: 9 },
    { serial: 'B', model: 'M', failureDay: null, score: 5 },
    { serial: 'C', model: 'M', failureDay: '2023-06-01', score: 1 },
  ],
  days: ['2024-01-01', '2024-01-02'],
  z: [3, 9, null, 5, 1, 0.5],
};

describe('the fleet heatmap figure', () => {
  test('one numbered row per drive, its serial riding along for hover and click', () => {
    const [cells, failures] = heatmapFigure(h).data;
    expect(cells.y).toEqual([0, 1, 2]);
    expect(cells.z).toEqual([
      [3, 9],
      [null, 5],
      [1, 0.5],
    ]);
    expect(cells.customdata).toEqual([
      ['A', 'A'],
      ['B', 'B'],
      ['C', 'C'],
    ]);
    // Only failures inside the shown days are crossed, on their drive's row.
    expect(failures.x).toEqual(['2024-01-02']);
    expect(failures.y).toEqual([0]);
    expect(serialAt(h, 1)).toBe('B');
    expect(serialAt(h, 7)).toBeNull();
    expect(serialAt(h, 'B')).toBeNull();
  });

  test('few rows are labelled with serials; many are not', () => {
    const few = heatmapFigure(h).layout.yaxis as Record<string, unknown>;
    expect(few.ticktext).toEqual(['A', 'B', 'C']);
    const many: FleetHeatmap = {
      ...h,
      drives: Array.from({ length: 500 }, (_, i) => ({ ...h.drives[1], serial: `S${i}` })),
      z: new Array<number | null>(1000).fill(1),
    };
    expect((heatmapFigure(many).layout.yaxis as Record<string, unknown>).showticklabels).toBe(false);
  });

  test('the colour scale tops out at the 99th percentile, gaps ignored', () => {
    const v = [...Array.from({ length: 99 }, (_, i) => i / 98), 1000, null];
    expect(colourCeiling(v)).toBe(1000);
    expect(colourCeiling([...Array.from({ length: 199 }, () => 1), 1000])).toBe(1);
    expect(colourCeiling([null, null])).toBeNull();
  });
});
