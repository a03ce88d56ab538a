// The paired comparison with the rule as the engine answers it, for the renderer's tests.
import type { PairedDifference } from '../../../src-main/engine/api-types';

/** The model 22 points ahead of the rule at `far`, with the interval given (null: too few drives for one). */
export const pairedDifference = (far: number, interval: [number, number] | null): PairedDifference => ({
  far,
  model: 0.62,
  baseline: 0.4,
  difference: 0.22,
  interval,
});
