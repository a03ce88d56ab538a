import { ApiError, type EvalLabels, type EvalSeries, type ModelKind } from '../api-types';
import { triageSettings } from '../triage/settings';
import { labelsInWords, verdictLabels, type VerdictLabelSet } from './verdict-labels';
import { formatDay, parseDay } from '../import/row-fields';
import type { ResolvedTrainConfig } from '../model/run-store';
import { readSplitRecord, SPLIT_CODE } from '../model/split-record';
import { RunWindows, type StoredWindows } from '../model/score-store';
import type { Db } from '../store/db';

/**
 * A scored run's evaluation set in flat arrays: the test drives (or, with a
 * time split, every drive's windows from the cut on), their windows in time
 * order with labels, and the scores of the model and of the baselines.
 */
export interface EvalData {
  runId: number;
  kind: ModelKind;
  horizonDays: number;
  /** Runs with equal keys share a test set (see split-record.ts); null for runs without a recorded split. */
  splitKey: string | null;
  evaluationSet: string;
  labels: EvalLabels;
  notices: string[];
  /** Drives the run scored: the fleet its queue would watch. */
  scoredDrives: number;
  /**
   * Fleet alerts per alert on the set: scored drives over the set's drives, where the set is a random share of
   * the drives (held-out drives, folds, a time split; the data's labels or both); null for verdict labels only
   * (drives picked by their alerts).
   */
  fleetScale: number | null;
  /** First and last window end day of the set (days since 1970-01-01). */
  firstDay: number;
  lastDay: number;
  /** Per drive of the set. */
  driveIds: Int32Array;
  failureDay: Int32Array;
  drivePositive: Uint8Array;
  /** Drive d's windows are offsets[d] .. offsets[d+1]-1. */
  offsets: Int32Array;
  /** Per window. */
  endDay: Int32Array;
  windowLabel: Uint8Array;
  windowDrive: Int32Array;
  scores: Partial<Record<EvalSeries, Float32Array>>;
}

interface ScoreRow {
  drive_id: number;
  failure_day: number | null;
  split: number | null;
  end_days: Buffer;
  window_scores: Buffer;
  rule_scores: Buffer | null;
  robust_scores: Buffer | null;
}

/**
 * Which drives a run is measured on: its evaluation set (the held-out test drives, every drive under folds, every
 * drive's windows from a time split's cut), or its validation drives, which it did not train on either (they only
 * stopped its training early) and which a search selects trials on, so that the evaluation set stays unseen by the
 * choice of the best trial.
 */
export type EvalSetName = 'evaluation' | 'validation';

export function loadEvalData(
  db: Db,
  runId: number,
  labels: EvalLabels = 'data',
  which: EvalSetName = 'evaluation',
): EvalData {
  const run = db.prepare('SELECT kind, config, weights_dir FROM runs WHERE id = ?').get(runId) as
    { kind: ModelKind; config: string; weights_dir: string | null } | undefined;
  if (!run) throw new ApiError('not-found', `no training run with id ${runId}`);
  const config = JSON.parse(run.config) as ResolvedTrainConfig;
  const record = run.weights_dir ? readSplitRecord(run.weights_dir) : null;
  const rows = db
    .prepare(
      `SELECT s.drive_id, d.failure_day, s.split, s.end_days, s.window_scores, s.rule_scores, s.robust_scores
       FROM scores s JOIN drives d ON d.id = s.drive_id WHERE s.run_id = ? ORDER BY s.drive_id`,
    )
    .all(runId) as ScoreRow[];
  if (rows.length === 0)
    throw new ApiError('conflict', `run ${runId} has not been scored yet: score it first (runs/score)`);
  const notices: string[] = [];
  const H = config.horizonDays;
  const testFrom = config.testFromDay ? parseDay(config.testFromDay) : null;
  const splitKnown = record !== null && rows.every((r) => r.split !== null);
  let evaluationSet: string;
  if (!splitKnown) {
    evaluationSet = 'every scored drive';
    notices.push(
      `run ${runId} was trained or scored before held-out drives were recorded: it is evaluated on every drive, including those it learned from, so its figures are optimistic. Train it again (and score it) for a fair test.`,
    );
  } else if (testFrom !== null) {
    evaluationSet = `every drive's windows ending on or after ${config.testFromDay} (time split)`;
  } else if ((config.folds ?? 0) >= 2) {
    evaluationSet = `all ${record.test.length} drives, ${config.folds}-fold cross-validated (each scored by the model that did not train on it)`;
  } else {
    evaluationSet = `the ${record.test.length} held-out test drives (${Math.round(config.testFraction * 100)}% of the drives, split by drive)`;
  }
  if (which === 'validation') {
    if (!splitKnown || record.val.length === 0)
      throw new ApiError(
        'conflict',
        `run ${runId} has no validation drives (${(config.folds ?? 0) >= 2 ? 'cross-validated: every drive is in its evaluation' : 'none recorded'})`,
      );
    evaluationSet = `the ${record.val.length} validation drives (not trained on; they only stopped training early)${testFrom !== null ? `, windows before ${config.testFromDay}` : ''}`;
  }
  const hasRule = rows.every((r) => r.rule_scores !== null);
  const hasRobust = rows.every((r) => r.robust_scores !== null);
  if (!hasRule || !hasRobust)
    notices.push(
      `run ${runId} was scored before the baselines were computed: score it again to compare with them`,
    );

  const kept: Kept[] = [];
  let windows = 0;
  const stored = new RunWindows(db, runId);
  // The set's drives and the days it covers: the test drives (every drive from a time split's cut on), or the
  // validation drives before the cut (after it, their windows are the test period's).
  const cut = splitKnown ? testFrom : null;
  const inSet = (r: ScoreRow): boolean =>
    which === 'validation'
      ? r.split === SPLIT_CODE.val
      : !splitKnown || cut !== null || r.split === SPLIT_CODE.test;
  const period =
    which === 'validation'
      ? { from: -Infinity, to: cut ?? Infinity }
      : { from: cut ?? -Infinity, to: Infinity };
  for (const r of rows) {
    if (!inSet(r)) continue;
    let w = stored.of(r.drive_id, r);
    if (period.to !== Infinity) w = before(w, period.to);
    const ends = w.ends;
    let from = 0;
    while (from < ends.length && ends[from] < period.from) from++;
    if (from === ends.length) continue;
    const failed = r.failure_day !== null && r.failure_day >= period.from && r.failure_day < period.to;
    kept.push({ row: r, w, from, ends, positive: failed });
    windows += ends.length - from;
  }
  if (kept.length === 0)
    throw new ApiError(
      'conflict',
      `run ${runId} has no scored windows in its evaluation set (${evaluationSet})`,
    );
  const verdicts = labels === 'data' ? null : verdictLabels(db, triageSettings(db).falseAlarmHoldDays);
  if (verdicts) {
    const labelled = relabel(kept, labels, verdicts, notices);
    if (labelled.length === 0)
      throw new ApiError(
        'conflict',
        `no drive of run ${runId}'s evaluation set has a verdict that counts yet: mark drives confirmed failing, replaced or false alarm on the Today tab (false alarms count once held ${verdicts.holdDays} days)`,
      );
    kept.splice(0, kept.length, ...labelled);
    windows = kept.reduce((n, k) => n + k.ends.length - k.from, 0);
  }
  evaluationSet = `${evaluationSet}, ${labelsInWords(labels, verdicts)}`;

  const n = kept.length;
  const data: EvalData = {
    runId,
    kind: run.kind,
    horizonDays: H,
    splitKey: splitKnown ? record.key : null,
    evaluationSet,
    labels,
    notices,
    scoredDrives: rows.length,
    // A time split's set is every drive over its period already (drives gone before the cut alert in it no more).
    fleetScale: labels === 'verdicts' ? null : splitKnown && testFrom !== null ? 1 : rows.length / n,
    firstDay: Infinity,
    lastDay: -Infinity,
    driveIds: new Int32Array(n),
    failureDay: new Int32Array(n),
    drivePositive: new Uint8Array(n),
    offsets: new Int32Array(n + 1),
    endDay: new Int32Array(windows),
    windowLabel: new Uint8Array(windows),
    windowDrive: new Int32Array(windows),
    scores: {
      model: new Float32Array(windows),
      ...(hasRule ? { 'backblaze-rule': new Float32Array(windows) } : {}),
      ...(hasRobust ? { 'robust-z': new Float32Array(windows) } : {}),
    },
  };
  let w = 0;
  kept.forEach((k, d) => {
    const fail = k.failDay ?? k.row.failure_day ?? -1;
    data.driveIds[d] = k.row.drive_id;
    data.failureDay[d] = fail;
    data.drivePositive[d] = k.positive ? 1 : 0;
    data.offsets[d] = w;
    const len = k.ends.length - k.from;
    data.endDay.set(k.ends.subarray(k.from), w);
    data.scores.model!.set(k.w.scores.subarray(k.from), w);
    if (hasRule) data.scores['backblaze-rule']!.set(k.w.rule.subarray(k.from), w);
    if (hasRobust) data.scores['robust-z']!.set(k.w.robust!.subarray(k.from), w);
    for (let i = w; i < w + len; i++) {
      const e = data.endDay[i];
      data.windowLabel[i] = fail >= 0 && fail - e >= 0 && fail - e <= H ? 1 : 0;
      data.windowDrive[i] = d;
    }
    data.firstDay = Math.min(data.firstDay, data.endDay[w]);
    data.lastDay = Math.max(data.lastDay, data.endDay[w + len - 1]);
    w += len;
  });
  data.offsets[n] = w;
  return data;
}

/** A drive's windows ending before `day`. */
function before(w: StoredWindows, day: number): StoredWindows {
  let n = 0;
  while (n < w.ends.length && w.ends[n] < day) n++;
  return {
    ends: w.ends.subarray(0, n),
    scores: w.scores.subarray(0, n),
    rule: w.rule.subarray(0, Math.min(n, w.rule.length)),
    robust: w.robust ? w.robust.subarray(0, n) : null,
    dayErrors: w.dayErrors,
  };
}

type Kept = {
  row: ScoreRow;
  /** The drive's windows (its row's and those appended since). */
  w: StoredWindows;
  from: number;
  ends: Int32Array;
  positive: boolean;
  /** The day a drive counts as failed, where verdicts decide it (else the data's failure day). */
  failDay?: number;
};

/**
 * The evaluation set under the analysts' verdicts: only the drives they labelled ('verdicts'), or every drive with
 * the verdicts' positives added ('both'). Says how many labelled drives lie outside the run's evaluation set.
 */
function relabel(kept: Kept[], labels: EvalLabels, v: VerdictLabelSet, notices: string[]): Kept[] {
  const inSet = kept.filter((k) => v.byDrive.has(k.row.drive_id)).length;
  if (inSet < v.byDrive.size)
    notices.push(
      `${v.byDrive.size - inSet} of the ${v.byDrive.size} drives with a verdict are outside this run's evaluation set (drives it trained on, or without a scored window there) and are not counted`,
    );
  const out: Kept[] = [];
  for (const k of kept) {
    const label = v.byDrive.get(k.row.drive_id);
    if (labels === 'verdicts') {
      if (label) out.push({ ...k, positive: label.positive, failDay: label.positive ? label.day : -1 });
    } else if (label?.positive && !k.positive) out.push({ ...k, positive: true, failDay: label.day });
    else out.push(k);
  }
  return out;
}

/** "drive ZA1234 (window ending 2024-01-05)": names a window in error messages. */
export function describeWindow(db: Db, data: EvalData, i: number): string {
  const serial = db
    .prepare('SELECT serial FROM drives WHERE id = ?')
    .pluck()
    .get(data.driveIds[data.windowDrive[i]]);
  return `drive ${String(serial)} (window ending ${formatDay(data.endDay[i])}) in run ${data.runId}`;
}
