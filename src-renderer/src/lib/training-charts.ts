import type { BatchRecord, EpochSummary } from '../../../src-main/engine/api-types';

/** One run's telemetry as the charts draw it: batches in order, x = batch number over the run. */
export interface Telemetry {
  batches: BatchRecord[];
  epochs: EpochSummary[];
}

/**
 * Appends what a progress report carries, skipping anything already held
 * (a view opened mid-run reads the stored batches first, then the live ones).
 */
export function appendTelemetry(t: Telemetry, batches: BatchRecord[], epochs: EpochSummary[]): Telemetry {
  const last = t.batches.at(-1);
  const newer = last
    ? batches.filter((b) => b.epoch > last.epoch || (b.epoch === last.epoch && b.batch > last.batch))
    : batches;
  const lastEpoch = t.epochs.at(-1)?.epoch ?? -1;
  return {
    batches: newer.length ? [...t.batches, ...newer] : t.batches,
    epochs: epochs.some((e) => e.epoch > lastEpoch)
      ? [...t.epochs, ...epochs.filter((e) => e.epoch > lastEpoch)]
      : t.epochs,
  };
}

type Trace = Record<string, unknown>;

/**
 * An exponential moving average with bias correction (as TensorBoard smooths): one batch's
 * loss is noise; the trend is what the analyst reads. 0.98 spans about 50 batches.
 */
export function smoothed(values: number[], weight = 0.98): number[] {
  const out: number[] = [];
  let avg = 0;
  values.forEach((v, i) => {
    avg = avg * weight + (1 - weight) * v;
    out.push(avg / (1 - weight ** (i + 1)));
  });
  return out;
}

/** The x of each epoch's end: the number of the last batch recorded in it. */
function epochEnds(t: Telemetry): Map<number, number> {
  const ends = new Map<number, number>();
  t.batches.forEach((b, i) => ends.set(b.epoch, i + 1));
  return ends;
}

/** Training loss per batch, validation loss per epoch, spikes marked: the loss chart's traces. */
export function lossTraces(t: Telemetry, name = '', color = '#2563eb'): Trace[] {
  const x = t.batches.map((_, i) => i + 1);
  const spikes = t.batches.flatMap((b, i) => (b.spike ? [i] : []));
  const ends = epochEnds(t);
  const val = t.epochs.filter((e) => e.valLoss !== null && ends.has(e.epoch));
  const prefix = name ? `${name}: ` : '';
  return [
    {
      x,
      y: t.batches.map((b) => b.loss),
      type: 'scatter',
      mode: 'lines',
      name: `${prefix}training loss`,
      line: { color, width: 1 },
      opacity: 0.35,
    },
    {
      x,
      y: smoothed(t.batches.map((b) => b.loss)),
      type: 'scatter',
      mode: 'lines',
      name: `${prefix}training loss (smoothed)`,
      line: { color, width: 2.5 },
    },
    {
      x: val.map((e) => ends.get(e.epoch)),
      y: val.map((e) => e.valLoss),
      type: 'scatter',
      mode: 'lines+markers',
      name: `${prefix}validation loss`,
      line: { color, width: 2, dash: 'dash' },
      marker: { size: 8, symbol: 'diamond' },
    },
    spikes.length > MANY_SPIKES ? spikeStrip(t, spikes, prefix) : spikeMarks(t, spikes, prefix),
  ];
}

/** Past this many, spikes are a strip of ticks along the top instead of crosses that bury the curve. */
export const MANY_SPIKES = 50;

function spikeMarks(t: Telemetry, spikes: number[], prefix: string): Trace {
  return {
    x: spikes.map((i) => i + 1),
    y: spikes.map((i) => t.batches[i].loss),
    type: 'scatter',
    mode: 'markers',
    name: `${prefix}loss spikes`,
    marker: { color: '#c0362c', size: 10, symbol: 'x' },
    hovertemplate: 'spike at batch %{x}: loss %{y:.4g}<extra></extra>',
  };
}

/** Many spikes as a density strip: a thin tick per spike just above the highest loss. */
function spikeStrip(t: Telemetry, spikes: number[], prefix: string): Trace {
  let top = 0;
  for (const b of t.batches) if (b.loss > top) top = b.loss;
  return {
    x: spikes.map((i) => i + 1),
    y: spikes.map(() => top * 1.6),
    customdata: spikes.map((i) => t.batches[i].loss),
    type: 'scatter',
    mode: 'markers',
    name: `${prefix}loss spikes (${spikes.length}, as a strip)`,
    marker: { color: '#c0362c', size: 9, symbol: 'line-ns-open', opacity: 0.45, line: { width: 1 } },
    hovertemplate: 'spike at batch %{x}: loss %{customdata:.4g}<extra></extra>',
  };
}

/** The gradient norm (before clipping) and the learning rate per batch. */
export function gradientTraces(t: Telemetry): Trace[] {
  const x = t.batches.map((_, i) => i + 1);
  return [
    {
      x,
      y: t.batches.map((b) => b.gradNorm),
      type: 'scatter',
      mode: 'lines',
      name: 'gradient norm',
      line: { color: '#7c3aed', width: 1.5 },
    },
    {
      x,
      y: t.batches.map((b) => b.learningRate),
      type: 'scatter',
      mode: 'lines',
      name: 'learning rate',
      yaxis: 'y2',
      line: { color: '#0f9d58', width: 1.5 },
    },
  ];
}

/** The spikes as they read in words, for the list under the chart. */
export function spikeCount(t: Telemetry): number {
  return t.batches.reduce((n, b) => n + (b.spike ? 1 : 0), 0);
}
