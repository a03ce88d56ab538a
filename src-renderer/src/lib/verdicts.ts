import type { Verdict } from '../../../src-main/engine/api-types';

const LABELS: Record<Verdict, string> = {
  acknowledged: 'Acknowledged',
  confirmed: 'Confirmed failing',
  replaced: 'Replaced',
  'false-alarm': 'False alarm',
  snoozed: 'Snoozed',
  note: 'Note',
};

export const verdictLabel = (v: Verdict): string => LABELS[v];

/** The queue's one-key verdicts (snooze and note ask for their value first). */
export const VERDICT_KEYS: Record<string, Verdict | undefined> = {
  a: 'acknowledged',
  c: 'confirmed',
  r: 'replaced',
  f: 'false-alarm',
};

/**
 * A sparkline's polyline points in a width x height box: the values scaled between their min and max (and the
 * threshold, so its line is always inside), oldest on the left. Also the threshold's y.
 */
export function sparkPoints(
  values: number[],
  threshold: number | null,
  width: number,
  height: number,
): { points: string; thresholdY: number | null } {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { points: '', thresholdY: null };
  const all = threshold === null ? finite : [...finite, threshold];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const span = hi - lo || 1;
  const y = (v: number): number => +(height - 1 - ((v - lo) / span) * (height - 2)).toFixed(1);
  const step = values.length > 1 ? (width - 2) / (values.length - 1) : 0;
  const points = values
    .map((v, i) => (Number.isFinite(v) ? `${+(1 + i * step).toFixed(1)},${y(v)}` : null))
    .filter((p) => p !== null)
    .join(' ');
  return { points, thresholdY: threshold === null ? null : y(threshold) };
}
