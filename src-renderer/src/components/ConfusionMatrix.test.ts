import { render, screen, within } from '@testing-library/svelte';
import { describe, expect, test } from 'vitest';
import ConfusionMatrix from './ConfusionMatrix.svelte';

describe('ConfusionMatrix', () => {
  test('truth in rows, decision in columns, counts with thousands separators', () => {
    render(ConfusionMatrix, { matrix: { tp: 12, fn: 3, fp: 1234, tn: 987654 }, unit: 'windows' });
    const table = screen.getByRole('table', { name: 'Confusion matrix (windows)' });
    const [failed, healthy] = within(table).getAllByRole('row').slice(1);
    expect(within(failed).getByRole('rowheader')).toHaveTextContent('Failed');
    expect(
      within(failed)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['12', '3']);
    expect(
      within(healthy)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['1,234', '987,654']);
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((c) => c.textContent),
    ).toEqual(['', 'Flagged', 'Not flagged']);
  });

  test('new counts replace the old in place', async () => {
    const { rerender } = render(ConfusionMatrix, { matrix: { tp: 1, fn: 2, fp: 3, tn: 4 }, unit: 'drives' });
    await rerender({ matrix: { tp: 5, fn: 6, fp: 7, tn: 8 }, unit: 'drives' });
    expect(screen.getByTestId('tp')).toHaveTextContent('5');
    expect(screen.getByTestId('fn')).toHaveTextContent('6');
    expect(screen.getByTestId('fp')).toHaveTextContent('7');
    expect(screen.getByTestId('tn')).toHaveTextContent('8');
  });
});
