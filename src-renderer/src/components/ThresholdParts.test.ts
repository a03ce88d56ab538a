import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { clearDraft, PRESETS_DRAFT } from '../lib/form-drafts';
import type { EvalReport, EvalRow, ServiceInfo, ThresholdView } from '../../../src-main/engine/api-types';
import BaselinesTable from './BaselinesTable.svelte';
import ServiceBox from './ServiceBox.svelte';
import ThresholdMetrics from './ThresholdMetrics.svelte';
import ThresholdPresets from './ThresholdPresets.svelte';
import { pairedDifference } from '../test-fixtures/eval';

describe('ThresholdPresets', () => {
  beforeEach(() => clearDraft(PRESETS_DRAFT));
  test('each preset asks with the terms typed beside it', async () => {
    const onApply = vi.fn();
    render(ThresholdPresets, { onApply });
    await fireEvent.input(screen.getByLabelText('False-alarm rate, percent'), { target: { value: '2.5' } });
    await fireEvent.click(screen.getByRole('button', { name: 'False alarms' }));
    await fireEvent.input(screen.getByLabelText('Alerts per day'), { target: { value: '4' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Alerts/day' }));
    await fireEvent.input(screen.getByLabelText('Cost of a missed failure'), { target: { value: '200' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Lowest cost' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Best F1' }));
    expect(onApply.mock.calls.map((c) => c[0])).toEqual([
      { kind: 'far', far: 0.025 },
      { kind: 'budget', alerts: 4, per: 'day' },
      { kind: 'cost', missCost: 200, falseAlarmCost: 1 },
      { kind: 'max-f1' },
    ]);
  });

  test('the terms typed are still there after a tab switch (the view unmounted and mounted again)', async () => {
    const first = render(ThresholdPresets, { onApply: vi.fn() });
    await fireEvent.input(screen.getByLabelText('False-alarm rate, percent'), { target: { value: '0.5' } });
    await fireEvent.input(screen.getByLabelText('Cost of a false alarm'), { target: { value: '3' } });
    first.unmount();
    const onApply = vi.fn();
    render(ThresholdPresets, { onApply });
    expect(screen.getByLabelText<HTMLInputElement>('False-alarm rate, percent').value).toBe('0.5');
    await fireEvent.click(screen.getByRole('button', { name: 'Lowest cost' }));
    expect(onApply).toHaveBeenCalledWith({ kind: 'cost', missCost: 50, falseAlarmCost: 3 });
  });
});

const row = (name: string, recall: number): EvalRow => ({
  name,
  source: name === 'model' ? 'model' : 'baseline',
  description: `${name} row`,
  threshold: 0.5,
  operatingPoint: 'chosen',
  matrix: { tp: 1, fp: 1, fn: 1, tn: 1 },
  precision: 0.5,
  recall,
  far: 0.01,
  f1: 0.5,
  rocAuc: 0.8,
  averagePrecision: 0.4,
  detectionAtFar: [{ far: 0.01, detection: recall, threshold: 0.5, interval: [recall - 0.1, recall + 0.1] }],
  leadTimeDays: { median: 12, mean: 12, caught: 1, interval: null },
  intervals: { recall: null, far: null, precision: null, averagePrecision: null },
});

describe('ThresholdMetrics', () => {
  const metrics: ThresholdView = {
    threshold: 0.3,
    matrix: { tp: 5, fp: 7, fn: 3, tn: 714 },
    flagged: 12,
    precision: 5 / 12,
    recall: 5 / 8,
    f1: 0.5,
    far: 7 / 721,
    specificity: 714 / 721,
    mcc: 0.504,
    level: 'drive',
    alertsPerDay: 0.32,
    fleetAlertsPerDay: 2.41,
  };
  const card = (name: string): HTMLElement => screen.getByText(name).closest('div')!;

  test("alerts per day are the fleet's queue, estimated from the set", () => {
    render(ThresholdMetrics, { metrics, level: 'drive', horizonDays: 14, fleetDrives: 5057 });
    const alerts = card('Alerts per day, fleet');
    expect(alerts.textContent).toContain('2.41');
    expect(alerts.textContent).toContain('est. over 5,057 drives, re-alerts included');
    expect(alerts.textContent).not.toContain('0.32');
  });

  test('where the set cannot stand for the fleet (verdict labels), the set is counted and says so', () => {
    render(ThresholdMetrics, {
      metrics: { ...metrics, fleetAlertsPerDay: null },
      level: 'drive',
      horizonDays: 14,
      fleetDrives: null,
    });
    expect(card('Alerts per day, evaluation set').textContent).toContain('0.32');
    expect(screen.queryByText('Alerts per day, fleet')).toBeNull();
  });
});

describe('BaselinesTable', () => {
  test('the run, the baselines and other runs, then the paired verdict with the sure gains marked', () => {
    const d = pairedDifference;
    const report = {
      ...row('model', 0.62),
      runId: 3,
      level: 'drive',
      alertsPerDay: 1,
      evaluationSet: 'the test drives',
      labels: 'data',
      firstDay: '2013-04-10',
      lastDay: '2013-06-30',
      positives: 20,
      negatives: 900,
      bootstrap: { replicates: 200, seed: 1, over: 'drives' },
      baselines: [row('backblaze-rule', 0.4), row('robust-z', 0.2)],
      runs: [],
      vsRule: {
        failedDrives: 20,
        healthyDrives: 900,
        atBaselinePoint: d(0.012, [0.05, 0.4]),
        atFar: [d(0.01, [-0.01, 0.4])],
        averagePrecision: d(NaN, [0.02, 0.3]),
        replicates: 200,
        verdict: 'better than the rule at its own false-alarm rate',
      },
    } as unknown as EvalReport;
    render(BaselinesTable, { report });
    const rows = within(screen.getByTestId('comparison'))
      .getAllByRole('row')
      .slice(1) as HTMLTableRowElement[];
    expect(rows.map((r) => r.cells[0].textContent)).toEqual(['model', 'backblaze-rule', 'robust-z']);
    expect(rows[1].cells[4]).toHaveTextContent('40.0% 30.0–50.0%');
    expect(screen.getByTestId('verdict')).toHaveTextContent(
      'Better than the rule at its own false-alarm rate.',
    );
    const paired = within(screen.getByTestId('vs-rule'))
      .getAllByRole('row')
      .slice(1) as HTMLTableRowElement[];
    expect(paired.map((r) => [r.cells[0].textContent, r.classList.contains('ahead')])).toEqual([
      ["the rule's own FAR (1.2%)", true],
      ['FAR 1%', false],
      ['average precision', true],
    ]);
    expect(paired[1]).toHaveTextContent('+22.0-1.0 to +40.0');
  });
});

describe('ServiceBox', () => {
  const service: ServiceInfo = { runId: 2, threshold: 0.5, startedAt: '2026-12-01T00:00:00Z' } as ServiceInfo;

  test('the reason is kept when putting in service fails, cleared once it succeeds', async () => {
    const onPutInService = vi.fn().mockResolvedValueOnce(false).mockResolvedValueOnce(true);
    render(ServiceBox, { service, runId: 3, threshold: 0.7, note: null, onPutInService });
    expect(screen.getByTestId('service-box')).toHaveTextContent('In service now: run #2');
    const why = screen.getByLabelText('Why put in service');
    await fireEvent.input(why, { target: { value: '  beats the rule  ' } });
    const put = screen.getByRole('button', { name: /Put in service at/ });
    await fireEvent.click(put);
    await vi.waitFor(() => expect(onPutInService).toHaveBeenCalledWith('beats the rule'));
    expect(why).toHaveValue('  beats the rule  ');
    await fireEvent.click(put);
    await vi.waitFor(() => expect(why).toHaveValue(''));
  });

  test('before the change it says the load the queue would take at this threshold', () => {
    render(ServiceBox, {
      service: null,
      runId: 3,
      threshold: 0.7,
      note: null,
      fleetAlertsPerDay: 2.414,
      onPutInService: vi.fn(),
    });
    expect(screen.getByTestId('expected-load')).toHaveTextContent('about 2.41 alerts a day across the fleet');
  });

  test('the run in service at this very threshold says since when', () => {
    render(ServiceBox, { service, runId: 2, threshold: 0.5, note: null, onPutInService: vi.fn() });
    expect(screen.getByTestId('service-box')).toHaveTextContent('In service at this threshold since');
    expect(screen.queryByLabelText('Why put in service')).toBeNull();
  });
});
