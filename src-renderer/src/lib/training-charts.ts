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

/** A series drawn with at most this many points, however long the run: the charts cost the same at batch 100 and 100,000. */
export const MAX_POINTS = 4000;

/**
 * At most `max` points of a per-batch series (x = batch number from 1): each bucket of batches keeps its lowest
 * and its highest value, in order, so spikes and dips survive the thinning.
 */
export function decimated(ys: number[], max = MAX_POINTS): { x: number[]; y: number[] } {
  if (ys.length <= max) return { x: ys.map((_, i) => i + 1), y: ys };
  const buckets = Math.floor(max / 2);
  const x: number[] = [];
  const y: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * ys.length) / buckets);
    const hi = Math.floor(((b + 1) * ys.length) / buckets);
    let min = lo;
    let maxAt = lo;
    for (let i = lo + 1; i < hi; i++) {
      if (ys[i] < ys[min]) min = i;
      if (ys[i] > ys[maxAt]) maxAt = i;
    }
    for (const i of min === maxAt ? [min] : [Math.min(min, maxAt), Math.max(min, maxAt)]) {
      x.push(i + 1);
      y.push(ys[i]);
    }
  }
  return { x, y };
}

/** The x of each epoch's end: the number of the last batch recorded in it. */
function epochEnds(t: Telemetry): Map<number, number> {
  const ends = new Map<number, number>();
  t.batches.forEach((b, i) => ends.set(b.epoch, i + 1));
  return ends;
}

/** Training loss per batch, validation loss per epoch, spikes marked: the loss chart's traces. */
export function lossTraces(t: Telemetry, name = '', color = '#2563eb'): Trace[] {
  const losses = t.batches.map((b) => b.loss);
  const raw = decimated(losses);
  const trend = decimated(smoothed(losses));
  const spikes = t.batches.flatMap((b, i) => (b.spike ? [i] : []));
  const ends = epochEnds(t);
  const val = t.epochs.filter((e) => e.valLoss !== null && ends.has(e.epoch));
  const prefix = name ? `${name}: ` : '';
  return [
    {
      x: raw.x,
      y: raw.y,
      type: 'scatter',
      mode: 'lines',
      name: `${prefix}training loss`,
      line: { color, width: 1 },
      opacity: 0.35,
    },
    {
      x: trend.x,
      y: trend.y,
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
  const norm = decimated(t.batches.map((b) => b.gradNorm));
  const rate = decimated(t.batches.map((b) => b.learningRate));
  return [
    {
      x: norm.x,
      y: norm.y,
      type: 'scatter',
      mode: 'lines',
      name: 'gradient norm',
      line: { color: '#7c3aed', width: 1.5 },
    },
    {
      x: rate.x,
      y: rate.y,
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

/** How many features the trees' importance chart shows. */
export const TOP_FEATURES = 15;

/**
 * What the trees split on, as a bar per feature (the largest gains, none at zero): the feature's SMART name,
 * with its window statistic after a dot (`smart_5_raw:slope` reads "SMART 5 Reallocated sectors · slope").
 */
export function importanceTraces(
  importance: { feature: string; gain: number }[],
  label: (column: string) => string,
): Trace[] {
  const top = importance.filter((r) => r.gain > 0).slice(0, TOP_FEATURES);
  return [
    {
      type: 'bar',
      orientation: 'h',
      x: top.map((r) => r.gain),
      y: top.map((r) => {
        const [column, statistic] = r.feature.split(':');
        return statistic ? `${label(column)} · ${statistic}` : label(column);
      }),
      marker: { color: '#2563eb' },
      hovertemplate: '%{y}: %{x:.4g}<extra></extra>',
    },
  ];
}
