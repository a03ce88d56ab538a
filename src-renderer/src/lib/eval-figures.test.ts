import { describe, expect, test } from 'vitest';
import type { CurveSet } from '../../../src-main/engine/api-types';
import {
  alertTraces,
  fmtPoints,
  leadTraces,
  presetReason,
  prTraces,
  rocTraces,
  vsRuleRows,
} from './eval-figures';
import { pairedDifference } from '../test-fixtures/eval';

const curves = (k: number): CurveSet => ({
  roc: { x: [0, 0.5 * k, 1], y: [0, 0.8, 1], threshold: [null, 0.5, 0] },
  pr: { x: [0, 0.8, 1], y: [1, 0.6, 0.1], threshold: [null, 0.5, 0] },
  rocAuc: 0.8,
  averagePrecision: 0.6,
  positives: 5,
  negatives: 50,
});

describe('the curves with the rule beside them', () => {
  test('without the rule: the model, and on ROC the chance line', () => {
    expect(rocTraces(curves(1), null, null).map((t) => t.name)).toEqual(['model', 'chance']);
    expect(prTraces(curves(1), null, null).map((t) => t.name)).toEqual(['model']);
  });

  test("the rule's curve, and its own point once compared, on each chart's axes", () => {
    const point = { recall: 0.4, far: 0.02, precision: 0.3 };
    const roc = rocTraces(curves(1), curves(0.5), point);
    expect(roc.map((t) => t.name)).toEqual([
      'model',
      'chance',
      "Backblaze's rule",
      'rule: any counter above zero',
    ]);
    expect(roc[2].x).toEqual([0, 0.25, 1]);
    expect([roc[3].x, roc[3].y]).toEqual([[0.02], [0.4]]);
    const pr = prTraces(curves(1), curves(0.5), point);
    expect([pr[1].x, pr[1].y]).toEqual([
      [0, 0.8, 1],
      [1, 0.6, 0.1],
    ]);
    expect([pr[1].line, pr[2].x, pr[2].y]).toEqual([expect.objectContaining({ shape: 'hv' }), [0.4], [0.3]]);
  });
});

describe('lead times and alerts', () => {
  test('lead-time bins are labelled by their days', () => {
    const lead = { binDays: 7, counts: [2, 0, 1] };
    const [bars] = leadTraces({
      threshold: 1,
      failed: 4,
      caught: 3,
      median: 3,
      mean: 6,
      drives: [],
      histogram: lead,
    });
    expect(bars.x).toEqual(['0–6', '7–13', '14–20']);
    expect(bars.y).toEqual([2, 0, 1]);
    const [days] = leadTraces({
      threshold: 1,
      failed: 1,
      caught: 1,
      median: 0,
      mean: 0,
      drives: [],
      histogram: { binDays: 1, counts: [1, 0] },
    });
    expect(days.x).toEqual(['0', '1']);
  });

  test('alerts stack those that failed later under the false alarms, summing to the day', () => {
    const [failed, healthy] = alertTraces({
      threshold: 1,
      days: ['2013-04-10', '2013-04-11'],
      alerts: [3, 1],
      falseAlerts: [1, 1],
      perDay: 2,
    });
    expect(failed.y).toEqual([2, 0]);
    expect(healthy.y).toEqual([1, 1]);
  });
});

describe('words for the analyst', () => {
  test('each preset says how it chose', () => {
    expect(presetReason({ kind: 'far', far: 0.001 }, 5057)).toBe(
      'the lowest threshold with at most 0.1% false alarms',
    );
    expect(presetReason({ kind: 'budget', alerts: 1, per: 'day' }, 5057)).toBe(
      'the lowest threshold giving at most 1 alert per day across the 5,057 drives scored',
    );
    expect(presetReason({ kind: 'budget', alerts: 3, per: 'week' }, null)).toBe(
      'the lowest threshold that flags at most 3 drives of the evaluation set per week',
    );
    expect(presetReason({ kind: 'cost', missCost: 50, falseAlarmCost: 1 }, null)).toContain(
      'a missed failure costing 50 and a false alarm 1',
    );
  });

  test('"better than the rule" rows: ahead only when the whole interval is above zero', () => {
    const d = pairedDifference;
    const rows = vsRuleRows({
      failedDrives: 20,
      healthyDrives: 900,
      atBaselinePoint: d(0.012, [0.05, 0.3]),
      atFar: [d(0.01, [-0.02, 0.4]), d(0.05, null)],
      averagePrecision: d(NaN, [0.01, 0.2]),
      replicates: 200,
      verdict: 'better',
    });
    expect(rows.map((r) => [r.label, r.ahead])).toEqual([
      ["the rule's own FAR (1.2%)", true],
      ['FAR 1%', false],
      ['FAR 5%', false],
      ['average precision', true],
    ]);
    expect([fmtPoints(0.125), fmtPoints(-0.03), fmtPoints(0)]).toEqual(['+12.5', '-3.0', '+0.0']);
  });
});
