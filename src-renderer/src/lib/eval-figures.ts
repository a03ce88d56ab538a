import type {
  AlertsByDay,
  CurveSet,
  EvalReport,
  LeadTimes,
  PairedComparison,
  PairedDifference,
  ThresholdPreset,
} from '../../../src-main/engine/api-types';
import { fmtRate } from './threshold-scale';
import { budgetInWords } from '../../../src-main/engine/eval/alert-words';

/** The Threshold tab's figures as plotly traces, built from the engine's answers (pure: tested beside). */
type Trace = Record<string, unknown>;

const MODEL = '#2563eb';
const RULE = '#d97706';

/** Backblaze's rule at its own operating point (any counter above zero), once the baselines are compared. */
export interface RulePoint {
  recall: number;
  far: number | null;
  precision: number | null;
}

export function rulePointOf(report: EvalReport | null): RulePoint | null {
  const rule = report?.baselines.find((b) => b.name === 'backblaze-rule');
  return rule && rule.recall !== null
    ? { recall: rule.recall, far: rule.far, precision: rule.precision }
    : null;
}

/** The model's ROC curve, the chance diagonal, and the rule beside it (its curve, its point). */
export function rocTraces(curves: CurveSet, rule: CurveSet | null, point: RulePoint | null): Trace[] {
  return [
    {
      x: curves.roc.x,
      y: curves.roc.y,
      type: 'scatter',
      mode: 'lines',
      name: 'model',
      line: { color: MODEL, width: 2 },
    },
    {
      x: [0, 1],
      y: [0, 1],
      type: 'scatter',
      mode: 'lines',
      name: 'chance',
      showlegend: false,
      line: { dash: 'dot', color: '#9aa5b1' },
    },
    ...ruleTraces('roc', rule, point),
  ];
}

/** The model's precision-recall curve (a step: precision holds until the next threshold), and the rule's. */
export function prTraces(curves: CurveSet, rule: CurveSet | null, point: RulePoint | null): Trace[] {
  return [
    {
      x: curves.pr.x,
      y: curves.pr.y,
      type: 'scatter',
      mode: 'lines',
      name: 'model',
      line: { color: MODEL, width: 2, shape: 'hv' },
    },
    ...ruleTraces('pr', rule, point),
  ];
}

function ruleTraces(kind: 'roc' | 'pr', rule: CurveSet | null, point: RulePoint | null): Trace[] {
  const out: Trace[] = [];
  const c = rule?.[kind];
  if (c)
    out.push({
      x: c.x,
      y: c.y,
      type: 'scatter',
      mode: 'lines',
      name: "Backblaze's rule",
      line: { color: RULE, width: 1.5, dash: 'dash', shape: kind === 'pr' ? 'hv' : 'linear' },
    });
  if (point)
    out.push({
      x: [kind === 'roc' ? point.far : point.recall],
      y: [kind === 'roc' ? point.recall : point.precision],
      type: 'scatter',
      mode: 'markers',
      name: 'rule: any counter above zero',
      marker: { color: RULE, size: 9, symbol: 'diamond' },
    });
  return out;
}

/** Caught drives by days between their first alert and their failure, a bar per bin ("0–6", "7–13"). */
export function leadTraces(lead: LeadTimes): Trace[] {
  const bin = lead.histogram.binDays;
  return [
    {
      x: lead.histogram.counts.map((_, i) => (bin === 1 ? `${i}` : `${i * bin}–${(i + 1) * bin - 1}`)),
      y: lead.histogram.counts,
      type: 'bar',
      marker: { color: '#1f8a4c' },
      hovertemplate: '%{y} drives alerted %{x} days before failing<extra></extra>',
    },
  ];
}

/** New alerts per day, stacked: those whose drive failed later under those that stayed healthy (false alarms). */
export function alertTraces(alerts: AlertsByDay): Trace[] {
  return [
    {
      x: alerts.days,
      y: alerts.alerts.map((a, i) => a - alerts.falseAlerts[i]),
      type: 'bar',
      name: 'failed later',
      marker: { color: '#1f8a4c' },
    },
    {
      x: alerts.days,
      y: alerts.falseAlerts,
      type: 'bar',
      name: 'healthy (false alarm)',
      marker: { color: '#c0362c' },
    },
  ];
}

/**
 * A preset's rule in the words the report and the run's record use; `fleetDrives`: the drives the run scored where
 * the evaluation set estimates the fleet's alerts (EvalOverview.fleet), else null.
 */
export function presetReason(preset: ThresholdPreset, fleetDrives: number | null): string {
  switch (preset.kind) {
    case 'max-f1':
      return 'the threshold with the best F1 on the evaluation drives';
    case 'far':
      return `the lowest threshold with at most ${+(preset.far * 100).toPrecision(3)}% false alarms`;
    case 'budget':
      return budgetInWords(preset.alerts, preset.per, fleetDrives);
    case 'cost':
      return `the lowest expected cost, a missed failure costing ${preset.missCost} and a false alarm ${preset.falseAlarmCost}`;
  }
}

/** A difference of rates in percentage points, signed: "+12.5", "-3.0". */
export const fmtPoints = (v: number): string => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}`;

/** One row of "Better than Backblaze's rule?": what both are held to, and whether the model is surely ahead. */
export interface VsRuleRow {
  label: string;
  difference: PairedDifference;
  /** The whole 95% interval of the difference is above zero. */
  ahead: boolean;
}

export function vsRuleRows(v: PairedComparison): VsRuleRow[] {
  const row = (label: string, d: PairedDifference): VsRuleRow => ({
    label,
    difference: d,
    ahead: d.interval !== null && d.interval[0] > 0,
  });
  return [
    row(`the rule's own FAR (${fmtRate(v.atBaselinePoint.far)})`, v.atBaselinePoint),
    ...v.atFar.map((d) => row(`FAR ${+(d.far * 100).toPrecision(3)}%`, d)),
    row('average precision', v.averagePrecision),
  ];
}
