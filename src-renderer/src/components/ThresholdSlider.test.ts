import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, test, vi } from 'vitest';
import { STEPS, thresholdScale } from '../lib/threshold-scale';
import ThresholdSlider from './ThresholdSlider.svelte';

describe('ThresholdSlider', () => {
  test('reconstruction errors spanning decades walk on a log scale: the middle step is the geometric mean', async () => {
    const onchange = vi.fn();
    render(ThresholdSlider, { min: 0.01, max: 100, value: 1, onchange });
    const slider = screen.getByRole('slider', { name: 'Threshold' });
    expect(slider).toHaveValue(String(STEPS / 2));
    expect(screen.getByText(/log scale, 0.01 to 100/)).toBeInTheDocument();
    await fireEvent.input(slider, { target: { value: String(STEPS / 4) } });
    expect(onchange).toHaveBeenCalledTimes(1);
    expect(onchange.mock.calls[0][0]).toBeCloseTo(0.1, 10);
    await fireEvent.input(slider, { target: { value: String(STEPS) } });
    expect(onchange.mock.calls[1][0]).toBeCloseTo(100, 10);
  });

  test('probabilities walk linearly', async () => {
    const onchange = vi.fn();
    render(ThresholdSlider, { min: 0, max: 1, value: 0.5, onchange });
    expect(screen.getByText(/linear scale/)).toBeInTheDocument();
    await fireEvent.input(screen.getByRole('slider'), { target: { value: '250' } });
    expect(onchange).toHaveBeenLastCalledWith(0.25);
  });

  test('a typed value is reported as typed; text that is not a number is ignored', async () => {
    const onchange = vi.fn();
    render(ThresholdSlider, { min: 0.01, max: 100, value: 1, onchange });
    const box = screen.getByRole('spinbutton', { name: 'Threshold value' });
    expect(box).toHaveValue(1);
    await fireEvent.change(box, { target: { value: '2.5' } });
    expect(onchange).toHaveBeenLastCalledWith(2.5);
    await fireEvent.change(box, { target: { value: '' } });
    expect(onchange).toHaveBeenCalledTimes(1);
  });

  test('the slider follows the value it is given, and says it in words for screen readers', async () => {
    const { rerender } = render(ThresholdSlider, { min: 0.01, max: 100, value: 1, onchange: () => {} });
    await rerender({ min: 0.01, max: 100, value: 10, onchange: () => {} });
    const slider = screen.getByRole('slider');
    expect(slider).toHaveValue(String(thresholdScale(0.01, 100).toStep(10)));
    expect(slider).toHaveAttribute('aria-valuetext', '10');
    // Below the range the slider rests at its left end; the box still shows the value.
    await rerender({ min: 0.01, max: 100, value: 0.001, onchange: () => {} });
    expect(slider).toHaveValue('0');
    expect(screen.getByRole('spinbutton')).toHaveValue(0.001);
  });
});
