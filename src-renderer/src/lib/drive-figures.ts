import { explanationOf } from './explanations';
import type { DriveErrors } from '../../../src-main/engine/api-types';
import { attributeLabel, attributeShort } from './smart-names';

type Trace = Record<string, unknown>;
export interface DriveFigures {
  scores: { data: Trace[]; layout: Record<string, unknown> };
  /** Autoencoders only: day x attribute errors. */
  attributes: { data: Trace[]; layout: Record<string, unknown>; height: number } | null;
}

/** A dotted vertical line on a day: the failure day, or a day picked elsewhere. */
export const dayLine = (x: string, color: string): Trace => ({
  type: 'line',
  xref: 'x',
  yref: 'paper',
  x0: x,
  x1: x,
  y0: 0,
  y1: 1,
  line: { color, width: 2, dash: 'dot' },
});

/**
 * One drive's figures under a run: its score per window with the threshold as a
 * horizontal line (and the failure day, and a day picked elsewhere, as vertical
 * ones), and the day x attribute heatmap of reconstruction errors.
 */
export function errorFigures(
  e: DriveErrors,
  opts: { threshold: number | null; failureDay: string | null; day?: string },
): DriveFigures {
  const marks: Trace[] = [
    ...(opts.failureDay ? [dayLine(opts.failureDay, '#c0362c')] : []),
    ...(opts.day ? [dayLine(opts.day, '#2563eb')] : []),
  ];
  const scores = {
    data: [
      {
        x: e.days,
        y: e.scores,
        type: 'scatter',
        mode: 'lines+markers',
        marker: { size: 4 },
        name: e.scoreName,
        line: { color: '#7c3aed' },
      },
    ],
    layout: {
      margin: { l: 64, r: 16, t: 8, b: 36 },
      showlegend: false,
      yaxis: { title: { text: 'score' } },
      shapes: [
        ...marks,
        ...(opts.threshold !== null
          ? [
              {
                type: 'line',
                xref: 'paper',
                yref: 'y',
                x0: 0,
                x1: 1,
                y0: opts.threshold,
                y1: opts.threshold,
                line: { color: '#d9480f', width: 2, dash: 'dash' },
              },
            ]
          : []),
      ],
    },
  };
  if (e.features.length === 0) return { scores, attributes: null };
  // Plotly wants rows = attributes: transpose the stored [window][feature] errors.
  const z = e.features.map((_, f) => e.dayErrors.map((row) => row[f]));
  // Rows short enough for the margin (a daily change as 'SMART 9 · daily change'); the full name on hover.
  const labels = e.features.map(attributeLabel);
  const rows = e.features.map((f) =>
    f.endsWith(':change')
      ? `${attributeShort(f.slice(0, -':change'.length))} · daily change`
      : attributeLabel(f),
  );
  const words = explanationOf(e.kind);
  return {
    scores,
    attributes: {
      data: [
        {
          type: 'heatmap',
          x: e.days,
          y: rows,
          z,
          text: labels.map((l) => e.days.map(() => l)),
          colorscale: 'YlOrRd',
          reversescale: true,
          zmin: 0,
          // Trees explain a window by each attribute's push toward failure (path contributions, log-odds), the
          // classifier by gradient x input, autoencoders by the squared error.
          colorbar: { title: { text: words.colour, side: 'right' }, thickness: 12 },
          hovertemplate: `%{text}<br>%{x}<br>${words.hover} %{z:.4g}<extra></extra>`,
        },
      ],
      layout: {
        margin: { l: 230, r: 16, t: 8, b: 72 },
        xaxis: { type: 'category', nticks: 16 },
        yaxis: { type: 'category', autorange: 'reversed' },
        shapes: marks,
      },
      height: Math.max(220, labels.length * 22 + 96),
    },
  };
}
