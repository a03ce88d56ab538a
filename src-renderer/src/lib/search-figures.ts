import type { SearchDetail, SearchTrial } from '../../../src-main/engine/api-types';
import type { Figure } from './heatmap';

/** Trials with a measured objective, in trial order. */
const measured = (d: SearchDetail): (SearchTrial & { objective: number })[] =>
  d.trialList.filter((t): t is SearchTrial & { objective: number } => t.objective !== null);

/** Best so far after each measured trial (lowest or highest, by the search's direction). */
export function bestSoFar(values: number[], direction: 'minimize' | 'maximize'): number[] {
  const out: number[] = [];
  for (const v of values) {
    const prev = out.at(-1);
    out.push(prev === undefined ? v : direction === 'minimize' ? Math.min(prev, v) : Math.max(prev, v));
  }
  return out;
}

export function objectiveLabel(d: Pick<SearchDetail, 'objective'>): string {
  const o = d.objective;
  if (o.kind === 'val-loss') return 'validation loss';
  if (o.kind === 'average-precision') return 'average precision (drives)';
  return `detection at ${+(o.far * 100).toPrecision(3)}% false alarms`;
}

/** Optimisation history: each trial's objective (pruned ones hollow) and the best so far as a step line. */
export function historyFigure(d: SearchDetail): Figure {
  const m = measured(d);
  const done = m.filter((t) => t.status === 'done');
  const pruned = m.filter((t) => t.status === 'pruned');
  const best = bestSoFar(
    done.map((t) => t.objective),
    d.direction,
  );
  const label = objectiveLabel(d);
  return {
    data: [
      {
        type: 'scatter',
        mode: 'markers',
        name: 'trial',
        x: done.map((t) => t.trial),
        y: done.map((t) => t.objective),
        marker: { size: 9, color: '#2563eb' },
        hovertemplate: `trial %{x}<br>${label} %{y:.4g}<extra></extra>`,
      },
      {
        type: 'scatter',
        mode: 'markers',
        name: 'stopped early',
        x: pruned.map((t) => t.trial),
        y: pruned.map((t) => t.objective),
        marker: { size: 9, symbol: 'circle-open', color: '#9aa5b1' },
        hovertemplate: `trial %{x} (stopped early)<br>${label} %{y:.4g}<extra></extra>`,
      },
      {
        type: 'scatter',
        mode: 'lines',
        name: 'best so far',
        x: done.map((t) => t.trial),
        y: best,
        line: { shape: 'hv', color: '#d9480f', width: 2 },
      },
    ],
    layout: {
      xaxis: { title: { text: 'trial' }, dtick: Math.max(1, Math.ceil(d.trialList.length / 20)) },
      yaxis: { title: { text: label } },
      legend: { orientation: 'h', y: 1.12 },
    },
    height: 300,
  };
}

/**
 * Parallel coordinates of the tuned settings and the objective, drawn as SVG
 * lines (one per measured trial, coloured by its objective, better darker)
 * rather than plotly's WebGL parcoords, which a machine without a GPU may not draw.
 * Each axis is scaled to its own range; categories are spaced evenly.
 */
export function parallelFigure(d: SearchDetail): Figure {
  const m = measured(d);
  const names = Object.keys(d.space.dimensions);
  const axes = [...names, 'objective'];
  const scale = axes.map((name) => {
    const dim = d.space.dimensions[name as keyof typeof d.space.dimensions];
    if (dim?.type === 'categorical') {
      const vals = dim.values.map(String);
      return {
        at: (v: unknown) => (vals.length === 1 ? 0.5 : vals.indexOf(String(v)) / (vals.length - 1)),
        ticks: vals.map((v, i) => ({ y: vals.length === 1 ? 0.5 : i / (vals.length - 1), text: v })),
      };
    }
    const log = dim && (dim.type === 'log-float' || (dim.type === 'int' && dim.log === true));
    const values = name === 'objective' ? m.map((t) => t.objective) : m.map((t) => Number(t.params[name]));
    const lo = dim ? dim.min : Math.min(...values);
    const hi = dim ? dim.max : Math.max(...values);
    const f = (v: number): number => (log ? Math.log(v) : v);
    const span = f(hi) - f(lo) || 1;
    const fmt = (v: number): string => (Number.isFinite(v) ? `${+v.toPrecision(3)}` : '');
    return {
      at: (v: unknown) => (f(Number(v)) - f(lo)) / span,
      ticks: [
        { y: 0, text: fmt(lo) },
        { y: 1, text: fmt(hi) },
      ],
    };
  });
  const objectives = m.map((t) => t.objective);
  const oLo = Math.min(...objectives);
  const oHi = Math.max(...objectives);
  const goodness = (v: number): number => {
    const r = oHi === oLo ? 1 : (v - oLo) / (oHi - oLo);
    return d.direction === 'minimize' ? 1 - r : r;
  };
  const lines = m.map((t) => {
    const g = goodness(t.objective);
    // Pale blue (worse) to deep blue (better).
    const c = `rgba(37, 99, 235, ${(0.15 + 0.85 * g).toFixed(3)})`;
    return {
      type: 'scatter',
      mode: 'lines+markers',
      x: axes.map((_, i) => i),
      y: axes.map((a, i) => scale[i].at(a === 'objective' ? t.objective : t.params[a])),
      line: { color: c, width: 1 + 2 * g },
      marker: { size: 5, color: c },
      name: `trial ${t.trial}`,
      hovertemplate: `trial ${t.trial}: ${axes.map((a) => `${a} ${a === 'objective' ? t.objective.toPrecision(4) : String(t.params[a])}`).join(', ')}<extra></extra>`,
      showlegend: false,
    };
  });
  const annotations = axes.flatMap((a, i) => [
    { x: i, y: 1.12, text: `<b>${a}</b>`, showarrow: false, xanchor: 'center' },
    ...scale[i].ticks.map((t) => ({
      x: i,
      y: t.y,
      text: t.text,
      showarrow: false,
      xanchor: 'left',
      xshift: 6,
      font: { size: 10 },
    })),
  ]);
  const axisLines = axes.map((_, i) => ({
    type: 'line',
    x0: i,
    x1: i,
    y0: 0,
    y1: 1,
    line: { color: '#9aa5b1', width: 1 },
  }));
  return {
    data: lines,
    layout: {
      xaxis: { visible: false, range: [-0.2, axes.length - 0.6] },
      yaxis: { visible: false, range: [-0.05, 1.18] },
      shapes: axisLines,
      annotations,
      margin: { l: 16, r: 16, t: 16, b: 16 },
    },
    height: 320,
  };
}

/** Each tuned setting's share of the surrogate's relevance, largest first. */
export function importanceFigure(d: SearchDetail): Figure | null {
  if (!d.importance) return null;
  const rows = [...d.importance].reverse();
  return {
    data: [
      {
        type: 'bar',
        orientation: 'h',
        x: rows.map((r) => r.share),
        y: rows.map((r) => r.name),
        marker: { color: '#1f8a4c' },
        hovertemplate: '%{y}: %{x:.0%}<extra></extra>',
      },
    ],
    layout: {
      xaxis: { tickformat: '.0%', range: [0, 1], title: { text: 'share of relevance (1/length scale²)' } },
      margin: { l: 120, r: 16, t: 8, b: 48 },
    },
    height: Math.max(160, rows.length * 32 + 70),
  };
}

/** An objective as the tables show it: four significant digits, a dash when there is none yet. */
export const fmtObjective = (v: number | null | undefined): string =>
  v === null || v === undefined ? '–' : v.toPrecision(4);

/** A trial's setting: fractions to three significant digits, whole numbers and words as they are. */
export const fmtParam = (v: string | number | boolean | undefined): string =>
  v === undefined ? '–' : typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(3) : String(v);
