import { readFileSync } from 'node:fs';
import { OFFLINE_PLOT_CONFIG, plotText } from '../charts/plot-text';
import {
  APPENDIX_SECTIONS,
  REPORT_QUEUE_ROWS,
  REPORT_SECTIONS,
  type EvalRow,
  type IntervalPair,
  type PairedComparison,
  type ReportData,
  type ReportFlaggedDrive,
  type ReportSection,
} from '../api-types';
import { alertsInWords } from '../eval/alert-words';
import { drivesToActOn, outcomeOf } from './report-csv';

/** plotly's minified bundle, inlined into every report (read once per process). */
let plotlySource: string | null = null;
function plotly(): string {
  // `</script` inside the bundle would end the inline script early.
  plotlySource ??= readFileSync(require.resolve('plotly.js-dist-min'), 'utf8').replace(
    /<\/script/gi,
    '<\\/script',
  );
  return plotlySource;
}

const esc = (s: unknown): string =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
const int = (n: number): string => n.toLocaleString('en-US');
/** How a threshold was chosen, in words. */
const CHOSEN_BY: Record<ReportData['threshold']['chosenBy'], string> = {
  given: 'the value given',
  far: 'false-alarm rate',
  budget: 'alert budget',
  suggested: 'best F1 (suggested)',
  slider: 'hand, on the slider',
  'max-f1': 'best F1',
  cost: 'lowest cost',
};
const pct = (v: number | null): string => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
const num = (v: number | null, digits = 4): string =>
  v === null ? '–' : (+v.toPrecision(digits)).toString();
const interval = (i: IntervalPair, f: (v: number) => string = (v) => pct(v)): string =>
  i ? `<span class="ci">${f(i[0])} – ${f(i[1])}</span>` : '';

function matrixTable(r: EvalRow, unit: string): string {
  const m = r.matrix;
  return `<table class="matrix"><caption>${esc(unit)}</caption>
<tr><th></th><th>flagged</th><th>not flagged</th></tr>
<tr><th>failed</th><td class="tp">${int(m.tp)}</td><td class="fn">${int(m.fn)}</td></tr>
<tr><th>healthy</th><td class="fp">${int(m.fp)}</td><td class="tn">${int(m.tn)}</td></tr></table>`;
}

function metricsTable(rows: EvalRow[]): string {
  const fars = rows[0]?.detectionAtFar.map((d) => d.far) ?? [];
  const head = `<tr><th>Scorer</th><th>Detection (recall)</th><th>False-alarm rate</th><th>Precision</th><th>F1</th><th>Average precision</th>${fars
    .map((f) => `<th>Detection at ${+(f * 100).toPrecision(3)}% FAR</th>`)
    .join('')}<th>Median lead time</th></tr>`;
  const body = rows
    .map(
      (r) => `<tr><th>${esc(r.name)}<div class="muted">${esc(r.operatingPoint)}</div></th>
<td>${pct(r.recall)}${interval(r.intervals.recall)}</td>
<td>${pct(r.far)}${interval(r.intervals.far)}</td>
<td>${pct(r.precision)}${interval(r.intervals.precision)}</td>
<td>${num(r.f1, 3)}</td>
<td>${num(r.averagePrecision, 3)}${interval(r.intervals.averagePrecision, (v) => num(v, 3))}</td>
${r.detectionAtFar.map((d) => `<td>${pct(d.detection)}${interval(d.interval)}</td>`).join('')}
<td>${r.leadTimeDays.median === null ? '–' : `${r.leadTimeDays.median} days`}${interval(r.leadTimeDays.interval, (v) => `${v}`)}</td></tr>`,
    )
    .join('\n');
  return `<table class="metrics">${head}${body}</table>`;
}

function datasetSection(d: ReportData): string {
  const ds = d.dataset;
  return `<section id="dataset"><h2>Dataset</h2>
<p class="muted">The fingerprint is sha256 of: the data files' hashes ${esc(d.fingerprintParts.data.slice(0, 16))}…, the model's weights ${esc(d.fingerprintParts.weights.slice(0, 16))}…, the threshold ${esc(d.fingerprintParts.threshold.slice(0, 16))}…</p>
<p>${int(ds.drives)} drives, ${int(ds.failures)} failures, ${esc(ds.firstDay)} to ${esc(ds.lastDay)}, from ${ds.files.length} source file${ds.files.length === 1 ? '' : 's'}.</p>
<p><b>Attributes the model reads:</b> ${ds.attributes.map(esc).join(', ') || '–'}</p>
<table><tr><th>Model</th><th>Drives</th><th>Failures</th></tr>${ds.models
    .map(
      (m) =>
        `<tr><td>${esc(m.model)}</td><td class="n">${int(m.drives)}</td><td class="n">${int(m.failures)}</td></tr>`,
    )
    .join('')}</table>
<h3>Source files</h3>
<table class="files"><tr><th>File</th><th>Rows</th><th>sha256</th></tr>${ds.files
    .map(
      (f) =>
        `<tr><td>${esc(f.name.split('/').pop())}</td><td class="n">${int(f.rows)}</td><td class="hash">${esc(f.sha256)}</td></tr>`,
    )
    .join('')}</table></section>`;
}

function modelSection(d: ReportData): string {
  const m = d.model;
  const settings = Object.entries(m.config)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(
      ([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(typeof v === 'object' ? JSON.stringify(v) : v)}</td></tr>`,
    )
    .join('');
  return `<section id="model"><h2>Model</h2>
<p>Run ${m.runId}: <b>${esc(m.kind)}</b>, trained on ${esc(m.backend)} (${esc(m.device)})${m.seconds === null ? '' : ` in ${Math.round(m.seconds)} s`}, ${m.epochs.length} epoch${m.epochs.length === 1 ? '' : 's'}.</p>
<div class="chart" data-chart="training"></div>
<p><b>Loss spikes:</b> ${m.spikes.count}${m.spikes.rule ? ` (a batch loss above ${m.spikes.rule.factor}x the median of the last ${m.spikes.rule.window})` : ''}; ${esc(m.spikes.handled)}.</p>
${m.notices.length ? `<ul class="notices">${m.notices.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
<table class="settings">${settings}</table></section>`;
}

function thresholdSection(d: ReportData): string {
  const t = d.threshold;
  return `<section id="threshold"><h2>Threshold</h2>
<p class="big">${esc(num(t.value, 6))}</p><p>Chosen by <b>${esc(CHOSEN_BY[t.chosenBy])}</b>: ${esc(t.reason)}.</p></section>`;
}

function resultsSection(d: ReportData): string {
  const r = d.results;
  return `<section id="results"><h2>Results</h2>
<p>Evaluated on ${esc(r.drive.evaluationSet)}, ${esc(r.drive.firstDay)} to ${esc(r.drive.lastDay)}: ${int(r.drive.positives)} failed and ${int(r.drive.negatives)} healthy drives. Intervals: 95% bootstrap over drives (${r.drive.bootstrap.replicates} replicates).</p>
<div class="pair">${matrixTable(r.drive, 'drives (failed in the period)')}${matrixTable(r.window, `windows (drive failed within ${d.model.config.horizonDays ?? 14} days)`)}</div>
<h3>Drive level, beside the baselines</h3>${metricsTable([r.drive, ...r.drive.baselines, ...r.drive.runs])}
${r.drive.vsRule ? vsRuleTable(r.drive.vsRule) : ''}
<h3>Window level</h3>${metricsTable([r.window])}
<div class="pair"><div class="chart" data-chart="roc"></div><div class="chart" data-chart="pr"></div></div>
<div class="pair"><div class="chart" data-chart="lead"></div><div class="chart" data-chart="alerts"></div></div>
<p>${r.drive.leadTimes.caught} of ${r.drive.leadTimes.failed} failures alerted before failing${r.drive.leadTimes.median === null ? '' : `, a median of ${r.drive.leadTimes.median} days ahead`}; ${esc(alertsInWords(r.drive))}.</p>
${[...r.drive.notices].map((n) => `<p class="muted">${esc(n)}</p>`).join('')}</section>`;
}

/** The paired comparison with Backblaze's rule, and its verdict in words. */
function vsRuleTable(v: PairedComparison): string {
  const points = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`;
  const rows = [
    { label: `the rule's own false-alarm rate (${pct(v.atBaselinePoint.far)})`, d: v.atBaselinePoint },
    ...v.atFar.map((d) => ({ label: `false-alarm rate ${d.far * 100}%`, d })),
    { label: 'average precision', d: v.averagePrecision },
  ];
  return `<h3>Against Backblaze's rule, paired over the same drives</h3>
<p><b>${esc(v.verdict.charAt(0).toUpperCase() + v.verdict.slice(1))}.</b></p>
<table class="metrics"><thead><tr><th>Held to</th><th>Model</th><th>Rule</th><th>Difference (points)</th><th>95% interval</th></tr></thead><tbody>
${rows.map((r) => `<tr><td>${esc(r.label)}</td><td class="n">${pct(r.d.model)}</td><td class="n">${pct(r.d.baseline)}</td><td class="n">${points(r.d.difference)}</td><td class="n">${r.d.interval ? `${points(r.d.interval[0])} to ${points(r.d.interval[1])}` : '–'}</td></tr>`).join('')}
</tbody></table><p class="muted">Each of the ${v.replicates} bootstrap replicates draws one set of drives and scores both on it: the interval is of the difference.</p>`;
}

function flaggedSection(d: ReportData): string {
  const f = d.flagged;
  if (f.total === 0)
    return `<section id="flagged"><h2>Flagged drives</h2>
<p class="none" data-testid="no-flagged">No drive the run scored reaches the threshold ${esc(num(d.threshold.value, 6))}: nothing to replace on this model's word. A lower threshold (or a higher false-alarm budget) flags more.</p></section>`;
  const rows = f.drives
    .map(
      (r) =>
        `<tr><td class="serial">${esc(r.serial)}</td><td>${esc(r.model)}</td><td class="n">${esc(num(r.score))}</td><td>${esc(r.firstAlert)}</td><td class="n">${r.daysOfHistory}</td><td>${esc(outcomeOf(r))}</td><td>${topAttributes(r)}</td></tr>`,
    )
    .join('\n');
  return `<section id="flagged"><h2>Flagged drives (${int(f.total)})</h2>
<p class="muted">Every drive the run scored whose score reaches the threshold at some window, worst first: the drives it trained on too, as the run in service would alert on them (the results above are measured on ${esc(d.results.drive.evaluationSet)} alone).</p>
<table class="flagged"><tr><th>Serial</th><th>Model</th><th>Score</th><th>First alert</th><th>Days of history</th><th>Outcome</th><th>Top attributes</th></tr>${rows}</table>
${f.heatmaps.length ? `<h3>Error by day and attribute, top ${f.heatmaps.length}</h3>${f.heatmaps.map((_, i) => `<div class="chart small" data-chart="heat-${i}"></div>`).join('')}` : ''}</section>`;
}

/** A flagged drive's attributes behind its alert, or why there are none. */
const topAttributes = (r: ReportFlaggedDrive): string =>
  r.top.length
    ? r.top.map((t) => `${esc(attributeName(t.feature))} ${pct(t.share)}`).join(', ')
    : '<span class="muted">no per-attribute share for this model kind</span>';

/** SMART 5 for smart_5_raw (and its daily change), as the app names it. */
const attributeName = (f: string): string =>
  f.replace(/^smart_(\d+)_raw:change$/, 'SMART $1 (daily change)').replace(/^smart_(\d+)_raw$/, 'SMART $1');

/** How many drives page one lists to act on. */
const ACT_NOW_ROWS = 15;

/**
 * Page one, for the swap crew: the drives to act on now (flagged, still in the data, worst first) and the headline
 * figures beside Backblaze's rule at its own point, with the evaluation they come from.
 */
function summarySection(d: ReportData): string {
  const r = d.results.drive;
  const rule = r.baselines.find((b) => b.name === 'backblaze-rule');
  const act = drivesToActOn(d);
  const rows = act
    .slice(0, ACT_NOW_ROWS)
    .map(
      (f) =>
        `<tr><td class="serial">${esc(f.serial)}</td><td>${esc(f.model)}</td><td>${esc(f.firstAlert)}</td><td>${f.top.length ? esc(attributeName(f.top[0].feature)) : '<span class="muted">–</span>'}</td></tr>`,
    )
    .join('');
  const drives = act.length
    ? `<h3>Drives to act on now (${int(act.length)})</h3>
<table class="act"><tr><th>Serial</th><th>Model</th><th>First alert</th><th>Top attribute</th></tr>${rows}</table>
${act.length > ACT_NOW_ROWS ? `<p class="muted">${int(act.length - ACT_NOW_ROWS)} more under Flagged drives, and in the flagged-drives CSV.</p>` : ''}`
    : `<p class="none">No drive to act on: ${d.flagged.total ? 'every flagged drive has already failed in the data' : 'no drive reaches the threshold'}.</p>`;
  const m = r.matrix;
  const ruleLine = rule
    ? `Backblaze's rule (any of its counters above zero) at its own point: detection ${pct(rule.recall)}, ${int(rule.matrix.fp)} false alarms (${pct(rule.far)}).`
    : "Backblaze's rule cannot be scored on these drives.";
  return `<section id="summary"><h2>Summary</h2>
${drives}
<h3>How well it finds failing drives</h3>
<p class="headline">At threshold ${esc(num(d.threshold.value, 6))}: detection <b>${pct(r.recall)}</b> (${int(m.tp)} of ${int(r.positives)} failed drives), <b>${int(m.fp)}</b> false alarms among ${int(r.negatives)} healthy drives (${pct(r.far)}).<br>${ruleLine}</p>
${r.vsRule ? `<p>${esc(r.vsRule.verdict.charAt(0).toUpperCase() + r.vsRule.verdict.slice(1))}.</p>` : ''}
<p class="muted">From ${esc(r.evaluationSet)}, ${esc(r.firstDay)} to ${esc(r.lastDay)}; threshold chosen by ${esc(CHOSEN_BY[d.threshold.chosenBy])}.</p></section>`;
}

/** The drives waiting for an analyst under the run in service, newest alert first. */
function queueSection(d: ReportData): string {
  const q = d.queue;
  const head = '<section id="queue"><h2>Today\'s queue</h2>';
  if (!q)
    return `${head}<p class="none">No run is in service: there is no queue of alerts to review.</p></section>`;
  if (q.serviceRunId !== d.model.runId)
    return `${head}<p class="none">The queue belongs to run ${q.serviceRunId}, the run in service; this report is of run ${d.model.runId}.</p></section>`;
  const c = q.counts;
  const rows = q.rows
    .slice(0, REPORT_QUEUE_ROWS)
    .map(
      (r) =>
        `<tr><td class="serial">${esc(r.serial)}</td><td>${esc(r.model)}</td><td>${esc(r.day)}</td><td class="n">${esc(num(r.score))}</td><td>${esc(r.firstDay)}</td><td class="n">${r.daysSinceFirst}</td><td>${r.top.length ? esc(attributeName(r.top[0].feature)) : '–'}</td><td>${r.failureDay ? `failed ${esc(r.failureDay)}` : ''}</td></tr>`,
    )
    .join('');
  return `${head}
<p>As of ${esc(q.today ?? '–')} (the last day of data): <b>${int(c.pending)}</b> drive${c.pending === 1 ? '' : 's'} waiting for a verdict; ${int(c.reviewed)} reviewed, ${int(c.muted)} muted, ${int(c['over-budget'])} over the daily budget.</p>
${rows ? `<table class="act"><tr><th>Serial</th><th>Model</th><th>Alert</th><th>Score</th><th>First alert</th><th>Days since</th><th>Top attribute</th><th>Failed</th></tr>${rows}</table>` : ''}
${q.rows.length > REPORT_QUEUE_ROWS ? `<p class="muted">${int(q.rows.length - REPORT_QUEUE_ROWS)} more in the report's queue CSV.</p>` : ''}</section>`;
}

const SECTIONS: Record<ReportSection, (d: ReportData) => string> = {
  summary: summarySection,
  queue: queueSection,
  dataset: datasetSection,
  model: modelSection,
  threshold: thresholdSection,
  results: resultsSection,
  flagged: flaggedSection,
};

/** The chosen sections in print order, the appendix under its own heading. */
function printed(d: ReportData): string {
  const chosen = REPORT_SECTIONS.filter((s) => d.sections.includes(s));
  const main = chosen.filter((s) => !APPENDIX_SECTIONS.includes(s));
  const appendix = chosen.filter((s) => APPENDIX_SECTIONS.includes(s));
  return [
    ...main.map((s) => SECTIONS[s](d)),
    ...(appendix.length
      ? [
          `<div class="appendix" id="appendix"><h2 class="appendix-title">Appendix</h2>`,
          ...appendix.map((s) => SECTIONS[s](d)),
          '</div>',
        ]
      : []),
  ].join('\n');
}

/** The figures, drawn in the page from the inlined data; `window.__reportReady` is set when all are drawn. */
const DRAW = `
const d = JSON.parse(document.getElementById('report-data').textContent);
const base = { margin: { l: 56, r: 16, t: 36, b: 44 }, font: { family: 'system-ui, sans-serif', size: 11 }, showlegend: true, legend: { orientation: 'h', y: -0.25 } };
const cfg = { ...${JSON.stringify(OFFLINE_PLOT_CONFIG)}, displayModeBar: false, responsive: false, staticPlot: matchMedia('print').matches };
const plotText = ${plotText.toString()};
// Backblaze's rule beside the model: its curve on the same drives, and its own operating point.
const rule = (kind) => {
  const c = d.results.ruleCurves && d.results.ruleCurves[kind];
  const row = d.results.drive.baselines.find((b) => b.name === 'backblaze-rule');
  const out = [];
  if (c) out.push({ x: c.x, y: c.y, type: 'scatter', mode: 'lines', name: "Backblaze's rule", line: { color: '#d97706', dash: 'dash', shape: kind === 'pr' ? 'hv' : 'linear' } });
  if (row && row.recall !== null) out.push({ x: [kind === 'roc' ? row.far : row.recall], y: [kind === 'roc' ? row.recall : row.precision], type: 'scatter', mode: 'markers', name: 'rule: any counter above zero', marker: { size: 9, color: '#d97706', symbol: 'diamond' } });
  return out;
};
const figs = {
  training: () => [[
    { x: d.model.loss.map((p) => p.batch), y: d.model.loss.map((p) => p.loss), type: 'scatter', mode: 'lines', name: 'training loss (per batch)', line: { color: '#93b4f5', width: 1 } },
  ], { title: { text: 'Training loss' }, yaxis: { type: 'log', title: { text: 'loss' } }, xaxis: { title: { text: 'batch' } } }],
  roc: () => [[
    { x: d.results.curves.roc.x, y: d.results.curves.roc.y, type: 'scatter', mode: 'lines', name: 'ROC', line: { color: '#2563eb' } },
    { x: [0, 1], y: [0, 1], type: 'scatter', mode: 'lines', name: 'chance', line: { dash: 'dot', color: '#9aa5b1' } },
    { x: [d.results.drive.far], y: [d.results.drive.recall], type: 'scatter', mode: 'markers', name: 'threshold', marker: { size: 10, color: '#d9480f' } },
    ...rule('roc'),
  ], { title: { text: 'ROC (drives), AUC ' + (d.results.curves.rocAuc ?? 0).toFixed(3) }, xaxis: { title: { text: 'false-alarm rate' }, range: [0, 1] }, yaxis: { title: { text: 'detection rate' }, range: [0, 1.02] } }],
  pr: () => [[
    { x: d.results.curves.pr.x, y: d.results.curves.pr.y, type: 'scatter', mode: 'lines', name: 'precision-recall', line: { color: '#2563eb', shape: 'hv' } },
    { x: [d.results.drive.recall], y: [d.results.drive.precision], type: 'scatter', mode: 'markers', name: 'threshold', marker: { size: 10, color: '#d9480f' } },
    ...rule('pr'),
  ], { title: { text: 'Precision-recall (drives), AP ' + (d.results.curves.averagePrecision ?? 0).toFixed(3) }, xaxis: { title: { text: 'recall' }, range: [0, 1] }, yaxis: { title: { text: 'precision' }, range: [0, 1.02] } }],
  lead: () => { const h = d.results.drive.leadTimes.histogram; return [[
    { x: h.counts.map((_, i) => (i * h.binDays) + '–' + ((i + 1) * h.binDays - 1)), y: h.counts, type: 'bar', name: 'failed drives', marker: { color: '#1f8a4c' } },
  ], { title: { text: 'Lead time before failure (days)' }, yaxis: { title: { text: 'drives' } } }]; },
  alerts: () => { const a = d.results.alerts; return [[
    { x: a.days, y: a.alerts.map((v, i) => v - a.falseAlerts[i]), type: 'bar', name: 'failed later', marker: { color: '#1f8a4c' } },
    { x: a.days, y: a.falseAlerts, type: 'bar', name: 'healthy (false alarm)', marker: { color: '#c0362c' } },
  ], { title: { text: 'Drives first alerting per day, evaluation set' }, barmode: 'stack', yaxis: { title: { text: 'drives' } } }]; },
};
d.flagged.heatmaps.forEach((h, i) => {
  figs['heat-' + i] = () => [[
    { type: 'heatmap', x: h.days, y: h.features.map((f) => f.replace(/^smart_(\\d+)_raw$/, 'SMART $1')), z: h.features.map((_, f) => h.z.map((row) => row[f])), colorscale: 'YlOrRd', reversescale: true, colorbar: { thickness: 10 } },
  ], { title: { text: plotText(h.serial) }, margin: { l: 90, r: 16, t: 32, b: 60 }, showlegend: false }];
});
Promise.all([...document.querySelectorAll('[data-chart]')].map((el) => {
  const f = figs[el.dataset.chart];
  if (!f) return null;
  const [data, layout] = f();
  return Plotly.newPlot(el, data, { ...base, ...layout, height: el.classList.contains('small') ? 220 : 300 }, cfg);
})).then(() => { window.__reportReady = true; document.body.dataset.ready = 'true'; });
`;

const CSS = `
:root { color-scheme: light; }
body { font: 13px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1f2933; margin: 24px auto; max-width: 1100px; padding: 0 16px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; border-bottom: 2px solid #2563eb; padding-bottom: 4px; margin-top: 28px; break-after: avoid; } h3 { font-size: 14px; break-after: avoid; }
.muted { color: #5f6b7a; font-size: 11px; } .big { font-size: 26px; font-weight: 600; margin: 4px 0; }
table { border-collapse: collapse; margin: 8px 0; width: 100%; } th, td { border-bottom: 1px solid #dde2e8; padding: 4px 6px; text-align: left; vertical-align: top; }
tr { break-inside: avoid; } td.n { text-align: right; font-variant-numeric: tabular-nums; } .hash { font-family: ui-monospace, monospace; font-size: 10px; word-break: break-all; }
.settings { width: auto; } .settings th { font-weight: 500; color: #5f6b7a; }
.metrics td, .metrics th { font-size: 12px; } .ci { display: block; color: #5f6b7a; font-size: 10px; }
.matrix { width: auto; margin-right: 24px; } .matrix td { text-align: right; min-width: 80px; font-size: 15px; } .matrix caption { text-align: left; color: #5f6b7a; }
.tp { background: #e3f4ea; } .tn { background: #eef3fd; } .fp { background: #fde8e6; } .fn { background: #fdf3e1; }
.pair { display: flex; gap: 16px; flex-wrap: wrap; } .pair > * { flex: 1 1 420px; }
.chart { break-inside: avoid; min-height: 300px; } .chart.small { min-height: 220px; }
.serial { font-family: ui-monospace, monospace; white-space: nowrap; } .flagged td, .flagged th { font-size: 11px; } .flagged td:not(:nth-child(2)):not(:last-child) { white-space: nowrap; } .flagged td:last-child { min-width: 170px; } .none { padding: 12px; background: #eef3fd; border-radius: 6px; }
.notices { color: #b7791f; } header p { margin: 2px 0; }
.act td, .act th { font-size: 12px; } .headline { font-size: 14px; }
.appendix-title { border-bottom-color: #9aa5b1; color: #5f6b7a; } .appendix h2:not(.appendix-title) { font-size: 15px; border-bottom-width: 1px; }
.fingerprint { font-family: ui-monospace, monospace; font-size: 10px; }
footer { position: fixed; bottom: 0; left: 0; right: 0; padding: 4px 16px; background: #fff; border-top: 1px solid #dde2e8; font-size: 9px; color: #5f6b7a; display: flex; justify-content: space-between; }
@page { size: A4; margin: 14mm 10mm 16mm; }
@media print { body { margin: 0; max-width: none; padding: 0 0 24px; } section { break-before: auto; } h2 { margin-top: 16px; } #summary + section { break-before: page; } .appendix { break-before: page; } }
`;

/**
 * The report as one self-contained HTML file: the styles, plotly and the data
 * inlined, no external URL, drawn in any browser with no network. The
 * fingerprint is in the header and in a footer that prints on every page.
 */
export function reportHtml(d: ReportData): string {
  const json = JSON.stringify(d).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(d.title)}</title><style>${CSS}</style></head>
<body>
<header><h1>${esc(d.title)}</h1>
<p class="muted">Generated ${esc(d.generatedAt)} by Drive Triage ${esc(d.appVersion)}</p>
<p>Fingerprint <span class="fingerprint" data-testid="fingerprint">${esc(d.fingerprint)}</span></p>
</header>
${printed(d)}
<footer><span>Drive Triage · run ${d.model.runId} · threshold ${esc(num(d.threshold.value, 6))}</span><span>fingerprint ${esc(d.fingerprint)}</span></footer>
<script type="application/json" id="report-data">${json}</script>
<script>${plotly()}</script>
<script>${DRAW}</script>
</body></html>
`;
}
