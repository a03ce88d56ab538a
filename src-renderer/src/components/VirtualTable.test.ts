import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { createRawSnippet } from 'svelte';
import { describe, expect, test, vi } from 'vitest';
import VirtualTable from './VirtualTable.svelte';

/** 300,000 rows, made on demand: what the table asks for is recorded. */
function source(total: number): {
  load: (o: number, n: number) => Promise<string[]>;
  asked: [number, number][];
} {
  const asked: [number, number][] = [];
  return {
    asked,
    load: (offset, n) => {
      asked.push([offset, n]);
      return Promise.resolve(
        Array.from({ length: Math.min(n, total - offset) }, (_, k) => `drive ${offset + k}`),
      );
    },
  };
}

const row = createRawSnippet((item: () => unknown) => ({
  render: () => `<span role="cell">${String(item())}</span>`,
}));
const rendered = (): string[] => screen.queryAllByRole('row').map((r) => r.textContent?.trim() ?? '');

describe('VirtualTable', () => {
  test('300,000 rows: only those in view exist, fetched in blocks as the view moves', async () => {
    const src = source(300_000);
    render(VirtualTable, {
      total: 300_000,
      load: src.load,
      row,
      columns: '1fr',
      label: 'Drives',
      rowHeight: 30,
      height: 300,
      block: 100,
    });
    await waitFor(() => expect(rendered()[0]).toBe('drive 0'));
    // 10 rows in view plus a margin of 8 below: never the whole table.
    expect(rendered().length).toBe(18);
    expect(src.asked).toEqual([[0, 100]]);

    const viewport = screen.getByRole('rowgroup', { name: 'Drives' });
    viewport.scrollTop = 150_000 * 30;
    await fireEvent.scroll(viewport);
    await waitFor(() => expect(rendered()).toContain('drive 150000'));
    // The rows in view straddle two blocks; nothing in between was fetched.
    expect(src.asked.slice(1)).toEqual([
      [149_900, 100],
      [150_000, 100],
    ]);
    expect(rendered().length).toBe(26);
    // The spacer keeps the scrollbar true to the whole table.
    expect((viewport.firstElementChild as HTMLElement).style.height).toBe(`${300_000 * 30}px`);
  });

  test('keyboard: arrows move the focused row, Enter opens it; a click opens too', async () => {
    const onopen = vi.fn();
    const src = source(1000);
    render(VirtualTable, {
      total: 1000,
      load: src.load,
      row,
      columns: '1fr',
      label: 'Drives',
      onopen,
      rowHeight: 30,
      height: 300,
    });
    await waitFor(() => expect(rendered()[0]).toBe('drive 0'));
    const first = screen.getAllByRole('row')[0];
    first.focus();
    await fireEvent.keyDown(first, { key: 'ArrowDown' });
    await fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
    expect(document.activeElement).toHaveTextContent('drive 2');
    await fireEvent.keyDown(document.activeElement!, { key: 'Enter' });
    expect(onopen).toHaveBeenLastCalledWith('drive 2', 2);
    await fireEvent.keyDown(document.activeElement!, { key: 'End' });
    await waitFor(() => expect(document.activeElement).toHaveTextContent('drive 999'));
    await fireEvent.click(screen.getAllByRole('row').find((r) => r.textContent?.includes('drive 995'))!);
    expect(onopen).toHaveBeenLastCalledWith('drive 995', 995);
  });

  test('a new query starts again from the top and forgets the old rows', async () => {
    const a = source(500);
    const props = {
      total: 500,
      load: a.load,
      row,
      columns: '1fr',
      label: 'Drives',
      rowHeight: 30,
      height: 300,
    };
    const { rerender } = render(VirtualTable, props);
    await waitFor(() => expect(rendered()[0]).toBe('drive 0'));
    const viewport = screen.getByRole('rowgroup');
    viewport.scrollTop = 300 * 30;
    await fireEvent.scroll(viewport);
    await waitFor(() => expect(rendered()).toContain('drive 300'));
    const b = {
      asked: [] as [number, number][],
      load: (o: number, n: number) => {
        b.asked.push([o, n]);
        return Promise.resolve(Array.from({ length: Math.min(n, 3 - o) }, (_, k) => `failed ${o + k}`));
      },
    };
    await rerender({ ...props, total: 3, load: b.load });
    await waitFor(() => expect(rendered()).toEqual(['failed 0', 'failed 1', 'failed 2']));
    expect(b.asked).toEqual([[0, 100]]);
  });
});
