import { asScore, lowerBound, nextUp } from './score-set';

/**
 * How many alerts a threshold raises over a set of drives, as the run in service raises them (triage/alerts.ts): a
 * drive alerts where its score reaches the threshold after a window below it (or at its first window), so a drive
 * whose score dips and climbs again alerts again. A slider move must cost a binary search, not a pass over every
 * window: the alerts at t are the windows at or above t less the pairs of consecutive windows both at or above t,
 * so both are kept sorted (the pairs by their lower score).
 */
export class AlertRate {
  private constructor(
    /** Every window's score, ascending. */
    private readonly scores: Float32Array,
    /** For each pair of consecutive windows of a drive, the lower of their scores, ascending. */
    private readonly pairs: Float32Array,
  ) {}

  /** From window scores grouped by drive: drive d's windows, in order, are offsets[d] .. offsets[d+1]-1. */
  static from(windowScores: Float32Array, offsets: Int32Array): AlertRate {
    const drives = offsets.length - 1;
    const pairs = new Float32Array(Math.max(0, windowScores.length - drives));
    let k = 0;
    for (let d = 0; d < drives; d++)
      for (let i = offsets[d] + 1; i < offsets[d + 1]; i++)
        pairs[k++] = Math.min(windowScores[i - 1], windowScores[i]);
    return new AlertRate(Float32Array.from(windowScores).sort(), pairs.subarray(0, k).sort());
  }

  /** Alerts raised at `threshold` (compared in float32, as scores are stored). */
  alertsAt(threshold: number): number {
    const above = this.scores.length - lowerBound(this.scores, threshold);
    return above - (this.pairs.length - lowerBound(this.pairs, threshold));
  }

  /**
   * The lowest threshold at and above which at most `max` alerts are raised. The count is not monotone in the
   * threshold (lowering it can join two of a drive's alerts into one), so the walk goes down from the top score
   * and stops at the first threshold that raises more: no threshold above the one returned breaks the budget.
   */
  thresholdForAlerts(max: number): number {
    const s = this.scores;
    const p = this.pairs;
    if (s.length === 0) return 0;
    let i = s.length - 1;
    let j = p.length - 1;
    let alerts = 0;
    let last = nextUp(s[i]);
    while (i >= 0) {
      // The next distinct value down: every score and pair equal to it enter together.
      const v = Math.max(s[i], j >= 0 ? p[j] : -Infinity);
      while (i >= 0 && s[i] === v) {
        alerts++;
        i--;
      }
      while (j >= 0 && p[j] === v) {
        alerts--;
        j--;
      }
      if (alerts > Math.floor(max)) return last;
      last = v;
    }
    return asScore(last);
  }
}
