import { describe, expect, test } from 'vitest';
import type { FleetHeatmap } from '../../../src-main/engine/api-types';
import { cellInWords, colourCeiling, colourScale, heatmapFigure, moveCell, serialAt } from './heatmap';

const h: FleetHeatmap = {
  runId: 1,
  scoreName: 'reconstruction error (MSE)',
  total: 3,
  drives: [
    { serial: 'A', model: 'M', failureDay: '2024-01-02', score: 9, split: 'test' },
    { serial: 'B', model: 'M', failureDay: null, score: 5, split: 'train' },
    { serial: 'C', model: 'M', failureDay: '2023-06-01', score: 1, split: null },
  ],
  days: ['2024-01-01', '2024-01-02'],
  z: [3, 9, null, 5, 1, 0.5],
};

describe('the fleet heatmap figure', () => {
  test('one numbered row per drive, its serial and split riding along for hover and click', () => {
    const [cells, failures] = heatmapFigure(h).data;
    expect(cells.y).toEqual([0, 1, 2]);
    expect(cells.z).toEqual([
      [3, 9],
      [null, 5],
      [1, 0.5],
    ]);
    expect(cells.customdata).toEqual([
      ['A (test)', 'A (test)'],
      ['B (train)', 'B (train)'],
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
    expect(few.ticktext).toEqual(['A (test)', 'B (train)', 'C']);
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

  test('with a threshold the colours break at it: every cell at or above it is in the dark part', () => {
    const { zmax, colorscale, thresholdAt } = colourScale(2, 4);
    expect(zmax).toBe(5);
    expect(thresholdAt).toBe(4);
    const stops = colorscale as [number, string][];
    const at = stops.findIndex(([f]) => f === 4 / 5);
    expect(stops[at][1]).toBe('#bd0026');
    expect(stops.slice(0, at).every(([f]) => f < 0.8)).toBe(true);
    expect(colourScale(10, 4).zmax).toBe(10);
    expect(colourScale(10, null).thresholdAt).toBeNull();
    const bar = (heatmapFigure(h, { threshold: 4 }).data[0].colorbar as Record<string, unknown>).ticktext;
    expect(bar).toContain('threshold');
  });

  test('tall heatmaps show their dates along the top too; the keyboard cell is outlined', () => {
    expect((heatmapFigure(h).layout as Record<string, unknown>).xaxis2).toBeUndefined();
    const tall: FleetHeatmap = {
      ...h,
      drives: Array.from({ length: 40 }, (_, i) => ({ ...h.drives[1], serial: `S${i}` })),
      z: new Array<number | null>(80).fill(1),
    };
    const f = heatmapFigure(tall, { cell: { row: 3, col: 1 } });
    expect((f.layout.xaxis2 as Record<string, unknown>).side).toBe('top');
    expect(f.data.some((t) => t.xaxis === 'x2')).toBe(true);
    expect(f.layout.shapes).toEqual([expect.objectContaining({ x0: 0.5, x1: 1.5, y0: 2.5, y1: 3.5 })]);
    expect(heatmapFigure(tall, { cell: { row: 99, col: 0 } }).layout.shapes).toEqual([]);
  });

  test('the keyboard moves a cell at a time, clamped, and says where it is', () => {
    const c = { row: 0, col: 0 };
    expect(moveCell(c, 'ArrowDown', 3, 2)).toEqual({ row: 1, col: 0 });
    expect(moveCell(c, 'ArrowUp', 3, 2)).toEqual({ row: 0, col: 0 });
    expect(moveCell(c, 'End', 3, 2)).toEqual({ row: 0, col: 1 });
    expect(moveCell({ row: 1, col: 1 }, 'Home', 3, 2)).toEqual({ row: 1, col: 0 });
    expect(moveCell(c, 'PageDown', 3, 2)).toEqual({ row: 2, col: 0 });
    expect(moveCell(c, 'Enter', 3, 2)).toBeNull();
    expect(cellInWords(h, { row: 0, col: 1 })).toBe(
      'Row 1 of 3: A (test), M, 2024-01-02: reconstruction error (MSE) 9; failed 2024-01-02',
    );
    expect(cellInWords(h, { row: 1, col: 0 })).toContain('no window ends that day');
  });
});
