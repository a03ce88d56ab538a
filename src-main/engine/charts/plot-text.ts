/**
 * What every plotly chart is given, in the app and in reports. Plotly reads its labels as a small HTML
 * dialect (`<a href>` becomes a live link) and offers to upload a chart to Plotly Cloud; data from a drive
 * fleet must never become a link, and an offline tool must never offer an upload. No runtime dependencies:
 * the renderer and the report page both use it.
 */

/** Plotly options with no Plotly Cloud "Share chart" button, no logo link and no server to send to. */
export const OFFLINE_PLOT_CONFIG = {
  displaylogo: false,
  showSendToCloud: false,
  showEditInChartStudio: false,
  plotlyServerURL: '',
  showLink: false,
  modeBarButtonsToRemove: ['sendChartToCloud', 'sendDataToCloud', 'editInChartStudio'],
} as const;

/** Text from the data (serials, model names) as plotly shows it literally: its markup characters as entities. */
export function plotText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
