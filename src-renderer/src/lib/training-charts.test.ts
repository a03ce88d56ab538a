import { describe, expect, test } from 'vitest';
import type { BatchRecord } from '../../../src-main/engine/api-types';
import {
  decimated,
  gradientTraces,
  importanceTraces,
  lossTraces,
  MANY_SPIKES,
  MAX_POINTS,
  TOP_FEATURES,
} from './training-charts';

const batches = (n: number, spikeEvery: number): BatchRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    epoch: 0,
    batch: i,
    loss: 0.1 + (i % 7) / 100,
    gradNorm: 1,
    learningRate: 1e-3,
    spike: spikeEvery > 0 && i % spikeEvery === 0,
  }));

describe('loss spikes on the chart', () => {
  test('a few are crosses on the curve at their loss', () => {
    const spikes = lossTraces({ batches: batches(100, 40), epochs: [] }).at(-1)!;
    expect(spikes.name).toBe('loss spikes');
    expect(spikes.y).toEqual([0.1, 0.1 + 5 / 100, 0.1 + 3 / 100]);
  });

  test("many are a strip of ticks above the curve, each spike's loss kept for its hover", () => {
    const b = batches(1000, 5);
    const spikes = lossTraces({ batches: b, epochs: [] }).at(-1)! as {
      name: string;
      y: number[];
      customdata: number[];
    };
    expect(spikes.y.length).toBeGreaterThan(MANY_SPIKES);
    expect(spikes.name).toMatch(/as a strip/);
    const top = Math.max(...b.map((x) => x.loss));
    expect(new Set(spikes.y)).toEqual(new Set([top * 1.6]));
    expect(spikes.customdata[1]).toBe(b[5].loss);
  });
});

describe('long runs are drawn thinned', () => {
  test('at most MAX_POINTS per series at 100,000 batches; every bucket keeps its extremes, in batch order', () => {
    const ys = Array.from(
      { length: 100_000 },
      (_, i) => Math.sin(i / 50) + (i === 73_421 ? 40 : 0) - (i === 5_000 ? 9 : 0),
    );
    const d = decimated(ys);
    expect(d.x.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(d.x.length).toBe(d.y.length);
    for (let i = 1; i < d.x.length; i++) expect(d.x[i]).toBeGreaterThan(d.x[i - 1]);
    expect(Math.max(...d.y)).toBe(Math.max(...ys));
    expect(Math.min(...d.y)).toBe(Math.min(...ys));
    expect(d.y[d.x.indexOf(73_422)]).toBe(ys[73_421]);
    expect(decimated([3, 1, 2])).toEqual({ x: [1, 2, 3], y: [3, 1, 2] });
  });

  test('the loss and gradient charts stay within the budget', () => {
    const b = batches(50_000, 0);
    const traces = [...lossTraces({ batches: b, epochs: [] }), ...gradientTraces({ batches: b, epochs: [] })];
    for (const t of traces) expect((t.x as number[]).length).toBeLessThanOrEqual(MAX_POINTS);
  });
});

describe("the trees' importance", () => {
  test('the largest gains, none at zero, named with their window statistic', () => {
    const importance = [
      { feature: 'smart_5_raw:slope', gain: 9 },
      { feature: 'capacity', gain: 4 },
      ...Array.from({ length: 20 }, (_, i) => ({ feature: `smart_${i}_raw:last`, gain: 3 - i / 10 })),
      { feature: 'smart_199_raw:max', gain: 0 },
    ];
    const [bars] = importanceTraces(importance, (c) => c.toUpperCase());
    expect(bars.y).toHaveLength(TOP_FEATURES);
    expect((bars.y as string[]).slice(0, 3)).toEqual([
      'SMART_5_RAW · slope',
      'CAPACITY',
      'SMART_0_RAW · last',
    ]);
    expect(bars.x).toEqual(importance.slice(0, TOP_FEATURES).map((r) => r.gain));
    expect(importanceTraces([{ feature: 'smart_9_raw:min', gain: 0 }], String)[0].y).toEqual([]);
  });
});
