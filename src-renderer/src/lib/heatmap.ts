import type { FleetHeatmap } from '../../../src-main/engine/api-types';

export interface Figure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  height: number;
}

/** The value the colour scale tops out at: the 99th percentile, so one extreme drive does not wash out the rest. */
export function colourCeiling(values: ArrayLike<number | null>): number | null {
  const v: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x !== null && Number.isFinite(x)) v.push(x);
  }
  if (v.length === 0) return null;
  v.sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor(v.length * 0.99))];
}

/**
 * The fleet heatmap as plotly draws it: one row per drive (worst at the top), one
 * column per day; failures crossed.
 */
export function heatmapFigure(h: FleetHeatmap): Figure {
  const W = h.days.length;
  const z: (number | null)[][] = h.drives.map((_, i) => h.z.slice(i * W, (i + 1) * W));
  const serials = h.drives.map((d) => d.serial);
  const inRange = new Set(h.days);
  const failed = h.drives.filter((d) => d.failureDay !== null && inRange.has(d.failureDay));
  const zmax = colourCeiling(h.z) ?? undefined;
  const data: Record<string, unknown>[] = [
    {
      type: 'heatmap',
      x: h.days,
      y: serials,
      z,
      zmin: 0,
      zmax,
      // Plotly's YlOrRd runs dark to light; reversed, quiet drives are pale and failing ones dark.
      colorscale: 'YlOrRd',
      reversescale: true,
      colorbar: { title: { text: h.scoreName, side: 'right' }, thickness: 14 },
      hoverongaps: false,
      hovertemplate: '%{y}<br>%{x}<br>score %{z:.4g}<extra></extra>',
      xgap: W <= 60 ? 1 : 0,
      ygap: h.drives.length <= 80 ? 1 : 0,
    },
    {
      type: 'scatter',
      mode: 'markers',
      x: failed.map((d) => d.failureDay),
      y: failed.map((d) => d.serial),
      name: 'failed',
      marker: { symbol: 'x-thin', size: 9, line: { width: 2, color: '#111827' } },
      hovertemplate: '%{y} failed on %{x}<extra></extra>',
      showlegend: false,
    },
  ];
  const rows = h.drives.length;
  return {
    data,
    layout: {
      margin: { l: rows <= 120 ? 120 : 24, r: 16, t: 16, b: 56 },
      xaxis: { type: 'category', tickangle: -45, nticks: 20 },
      yaxis: { type: 'category', autorange: 'reversed', showticklabels: rows <= 120, tickfont: { size: 10 } },
    },
    height: Math.max(320, Math.min(900, rows * 12 + 100)),
  };
}
