/**
 * What every plotly chart is given, in the app and in reports. Plotly reads its labels as a small HTML
 * dialect (`<a href>` becomes a live link) and offers to upload a chart to Plotly Cloud; data from a drive
 * fleet must never become a link, and an offline tool must never offer an upload. No runtime dependencies:
 * the renderer and the report page both use it.
 */

/**
 * The modebar buttons an analyst uses: save as PNG, zoom, pan, reset the axes (on heatmaps and curves alike).
 * Plotly's others (box and lasso select, zoom in/out steps, autoscale, hover modes, spike lines) only added tab
 * stops: eight charts on a view were a hundred presses of Tab.
 */
export const MODEBAR_BUTTONS = ['toImage', 'zoom2d', 'pan2d', 'resetScale2d'] as const;

/**
 * Plotly options with no Plotly Cloud "Share chart" button, no logo link and no server to send to, and a modebar
 * of MODEBAR_BUTTONS.
 */
export const OFFLINE_PLOT_CONFIG = {
  displaylogo: false,
  showSendToCloud: false,
  showEditInChartStudio: false,
  plotlyServerURL: '',
  showLink: false,
  modeBarButtonsToRemove: [
    'sendChartToCloud',
    'sendDataToCloud',
    'editInChartStudio',
    'select2d',
    'lasso2d',
    'zoomIn2d',
    'zoomOut2d',
    'autoScale2d',
    'hoverClosestCartesian',
    'hoverCompareCartesian',
    'toggleSpikelines',
    'toggleHover',
    'resetViews',
  ],
} as const;

/** Text from the data (serials, model names) as plotly shows it literally: its markup characters as entities. */
export function plotText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
