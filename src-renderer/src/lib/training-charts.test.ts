import { describe, expect, test } from 'vitest';
import type { BatchRecord } from '../../../src-main/engine/api-types';
import { lossTraces, MANY_SPIKES } from './training-charts';

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
