import type { EvalReport } from '../api-types';

/**
 * A threshold's alert load in words, for the CLI, reports and the Threshold tab: the fleet's queue where the
 * evaluation set estimates it, then the set's own count.
 */
export function alertsInWords(
  r: Pick<EvalReport, 'alertsPerDay' | 'fleetAlertsPerDay' | 'fleetDrives'>,
): string {
  const set = `${r.alertsPerDay.toFixed(2)} drives a day first alerting on the evaluation set`;
  if (r.fleetAlertsPerDay === null) return set;
  return `about ${r.fleetAlertsPerDay.toFixed(2)} alerts a day across the ${r.fleetDrives.toLocaleString('en-US')} drives scored (${set})`;
}

/**
 * An alert budget's threshold in words: across the fleet where the set estimates it (`fleetDrives`, the drives the
 * run scored), else on the evaluation set's drives.
 */
export function budgetInWords(alerts: number, per: 'day' | 'week', fleetDrives: number | null): string {
  const s = alerts === 1 ? '' : 's';
  return fleetDrives === null
    ? `the lowest threshold that flags at most ${alerts} drive${s} of the evaluation set per ${per}`
    : `the lowest threshold giving at most ${alerts} alert${s} per ${per} across the ${fleetDrives.toLocaleString('en-US')} drives scored`;
}
