/**
 * Seconds left for work `fraction` done in `seconds`, at the pace so far; null until `fraction` reaches
 * `settledAt` (an estimate from the first moments mostly measures start-up).
 */
export function secondsLeft(fraction: number, seconds: number, settledAt = 0.02): number | null {
  return fraction > settledAt && fraction > 0 ? (seconds / fraction) * (1 - fraction) : null;
}
