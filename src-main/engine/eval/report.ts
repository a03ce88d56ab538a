import {
  ApiError,
  type EvalLevel,
  type EvalReport,
  type EvalReportRequest,
  type EvalRow,
  type EvalSeries,
  type IntervalPair,
  type ThresholdPreset,
} from '../api-types';
import { formatDay } from '../import/row-fields';
import { BACKBLAZE_RULE_THRESHOLD, ROBUST_Z_THRESHOLD } from './baselines';
import type { BootstrapInput } from './bootstrap';
import { bootstrapAsync, pairedComparisonAsync } from './bootstrap-async';
import { rocAucAndAp } from './curves';
import type { Evaluator } from './evaluator';
import { median, scoreName, type EvalSession } from './session';

/** The false-alarm rates the disk-failure literature reports detection at. */
export const FAR_POINTS = [0.001, 0.01, 0.05];
/**
 * Bootstrap replicates by level, where a request gives none. The drive level carries the verdict against the rule,
 * read off the 2.5th percentile of the replicates: with 200 that percentile moves by about a point from one seed
 * to the next, enough to flip the sample's verdict at FAR 1% (lower bound +0.0 at 200 replicates, +2.0 at 1,000,
 * +1.7 at 2,000). Window-level intervals cost windows x replicates and no verdict hangs on them.
 */
export const DEFAULT_BOOTSTRAP: Record<EvalLevel, number> = { drive: 1000, window: 200 };

interface RowMeta {
  name: string;
  source: EvalRow['source'];
  runId?: number;
  description: string;
  operatingPoint: string;
}

function bootstrapInput(
  s: EvalSession,
  level: EvalLevel,
  series: EvalSeries,
  lead: Float64Array,
): BootstrapInput {
  const n = s.data.driveIds.length;
  return level === 'window'
    ? {
        score: s.windowScores(series),
        label: s.data.windowLabel,
        cluster: s.data.windowDrive,
        clusters: n,
        leadDays: lead,
      }
    : {
        score: s.driveScores(series),
        label: s.data.drivePositive,
        cluster: Int32Array.from({ length: n }, (_, i) => i),
        clusters: n,
        leadDays: lead,
      };
}

/** One comparison row: metrics at the threshold, the curves' areas, detection at fixed FARs, lead times, intervals. */
export async function evalRow(
  s: EvalSession,
  series: EvalSeries,
  level: EvalLevel,
  threshold: number,
  meta: RowMeta,
  boot: { reps: number; seed: number },
): Promise<EvalRow> {
  const set = s.set(level, series);
  const m = set.metricsAt(threshold);
  const areas = rocAucAndAp(set);
  const lead = s.leadDays(threshold, series);
  const caught = Array.from(lead)
    .filter((v) => !Number.isNaN(v))
    .sort((a, b) => a - b);
  const iv =
    boot.reps > 0
      ? await bootstrapAsync(bootstrapInput(s, level, series, lead), {
          threshold,
          fars: FAR_POINTS,
          reps: boot.reps,
          seed: boot.seed,
        })
      : null;
  const pair = (p: [number, number] | null | undefined): IntervalPair => p ?? null;
  return {
    ...meta,
    threshold,
    matrix: m.matrix,
    precision: m.precision,
    recall: m.recall,
    far: m.far,
    f1: m.f1,
    rocAuc: areas.rocAuc,
    averagePrecision: areas.averagePrecision,
    detectionAtFar: FAR_POINTS.map((far, k) => {
      const t = set.thresholdForFar(far);
      return { far, detection: set.metricsAt(t).recall, threshold: t, interval: pair(iv?.detectionAtFar[k]) };
    }),
    leadTimeDays: {
      median: median(caught),
      mean: caught.length ? caught.reduce((a, b) => a + b, 0) / caught.length : null,
      caught: caught.length,
      interval: pair(iv?.leadTimeMedian),
    },
    intervals: {
      recall: pair(iv?.recall),
      far: pair(iv?.far),
      precision: pair(iv?.precision),
      averagePrecision: pair(iv?.averagePrecision),
    },
  };
}

function chosenPreset(req: EvalReportRequest): { preset: ThresholdPreset | null; words: string } {
  const given = [req.threshold, req.far, req.budget].filter((v) => v !== undefined).length;
  if (given > 1) throw new ApiError('bad-request', 'give at most one of threshold, far and budget');
  if (req.threshold !== undefined)
    return { preset: null, words: `threshold ${Number(req.threshold.toPrecision(4))}` };
  if (req.far !== undefined)
    return { preset: { kind: 'far', far: req.far }, words: `false-alarm rate ${req.far}` };
  if (req.budget !== undefined)
    return {
      preset: { kind: 'budget', alerts: req.budget, per: 'day' },
      words: `${req.budget} alerts per day across the fleet`,
    };
  return { preset: { kind: 'max-f1' }, words: 'best F1' };
}

/**
 * The full evaluation of one run at one operating point: its row, Backblaze's
 * rule and the robust z-score on the same evaluation set, and every other
 * scored run with the same test set (each at the operating point chosen by the
 * same rule, or its best F1 when the model's threshold was given as a number).
 */
export async function evalReport(ev: Evaluator, req: EvalReportRequest): Promise<EvalReport> {
  const s = ev.session(req.runId, req.labels);
  const level = req.level ?? 'drive';
  const boot = { reps: req.bootstrap ?? DEFAULT_BOOTSTRAP[level], seed: req.seed ?? 1 };
  const { preset, words } = chosenPreset(req);
  const threshold = preset ? s.thresholdFor(level, preset) : req.threshold!;
  const modelRow = evalRow(
    s,
    'model',
    level,
    threshold,
    {
      name: `run ${req.runId} (${s.data.kind})`,
      source: 'model',
      runId: req.runId,
      description: `the trained model's score: ${scoreName(s.data.kind)}`,
      operatingPoint: words,
    },
    boot,
  );
  const baselineRows: Promise<EvalRow>[] = [];
  if (s.data.scores['backblaze-rule'])
    baselineRows.push(
      evalRow(
        s,
        'backblaze-rule',
        level,
        BACKBLAZE_RULE_THRESHOLD,
        {
          name: 'backblaze-rule',
          source: 'baseline',
          description:
            "Backblaze's rule: flagged once raw SMART 5, 187, 188, 197 or 198 is above zero; graded by their sum for the curves",
          operatingPoint: 'any counter above zero',
        },
        boot,
      ),
    );
  if (s.data.scores['robust-z'])
    baselineRows.push(
      evalRow(
        s,
        'robust-z',
        level,
        ROBUST_Z_THRESHOLD,
        {
          name: 'robust-z',
          source: 'baseline',
          description:
            "the largest modified z-score of the run's attributes against its drive model's median and MAD (training drives)",
          operatingPoint: `|z| above ${ROBUST_Z_THRESHOLD}`,
        },
        boot,
      ),
    );
  const { sessions, excluded } = ev.comparableRuns(s, level);
  const runRows = sessions.map((o) => {
    const own = preset ?? { kind: 'max-f1' as const };
    return evalRow(
      o,
      'model',
      level,
      o.thresholdFor(level, own),
      {
        name: `run ${o.data.runId} (${o.data.kind})`,
        source: 'run',
        runId: o.data.runId,
        description: `another run on the same test set: ${scoreName(o.data.kind)}`,
        operatingPoint: preset ? words : 'best F1',
      },
      boot,
    );
  });
  const pairedWithRule =
    level === 'drive' && s.data.scores['backblaze-rule']
      ? pairedComparisonAsync(
          {
            model: s.driveScores('model'),
            baseline: s.driveScores('backblaze-rule'),
            positive: s.data.drivePositive,
            baselineThreshold: BACKBLAZE_RULE_THRESHOLD,
          },
          { fars: FAR_POINTS, reps: boot.reps, seed: boot.seed },
        )
      : Promise.resolve(null);
  // The rows' bootstraps and the paired comparison run side by side (worker threads when they are big).
  const [model, baselines, runs, vsRule] = await Promise.all([
    modelRow,
    Promise.all(baselineRows),
    Promise.all(runRows),
    pairedWithRule,
  ]);
  const set = s.set(level);
  return {
    ...model,
    runId: req.runId,
    vsRule,
    level,
    alertsPerDay: s.alertsPerDay(threshold),
    fleetAlertsPerDay: s.fleetAlertsPerDay(threshold),
    fleetDrives: s.data.scoredDrives,
    evaluationSet: s.data.evaluationSet,
    labels: s.data.labels,
    firstDay: formatDay(s.data.firstDay),
    lastDay: formatDay(s.data.lastDay),
    positives: set.positives,
    negatives: set.negatives,
    bootstrap: { replicates: boot.reps, seed: boot.seed, over: 'drives' },
    leadTimes: s.leadTimes(threshold),
    baselines,
    runs,
    excludedRuns: excluded,
    notices: s.data.notices,
  };
}
