/**
 * Median stopping (Golovin et al., Google Vizier, 2017): stop a trial whose best
 * validation loss after k epochs is worse than the median of the finished
 * trials' best losses over their first k epochs. Needs at least `minTrials`
 * finished trials that ran k epochs, so the first trials are never judged.
 */
export function medianStop(current: number[], finished: number[][], minTrials = 3): boolean {
  const k = current.length;
  if (k === 0) return false;
  const bests = finished.filter((v) => v.length >= k).map((v) => Math.min(...v.slice(0, k)));
  if (bests.length < minTrials) return false;
  bests.sort((a, b) => a - b);
  const m =
    bests.length % 2 ? bests[bests.length >> 1] : (bests[bests.length / 2 - 1] + bests[bests.length / 2]) / 2;
  return Math.min(...current) > m;
}
