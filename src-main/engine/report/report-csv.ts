import type { EvalRow, ReportData, ReportFlaggedDrive, SearchDetail } from '../api-types';

/** What became of a flagged drive, in the data: failed on a day, or healthy through its last day so far. */
export const outcomeOf = (f: ReportFlaggedDrive): string =>
  f.failed ? `failed ${f.failed}` : `healthy through ${f.lastDay}`;

/** The flagged drives still in the data (not failed), worst first: what the swap crew acts on now. */
export const drivesToActOn = (d: ReportData): ReportFlaggedDrive[] =>
  d.flagged.drives.filter((f) => !f.failed);

/**
 * One CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). Text that a spreadsheet would
 * run as a formula (starting with = + - @, a tab or a CR: OWASP's rule) is prefixed with a quote mark; numbers
 * are written as numbers, negative ones too.
 */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const raw = String(v);
  const s = /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function flaggedCsv(d: ReportData): string {
  return csv(
    [
      'serial',
      'model',
      'score',
      'first_alert',
      'days_of_history',
      'failed',
      'last_day',
      'outcome',
      'top_attributes',
    ],
    d.flagged.drives.map((f) => [
      f.serial,
      f.model,
      f.score,
      f.firstAlert,
      f.daysOfHistory,
      f.failed,
      f.lastDay,
      outcomeOf(f),
      f.top.map((t) => `${t.feature}:${t.share.toFixed(4)}`).join(' '),
    ]),
  );
}

function metricRow(level: string, r: EvalRow): unknown[] {
  const lo = (i: [number, number] | null): number | null => (i ? i[0] : null);
  const hi = (i: [number, number] | null): number | null => (i ? i[1] : null);
  return [
    r.name,
    r.source,
    level,
    r.threshold,
    r.precision,
    r.recall,
    r.f1,
    r.far,
    r.rocAuc,
    r.averagePrecision,
    r.leadTimeDays.median,
    lo(r.intervals.recall),
    hi(r.intervals.recall),
    lo(r.intervals.far),
    hi(r.intervals.far),
    lo(r.intervals.precision),
    hi(r.intervals.precision),
    lo(r.intervals.averagePrecision),
    hi(r.intervals.averagePrecision),
  ];
}

/** The model's and the baselines' metrics at both levels, with their bootstrap intervals. */
export function metricsCsv(d: ReportData): string {
  const drive = d.results.drive;
  return csv(
    [
      'scorer',
      'source',
      'level',
      'threshold',
      'precision',
      'recall',
      'f1',
      'false_alarm_rate',
      'roc_auc',
      'average_precision',
      'median_lead_days',
      'recall_lo',
      'recall_hi',
      'far_lo',
      'far_hi',
      'precision_lo',
      'precision_hi',
      'ap_lo',
      'ap_hi',
    ],
    [
      ...[drive, ...drive.baselines, ...drive.runs].map((r) => metricRow('drive', r)),
      metricRow('window', d.results.window),
    ],
  );
}

export function confusionCsv(d: ReportData): string {
  return csv(
    ['level', 'threshold', 'tp', 'fp', 'tn', 'fn'],
    (['drive', 'window'] as const).map((level) => {
      const r = d.results[level];
      return [level, r.threshold, r.matrix.tp, r.matrix.fp, r.matrix.tn, r.matrix.fn];
    }),
  );
}

/** A search's trials, one column per tuned setting. */
export function trialsCsv(s: SearchDetail): string {
  const names = Object.keys(s.space.dimensions);
  return csv(
    ['search', 'trial', 'status', 'objective', 'run', 'source', 'seconds', ...names],
    s.trialList.map((t) => [
      s.id,
      t.trial,
      t.status,
      t.objective,
      t.runId,
      t.source,
      t.seconds,
      ...names.map((n) => t.params[n]),
    ]),
  );
}
