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
export function heatmapFigure(
  h: FleetHeatmap,
  opts: { threshold?: number | null; cell?: HeatmapCell | null } = {},
): Figure {
  const W = h.days.length;
  const rows = h.drives.length;
  const z: (number | null)[][] = h.drives.map((_, i) => h.z.slice(i * W, (i + 1) * W));
  const serials = h.drives.map((d) => plotText(d.serial));
  const rowIndex = serials.map((_, i) => i);
  const dayIndex = new Map(h.days.map((d, i) => [d, i]));
  const failed = h.drives
    .map((d, i) => ({ ...d, row: i }))
    .filter((d) => d.failureDay !== null && dayIndex.has(d.failureDay));
  const scale = colourScale(colourCeiling(h.z), opts.threshold ?? null);
  const tagged = h.drives.map((d, i) => (d.split ? `${serials[i]} (${d.split})` : serials[i]));
  const data: Record<string, unknown>[] = [
    {
      type: 'heatmap',
      x: h.days,
      y: rowIndex,
      z,
      customdata: tagged.map((s) => new Array<string>(W).fill(s)),
      zmin: 0,
      zmax: scale.zmax,
      colorscale: scale.colorscale,
      colorbar: {
        title: { text: h.scoreName, side: 'right' },
        thickness: 14,
        ...(scale.thresholdAt !== null
          ? {
              tickmode: 'array',
              tickvals: [0, scale.thresholdAt, scale.zmax],
              ticktext: ['0', 'threshold', `${+(scale.zmax ?? 0).toPrecision(3)}`],
            }
          : {}),
      },
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
  // A tall heatmap repeats its dates along the top: the days stay in view whichever end is on screen.
  const tall = rows > 30;
  if (tall)
    data.push({
      type: 'scatter',
      mode: 'markers',
      x: h.days,
      y: h.days.map(() => 0),
      xaxis: 'x2',
      marker: { opacity: 0 },
      hoverinfo: 'skip',
      showlegend: false,
    });
  const labelled = rows <= LABELLED_ROWS;
  const cell = opts.cell && opts.cell.row < rows && opts.cell.col < W ? opts.cell : null;
  return {
    data,
    layout: {
      margin: { l: labelled ? 150 : 48, r: 16, t: tall ? 84 : 16, b: 84 },
      xaxis: { type: 'category', tickangle: -45, nticks: 20, showgrid: false },
      ...(tall
        ? {
            xaxis2: {
              type: 'category',
              overlaying: 'x',
              matches: 'x',
              side: 'top',
              tickangle: -45,
              nticks: 20,
              showgrid: false,
            },
          }
        : {}),
      // The cell the keyboard is on (HeatmapView), outlined.
      shapes: cell
        ? [
            {
              type: 'rect',
              xref: 'x',
              yref: 'y',
              x0: cell.col - 0.5,
              x1: cell.col + 0.5,
              y0: cell.row - 0.5,
              y1: cell.row + 0.5,
              line: { color: '#2563eb', width: 3 },
            },
          ]
        : [],
      yaxis: {
        autorange: 'reversed',
        zeroline: false,
        showgrid: false,
        showticklabels: labelled,
        ticks: '',
        ...(labelled ? { tickmode: 'array', tickvals: rowIndex, ticktext: tagged } : {}),
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

/** A cell of the heatmap: its row (drive, worst first) and column (day). */
export interface HeatmapCell {
  row: number;
  col: number;
}

/**
 * The colour scale: with a threshold, anchored at it, so a cell at or above it is unmistakable (pale yellow to
 * orange below, deep red to dark purple from the threshold up; the colour bar marks it); without one, plotly's
 * YlOrRd reversed (quiet drives pale, failing ones dark). zmax is the 99th percentile, or a quarter above the
 * threshold where that is higher, so the cells above it keep a range of their own.
 */
export function colourScale(
  ceiling: number | null,
  threshold: number | null,
): { zmax: number | undefined; colorscale: unknown; thresholdAt: number | null } {
  if (threshold === null || !(threshold > 0))
    return { zmax: ceiling ?? undefined, colorscale: REVERSED_YLORRD, thresholdAt: null };
  const zmax = Math.max(ceiling ?? 0, threshold * 1.25);
  const f = threshold / zmax;
  return {
    zmax,
    colorscale: [
      [0, '#ffffcc'],
      [f * 0.999, '#fd8d3c'],
      [f, '#bd0026'],
      [1, '#3f007d'],
    ],
    thresholdAt: threshold,
  };
}

/** Plotly's YlOrRd, light to dark (as `reversescale` gave it). */
const REVERSED_YLORRD = [
  [0, '#ffffcc'],
  [0.25, '#fed976'],
  [0.5, '#fd8d3c'],
  [0.75, '#e31a1c'],
  [1, '#800026'],
];

/**
 * The cell a key moves to: arrows one step, PageUp/PageDown ten rows, Home/End the first/last day of the row;
 * clamped to the heatmap. Null for other keys (the browser keeps them).
 */
export function moveCell(cell: HeatmapCell, key: string, rows: number, cols: number): HeatmapCell | null {
  const clamp = (v: number, n: number): number => Math.max(0, Math.min(n - 1, v));
  const to = (row: number, col: number): HeatmapCell => ({ row: clamp(row, rows), col: clamp(col, cols) });
  switch (key) {
    case 'ArrowUp':
      return to(cell.row - 1, cell.col);
    case 'ArrowDown':
      return to(cell.row + 1, cell.col);
    case 'ArrowLeft':
      return to(cell.row, cell.col - 1);
    case 'ArrowRight':
      return to(cell.row, cell.col + 1);
    case 'PageUp':
      return to(cell.row - 10, cell.col);
    case 'PageDown':
      return to(cell.row + 10, cell.col);
    case 'Home':
      return to(cell.row, 0);
    case 'End':
      return to(cell.row, cols - 1);
    default:
      return null;
  }
}

/** A cell in words, for the screen reader and the line under the heatmap. */
export function cellInWords(h: FleetHeatmap, cell: HeatmapCell): string {
  const d = h.drives[cell.row];
  const v = h.z[cell.row * h.days.length + cell.col];
  if (!d) return '';
  return `Row ${cell.row + 1} of ${h.drives.length}: ${d.serial}${d.split ? ` (${d.split})` : ''}, ${d.model}, ${h.days[cell.col]}: ${
    v === null || v === undefined ? 'no window ends that day' : `${h.scoreName} ${+v.toPrecision(4)}`
  }${d.failureDay ? `; failed ${d.failureDay}` : ''}`;
}
