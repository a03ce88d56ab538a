import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, test, vi } from 'vitest';
import type { RunInfo } from '../../../src-main/engine/api-types';
import RunsTable from './RunsTable.svelte';

const run = (id: number, r: Partial<RunInfo>): RunInfo =>
  ({
    id,
    kind: 'lstm-ae',
    status: 'done',
    name: null,
    note: null,
    epochsDone: 1,
    valLoss: 0.1,
    seconds: 10,
    startedAt: `2026-12-0${id}T00:00:00Z`,
    evaluation: null,
    searchId: null,
    scored: false,
    resumable: false,
    weightsDir: `/runs/${id}`,
    backend: 'native',
    device: 'CPU',
    ...r,
  }) as RunInfo;

function setup(runs: RunInfo[], shownId: number | null = null) {
  const calls = {
    onShow: vi.fn(),
    onToggleCompare: vi.fn(),
    onAct: vi.fn(),
    onAnnotated: vi.fn(),
    onEvaluate: vi.fn(),
    onError: vi.fn(),
  };
  render(RunsTable, { runs, shownId, compare: [], scoringJobs: {}, running: false, ...calls });
  return calls;
}

const listed = (): string[] =>
  within(screen.getByTestId('runs-table'))
    .getAllByRole('button', { name: /^#\d+$/ })
    .map((b) => b.textContent ?? '');

describe('RunsTable', () => {
  test('search trials are hidden until asked for, but the shown one stays listed', async () => {
    setup([run(1, {}), run(2, { searchId: 7 }), run(3, { searchId: 7 })], 3);
    expect(listed()).toEqual(['#3', '#1']);
    await fireEvent.click(screen.getByLabelText(/Show the 2 search trials/));
    expect(listed()).toEqual(['#3', '#2', '#1']);
  });

  test('Delete asks first, saying what goes with the run, and Keep keeps it', async () => {
    const calls = setup([run(1, { scored: true })]);
    await fireEvent.click(screen.getByRole('button', { name: 'Delete run 1' }));
    const ask = screen.getByRole('group', { name: 'Confirm deleting run 1' });
    expect(ask).toHaveTextContent('Delete run 1 with its scores, loss history and saved model?');
    await fireEvent.click(within(ask).getByRole('button', { name: 'Keep' }));
    expect(calls.onAct).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: 'Delete run 1' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(calls.onAct).toHaveBeenCalledWith(expect.objectContaining({ id: 1 }), 'delete');
  });

  test('a scored run offers Evaluate, an unscored one Score; Resume only with a checkpoint', async () => {
    const calls = setup([run(1, { scored: true }), run(2, { resumable: true })]);
    await fireEvent.click(screen.getByRole('button', { name: 'Evaluate' }));
    expect(calls.onEvaluate).toHaveBeenCalledWith(1);
    await fireEvent.click(screen.getByRole('button', { name: 'Score' }));
    expect(calls.onAct).toHaveBeenCalledWith(expect.objectContaining({ id: 2 }), 'score');
    expect(screen.getAllByRole('button', { name: 'Resume' })).toHaveLength(1);
  });

  test('a header click sorts by its column; the run number and compare box call back', async () => {
    const calls = setup([run(1, { valLoss: 0.3 }), run(2, { valLoss: 0.1 }), run(3, { valLoss: 0.2 })]);
    expect(listed()).toEqual(['#3', '#2', '#1']);
    await fireEvent.click(screen.getByRole('button', { name: 'Val loss' }));
    expect(listed()[0]).toBe('#2');
    await fireEvent.click(screen.getByRole('button', { name: '#3' }));
    expect(calls.onShow).toHaveBeenCalledWith(3);
    await fireEvent.click(screen.getByLabelText('Compare run 1'));
    expect(calls.onToggleCompare).toHaveBeenCalledWith(1);
  });
});
