/**
 * The threshold slider's scale. Reconstruction errors span orders of magnitude,
 * so a positive score range wider than 100x is walked on a log scale; anything
 * else (probabilities) linearly. The slider holds 0..STEPS.
 */
export const STEPS = 1000;

export interface ThresholdScale {
  toThreshold(step: number): number;
  toStep(threshold: number): number;
  log: boolean;
}

export function thresholdScale(min: number, max: number): ThresholdScale {
  const log = min > 0 && max / min > 100;
  const lo = log ? Math.log(min) : min;
  const hi = log ? Math.log(max) : max;
  const span = hi - lo || 1;
  return {
    log,
    toThreshold: (step) => {
      const v = lo + (span * step) / STEPS;
      return log ? Math.exp(v) : v;
    },
    toStep: (t) => {
      const v = log ? Math.log(Math.max(t, min)) : t;
      return Math.max(0, Math.min(STEPS, Math.round(((v - lo) / span) * STEPS)));
    },
  };
}

/** A threshold as people read it: four significant digits. */
export const fmtThreshold = (t: number): string =>
  Number.isFinite(t) ? Number(t.toPrecision(4)).toString() : '–';

export const fmtRate = (v: number | null): string => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);

export const fmtInterval = (i: [number, number] | null): string =>
  i ? `${(i[0] * 100).toFixed(1)}–${(i[1] * 100).toFixed(1)}%` : '';
