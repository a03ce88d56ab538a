import type { EvalLabels } from '../api-types';
import { dataSpan } from '../catalogue/windows';
import type { Db } from '../store/db';

/** What the analysts' verdicts say of a drive: failing (and from which day), or healthy. */
export interface VerdictLabel {
  positive: boolean;
  /** Positives: the day the drive counts as failed (its failure in the data, else its last day in the fleet). */
  day: number;
}

export interface VerdictLabelSet {
  byDrive: Map<number, VerdictLabel>;
  positives: number;
  negatives: number;
  holdDays: number;
}

/**
 * The analysts' verdicts as labels, each drive by its latest verdict (a note decides nothing): confirmed failing
 * or replaced is a positive, from the day it failed in the data or else its last day in the fleet (a replaced
 * drive reports no more); a false alarm is a negative once the data has run `holdDays` days past its alert
 * without the drive failing (a false alarm that then failed is a positive: the data overrules). Acknowledged
 * and snoozed drives are not labelled.
 */
export function verdictLabels(db: Db, holdDays: number): VerdictLabelSet {
  const today = dataSpan(db).hi ?? 0;
  const rows = db
    .prepare(
      `SELECT r.drive_id, r.verdict, r.alert_day, d.failure_day, d.last_day FROM reviews r
       JOIN (SELECT drive_id, max(id) AS id FROM reviews WHERE verdict != 'note' GROUP BY drive_id) m ON m.id = r.id
       JOIN drives d ON d.id = r.drive_id`,
    )
    .all() as {
    drive_id: number;
    verdict: string;
    alert_day: number;
    failure_day: number | null;
    last_day: number;
  }[];
  const byDrive = new Map<number, VerdictLabel>();
  let positives = 0;
  let negatives = 0;
  for (const r of rows) {
    const failing = r.verdict === 'confirmed' || r.verdict === 'replaced';
    const falseAlarm = r.verdict === 'false-alarm';
    if (failing || (falseAlarm && r.failure_day !== null)) {
      byDrive.set(r.drive_id, { positive: true, day: r.failure_day ?? r.last_day });
      positives++;
    } else if (falseAlarm && today - r.alert_day >= holdDays) {
      byDrive.set(r.drive_id, { positive: false, day: -1 });
      negatives++;
    }
  }
  return { byDrive, positives, negatives, holdDays };
}

/** How a run is labelled, in words for the Threshold tab and the report. */
export function labelsInWords(labels: EvalLabels, v: VerdictLabelSet | null): string {
  const verdicts = v
    ? `${v.positives} confirmed failing or replaced, ${v.negatives} false alarm${v.negatives === 1 ? '' : 's'} held ${v.holdDays} days`
    : '';
  if (labels === 'verdicts') return `labelled by the analysts' verdicts only (${verdicts})`;
  if (labels === 'both') return `labelled by the data's failures and the analysts' verdicts (${verdicts})`;
  return "labelled by the data's failures";
}
