import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, test, vi } from 'vitest';
import type { SearchInfo } from '../../../src-main/engine/api-types';
import type { DimRow } from '../lib/search-space';
import { detail } from '../test-fixtures/search';
import SearchesTable from './SearchesTable.svelte';
import SpaceEditor from './SpaceEditor.svelte';
import TrialsTable from './TrialsTable.svelte';

describe('SpaceEditor', () => {
  test('each kind of dimension shows its bounds; rows are added and removed', async () => {
    const dims: DimRow[] = [
      { name: 'learningRate', type: 'log-float', min: 1e-4, max: 1e-2, step: 1, log: false, values: '' },
      { name: 'units', type: 'int', min: 16, max: 128, step: 16, log: true, values: '' },
      { name: 'loss', type: 'categorical', min: 0, max: 0, step: 1, log: false, values: 'mse, focal' },
    ];
    render(SpaceEditor, { dims });
    const rows = screen.getAllByTestId('dimension');
    expect(within(rows[0]).getByLabelText('Lowest learningRate')).toHaveValue(1e-4);
    expect(within(rows[0]).queryByLabelText('Step of learningRate')).toBeNull();
    expect(within(rows[1]).getByLabelText('Step of units')).toHaveValue(16);
    expect(within(rows[2]).getByLabelText('Values of setting 3')).toHaveValue('mse, focal');
    await fireEvent.click(screen.getByRole('button', { name: 'Remove units' }));
    expect(screen.getAllByTestId('dimension')).toHaveLength(2);
    await fireEvent.click(screen.getByRole('button', { name: 'Add a setting' }));
    const added = screen.getAllByTestId('dimension')[2];
    expect(within(added).getByLabelText('Setting 3')).toHaveValue('dropout');
    expect(within(added).getByLabelText('Highest dropout')).toHaveValue(0.4);
  });
});

describe('SearchesTable', () => {
  const search = (id: number, s: Partial<SearchInfo>): SearchInfo => ({ ...detail('minimize'), id, ...s });

  test('each search offers what can be done next with it', async () => {
    const calls = { onSelect: vi.fn(), onCancel: vi.fn(), onResume: vi.fn() };
    const searches = [
      search(3, { status: 'running', finished: 1 }),
      search(2, { status: 'interrupted', finished: 2 }),
      search(1, { status: 'done', finished: 4 }),
      search(4, { status: 'failed', finished: 4 }),
    ];
    render(SearchesTable, { searches, selected: 2, running: false, moreTrials: 5, ...calls });
    const rows = within(screen.getByTestId('searches-table')).getAllByRole('row').slice(1);
    expect(
      rows.map((r) =>
        within(r)
          .queryAllByRole('button')
          .map((b) => b.textContent),
      ),
    ).toEqual([['#3', 'Cancel'], ['#2', 'Resume'], ['#1', 'Run 5 more'], ['#4']]);
    expect(rows[1]).toHaveClass('current');
    await fireEvent.click(within(rows[2]).getByRole('button', { name: 'Run 5 more' }));
    expect(calls.onResume).toHaveBeenCalledWith(searches[2]);
    await fireEvent.click(within(rows[0]).getByRole('button', { name: 'Cancel' }));
    expect(calls.onCancel).toHaveBeenCalledWith(3);
  });
});

describe('TrialsTable', () => {
  test('a column per dimension, the best trial marked, a stopped trial said in words', async () => {
    const d = { ...detail('minimize'), best: { trial: 1, objective: 0.7, runId: 11, params: {} } };
    const onOpenRun = vi.fn();
    render(TrialsTable, { detail: d, onOpenRun });
    const table = screen.getByTestId('trials-table');
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((h) => h.textContent),
    ).toEqual(['Trial', 'Status', 'Objective', 'learningRate', 'loss', 'From', 'Time', 'Run']);
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows[1]).toHaveClass('best');
    expect(rows[2]).toHaveTextContent('stopped early');
    expect(rows[1]).toHaveTextContent('0.7000');
    await fireEvent.click(within(rows[1]).getByRole('button', { name: '#11' }));
    expect(onOpenRun).toHaveBeenCalledWith(11);
  });
});
