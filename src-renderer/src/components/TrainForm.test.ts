import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, test, vi } from 'vitest';
import { TrainFormState } from '../lib/train-form.svelte';
import TrainForm from './TrainForm.svelte';

function setup(form = new TrainFormState(), problems = {}) {
  const calls = { onKindChange: vi.fn(), onStart: vi.fn(), onCancel: vi.fn() };
  render(TrainForm, {
    form,
    problems,
    available: [],
    dataDays: { first: '2013-04-10', last: '2013-06-30' },
    defaultsReady: true,
    running: false,
    ...calls,
  });
  return { form, calls };
}

describe('TrainForm', () => {
  test('each kind shows the settings it reads', async () => {
    const { form, calls } = setup();
    expect(screen.getByLabelText('Rounds (trees)')).toBeInTheDocument();
    expect(screen.getByText('drive model')).toBeInTheDocument();
    expect(screen.queryByLabelText('Epochs')).toBeNull();
    await fireEvent.change(screen.getByLabelText('Model kind'), { target: { value: 'conv-ae' } });
    expect(calls.onKindChange).toHaveBeenCalledWith('conv-ae');
    expect(form.model).toBe('conv-ae');
    expect(screen.getByLabelText('Filters')).toBeInTheDocument();
    expect(screen.queryByLabelText('LSTM width')).toBeNull();
    expect(screen.queryByLabelText('Rounds (trees)')).toBeNull();
    expect(screen.getByLabelText('Scale each drive model with its own statistics')).not.toBeChecked();
    // An autoencoder learns healthy drives: only the reconstruction loss is offered.
    expect([...(screen.getByLabelText('Loss') as HTMLSelectElement).options].map((o) => o.value)).toEqual([
      'mse',
    ]);
  });

  test('fields edit the form state, and Start sends it', async () => {
    const { form, calls } = setup();
    await fireEvent.input(screen.getByLabelText('Rounds (trees)'), { target: { value: '42' } });
    expect(form.rounds).toBe(42);
    await fireEvent.click(screen.getByRole('button', { name: 'Start training' }));
    expect(calls.onStart).toHaveBeenCalledOnce();
  });

  test('a time split turns the test share off and says what it trains on', async () => {
    const { form } = setup();
    form.folds = 0;
    await fireEvent.input(screen.getByLabelText('Test on every window from (time split)'), {
      target: { value: '2013-06-01' },
    });
    expect(form.testFromDay).toBe('2013-06-01');
    expect(screen.getByLabelText('Test drives (%)')).toBeDisabled();
    expect(screen.getByTestId('split-settings')).toHaveTextContent(
      'Trains on the days before 2013-06-01 and tests every drive from that day on (data: 2013-04-10 to 2013-06-30).',
    );
  });

  test("the engine's refusals are shown beside their fields", () => {
    setup(new TrainFormState(), {
      rounds: ['must be at least 1'],
      'loss.positiveWeight': ['must be positive'],
    });
    const rounds = screen.getByLabelText(/Rounds \(trees\)/);
    expect(rounds).toHaveAttribute('aria-invalid', 'true');
    expect(rounds.closest('label')).toHaveTextContent('must be at least 1');
  });
});
