import {
  ApiError,
  type AlertsByDay,
  type CurveSet,
  type EvalLevel,
  type EvalOverview,
  type EvalSeries,
  type LeadTimes,
  type PresetResult,
  type ThresholdPreset,
  type ThresholdView,
} from '../api-types';
import { formatDay } from '../import/row-fields';
import type { Db } from '../store/db';
import { AlertRate } from './alert-rate';
import { curveSet, downsample } from './curves';
import { describeWindow, type EvalData } from './eval-data';
import { lowerBound, ScoreSet } from './score-set';

const SCORE_NAMES: Record<EvalData['kind'], string> = {
  'lstm-ae': 'reconstruction error (MSE)',
  'conv-ae': 'reconstruction error (MSE)',
  'lstm-clf': 'failure probability',
  gbdt: 'failure probability',
};

/** What a run's score means, for axis labels and report rows. */
export const scoreName = (kind: EvalData['kind']): string => SCORE_NAMES[kind];

/**
 * One scored run held for the threshold view: every array sorted once, so a
 * slider move is a few binary searches. Built on first use, kept by the
 * Evaluator until the run is scored again or deleted.
 */
export class EvalSession {
  private readonly sets = new Map<string, ScoreSet>();
  private readonly prefix = new Map<EvalSeries, Float32Array>();
  private readonly perDrive = new Map<EvalSeries, Float32Array>();
  private readonly rates = new Map<EvalSeries, AlertRate>();

  constructor(
    readonly data: EvalData,
    private readonly db: Db,
  ) {}

  /** Days in the evaluation period (first to last window end day). */
  get days(): number {
    return this.data.lastDay - this.data.firstDay + 1;
  }

  series(): EvalSeries[] {
    return Object.keys(this.data.scores) as EvalSeries[];
  }

  windowScores(series: EvalSeries): Float32Array {
    const s = this.data.scores[series];
    if (!s)
      throw new ApiError(
        'conflict',
        `run ${this.data.runId} has no ${series} scores: score it again to compute the baselines`,
      );
    return s;
  }

  /**
   * Per window, the highest score so far in its drive's life: a drive's first
   * alert at threshold t is the first window whose running maximum reaches t,
   * and its drive-level score is the running maximum of its last window.
   */
  runningMax(series: EvalSeries): Float32Array {
    let p = this.prefix.get(series);
    if (!p) {
      const s = this.windowScores(series);
      p = new Float32Array(s.length);
      const { offsets } = this.data;
      for (let d = 0; d + 1 < offsets.length; d++) {
        let m = -Infinity;
        for (let i = offsets[d]; i < offsets[d + 1]; i++) p[i] = m = Math.max(m, s[i]);
      }
      this.prefix.set(series, p);
    }
    return p;
  }

  /** Each drive's score: its worst window (the running maximum at its last window). */
  driveScores(series: EvalSeries): Float32Array {
    let s = this.perDrive.get(series);
    if (!s) {
      const p = this.runningMax(series);
      s = Float32Array.from(this.data.driveIds, (_, d) => p[this.data.offsets[d + 1] - 1]);
      this.perDrive.set(series, s);
    }
    return s;
  }

  set(level: EvalLevel, series: EvalSeries = 'model'): ScoreSet {
    const key = `${level}/${series}`;
    let set = this.sets.get(key);
    if (!set) {
      set =
        level === 'window'
          ? ScoreSet.from(this.windowScores(series), this.data.windowLabel, (i) =>
              describeWindow(this.db, this.data, i),
            )
          : ScoreSet.from(this.driveScores(series), this.data.drivePositive, (d) =>
              describeWindow(this.db, this.data, this.data.offsets[d]),
            );
      this.sets.set(key, set);
    }
    return set;
  }

  overview(): EvalOverview {
    const w = this.set('window');
    const d = this.set('drive');
    const range = w.range()!;
    return {
      runId: this.data.runId,
      kind: this.data.kind,
      scoreName: scoreName(this.data.kind),
      evaluationSet: this.data.evaluationSet,
      labels: this.data.labels,
      firstDay: formatDay(this.data.firstDay),
      lastDay: formatDay(this.data.lastDay),
      days: this.days,
      horizonDays: this.data.horizonDays,
      windows: { positives: w.positives, negatives: w.negatives },
      drives: { positives: d.positives, negatives: d.negatives },
      fleet: { drives: this.data.scoredDrives, scale: this.data.fleetScale },
      scoreRange: range,
      suggestedThreshold: Math.min(d.maxF1().threshold, range.max),
      series: this.series(),
      notices: this.data.notices,
    };
  }

  /** Drives that first alerted inside the period at `threshold`, per day of it. */
  alertsPerDay(threshold: number, series: EvalSeries = 'model'): number {
    const m = this.set('drive', series).countsAt(threshold);
    return (m.tp + m.fp) / this.days;
  }

  private alertRate(series: EvalSeries): AlertRate {
    let r = this.rates.get(series);
    if (!r) {
      r = AlertRate.from(this.windowScores(series), this.data.offsets);
      this.rates.set(series, r);
    }
    return r;
  }

  /** Alerts per day the queue would get across the fleet at `threshold` (see ThresholdView); null if unknown. */
  fleetAlertsPerDay(threshold: number, series: EvalSeries = 'model'): number | null {
    const scale = this.data.fleetScale;
    return scale === null ? null : (this.alertRate(series).alertsAt(threshold) * scale) / this.days;
  }

  at(level: EvalLevel, threshold: number, series: EvalSeries = 'model'): ThresholdView {
    return {
      ...this.set(level, series).metricsAt(threshold),
      level,
      alertsPerDay: this.alertsPerDay(threshold, series),
      fleetAlertsPerDay: this.fleetAlertsPerDay(threshold, series),
    };
  }

  curves(level: EvalLevel, series: EvalSeries, maxPoints: number): CurveSet {
    return curveSet(this.set(level, series), maxPoints);
  }

  thresholdFor(level: EvalLevel, preset: ThresholdPreset, series: EvalSeries = 'model'): number {
    const set = this.set(level, series);
    switch (preset.kind) {
      case 'max-f1':
        return set.maxF1().threshold;
      case 'far':
        return set.thresholdForFar(preset.far);
      case 'budget': {
        // Alerts are drives', whatever the level shown: the fleet's queue where the set estimates it (a budget
        // is the crew's, and the set may be a sixth of the fleet), else drives of the set flagged.
        const perDay = preset.per === 'week' ? preset.alerts / 7 : preset.alerts;
        const scale = this.data.fleetScale;
        return scale === null
          ? this.set('drive', series).thresholdForFlagged(perDay * this.days)
          : this.alertRate(series).thresholdForAlerts((perDay * this.days) / scale + 1e-9);
      }
      case 'cost':
        return set.costCurve(preset.missCost, preset.falseAlarmCost).best.threshold;
    }
  }

  preset(level: EvalLevel, preset: ThresholdPreset): PresetResult {
    const threshold = this.thresholdFor(level, preset);
    const result: PresetResult = { preset, metrics: this.at(level, threshold) };
    if (preset.kind === 'cost') {
      const c = this.set(level).costCurve(preset.missCost, preset.falseAlarmCost);
      // The first point is "flag nothing", just above the top score; plot from the top score down.
      const thresholds = c.thresholds.subarray(1);
      const curve = downsample({ x: thresholds, y: c.costs.subarray(1), t: thresholds }, 400);
      result.cost = { threshold: curve.x, cost: curve.y, best: c.best.cost };
    }
    return result;
  }

  /** The day index (into endDay) of drive d's first alert at t, or -1. */
  firstAlert(d: number, threshold: number, series: EvalSeries = 'model'): number {
    const p = this.runningMax(series);
    const { offsets } = this.data;
    const i = lowerBound(p.subarray(offsets[d], offsets[d + 1]), threshold);
    return i < offsets[d + 1] - offsets[d] ? offsets[d] + i : -1;
  }

  /** Lead time (failure day minus first alert day) of each failed drive caught at t; NaN for every other drive. */
  leadDays(threshold: number, series: EvalSeries = 'model'): Float64Array {
    const out = new Float64Array(this.data.driveIds.length).fill(NaN);
    for (let d = 0; d < out.length; d++) {
      if (!this.data.drivePositive[d]) continue;
      const i = this.firstAlert(d, threshold, series);
      if (i >= 0) out[d] = this.data.failureDay[d] - this.data.endDay[i];
    }
    return out;
  }

  leadTimes(threshold: number, binDays = 7, series: EvalSeries = 'model'): LeadTimes {
    const lead = this.leadDays(threshold, series);
    const caught: number[] = [];
    lead.forEach((v, d) => {
      if (!Number.isNaN(v)) caught.push(d);
    });
    const info = this.driveInfo(caught.map((d) => this.data.driveIds[d]));
    const days = caught.map((d) => lead[d]).sort((a, b) => a - b);
    const counts: number[] = [];
    for (const v of days) {
      const bin = Math.floor(v / binDays);
      while (counts.length <= bin) counts.push(0);
      counts[bin]++;
    }
    return {
      threshold,
      failed: this.set('drive', series).positives,
      caught: caught.length,
      median: median(days),
      mean: days.length ? days.reduce((a, b) => a + b, 0) / days.length : null,
      drives: caught
        .map((d) => {
          const i = info.get(this.data.driveIds[d]);
          return {
            serial: i?.serial ?? '?',
            model: i?.model ?? '?',
            failureDay: formatDay(this.data.failureDay[d]),
            firstAlertDay: formatDay(this.data.failureDay[d] - lead[d]),
            leadDays: lead[d],
          };
        })
        .sort((a, b) => b.leadDays - a.leadDays),
      histogram: { binDays, counts },
    };
  }

  alerts(threshold: number, series: EvalSeries = 'model'): AlertsByDay {
    const n = this.days;
    const alerts = new Array<number>(n).fill(0);
    const falseAlerts = new Array<number>(n).fill(0);
    for (let d = 0; d < this.data.driveIds.length; d++) {
      const i = this.firstAlert(d, threshold, series);
      if (i < 0) continue;
      const day = this.data.endDay[i] - this.data.firstDay;
      alerts[day]++;
      if (!this.data.drivePositive[d]) falseAlerts[day]++;
    }
    return {
      threshold,
      days: Array.from({ length: n }, (_, k) => formatDay(this.data.firstDay + k)),
      alerts,
      falseAlerts,
      perDay: alerts.reduce((a, b) => a + b, 0) / n,
    };
  }

  private driveInfo(ids: number[]): Map<number, { serial: string; model: string }> {
    const q = this.db.prepare('SELECT serial, model FROM drives WHERE id = ?');
    return new Map(ids.map((id) => [id, q.get(id) as { serial: string; model: string }]));
  }
}

export function median(sorted: number[]): number | null {
  if (sorted.length === 0) return null;
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}
