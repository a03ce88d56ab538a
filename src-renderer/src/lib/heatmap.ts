import { plotText } from '../../../src-main/engine/charts/plot-text';
import type { FleetHeatmap } from '../../../src-main/engine/api-types';

export interface Figure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  height: number;
}

/** The value the colour scale tops out at: the 99th percentile, so one extreme drive does not wash out the rest. */
export function colourCeiling(values: ArrayLike<number | null>): number | null {
  // A typed array sorts numerically and several times faster than an array of numbers (100,000 cells).
  const v = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x !== null && Number.isFinite(x)) v[n++] = x;
  }
  if (n === 0) return null;
  const s = v.subarray(0, n).sort();
  return s[Math.min(n - 1, Math.floor(n * 0.99))];
}

/** Rows up to this many are labelled with their serials (more would overlap). */
const LABELLED_ROWS = 120;

/**
 * The fleet heatmap as plotly draws it: one row per drive (worst at the top), one
 * column per day; failures crossed. Rows are numbered, not categories: a category
 * axis of thousands of serials costs plotly more than the picture itself. The
 * serial rides along as customdata (one shared string per row) for hover and
 * click; `serialAt` maps a clicked point back.
 */
export function heatmapFigure(h: FleetHeatmap): Figure {
  const W = h.days.length;
  const rows = h.drives.length;
  const z: (number | null)[][] = h.drives.map((_, i) => h.z.slice(i * W, (i + 1) * W));
  const serials = h.drives.map((d) => plotText(d.serial));
  const rowIndex = serials.map((_, i) => i);
  const dayIndex = new Map(h.days.map((d, i) => [d, i]));
  const failed = h.drives
    .map((d, i) => ({ ...d, row: i }))
    .filter((d) => d.failureDay !== null && dayIndex.has(d.failureDay));
  const zmax = colourCeiling(h.z) ?? undefined;
  const data: Record<string, unknown>[] = [
    {
      type: 'heatmap',
      x: h.days,
      y: rowIndex,
      z,
      customdata: serials.map((s) => new Array<string>(W).fill(s)),
      zmin: 0,
      zmax,
      // Plotly's YlOrRd runs dark to light; reversed, quiet drives are pale and failing ones dark.
      colorscale: 'YlOrRd',
      reversescale: true,
      colorbar: { title: { text: h.scoreName, side: 'right' }, thickness: 14 },
      hoverongaps: false,
      hovertemplate: '%{customdata}<br>%{x}<br>score %{z:.4g}<extra></extra>',
      // Gaps make plotly paint cell by cell; only worth it while cells are big.
      xgap: W <= 60 && rows <= 200 ? 1 : 0,
      ygap: rows <= 80 ? 1 : 0,
    },
    {
      type: 'scatter',
      mode: 'markers',
      x: failed.map((d) => d.failureDay),
      y: failed.map((d) => d.row),
      customdata: failed.map((d) => plotText(d.serial)),
      name: 'failed',
      marker: { symbol: 'x-thin', size: 9, line: { width: 2, color: '#111827' } },
      hovertemplate: '%{customdata} failed on %{x}<extra></extra>',
      showlegend: false,
    },
  ];
  const labelled = rows <= LABELLED_ROWS;
  return {
    data,
    layout: {
      margin: { l: labelled ? 120 : 48, r: 16, t: 16, b: 84 },
      xaxis: { type: 'category', tickangle: -45, nticks: 20, showgrid: false },
      yaxis: {
        autorange: 'reversed',
        zeroline: false,
        showgrid: false,
        showticklabels: labelled,
        ticks: '',
        ...(labelled ? { tickmode: 'array', tickvals: rowIndex, ticktext: serials } : {}),
        tickfont: { size: 10 },
      },
    },
    height: Math.max(320, Math.min(900, rows * 12 + 100)),
  };
}

/** The serial of the drive under a clicked point of `heatmapFigure` (its row number), or null. */
export function serialAt(h: FleetHeatmap, y: unknown): string | null {
  return typeof y === 'number' && Number.isInteger(y) ? (h.drives[y]?.serial ?? null) : null;
}
