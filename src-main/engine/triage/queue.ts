import {
  ApiError,
  type Queue,
  type QueueItem,
  type QueueShow,
  type Review,
  type Verdict,
} from '../api-types';
import { dataSpan } from '../catalogue/windows';
import { formatDay } from '../import/row-fields';
import { csv } from '../report/report-csv';
import type { Db } from '../store/db';
import { currentService, serviceInfoById } from './service';
import { RunWindows, type ScoreBlobs } from '../model/score-store';

/** Window scores in a queue item's sparkline. */
const TREND_WINDOWS = 30;

interface AlertRow {
  id: number;
  drive_id: number;
  day: number;
  score: number;
  threshold: number;
  top: string | null;
  state: QueueItem['state'];
  first: number;
  n: number;
  serial: string;
  model: string;
  failure_day: number | null;
}

interface ReviewRow {
  id: number;
  drive_id: number;
  alert_day: number;
  verdict: Verdict;
  until_day: number | null;
  note: string | null;
  source: Review['source'];
  decided_at: string;
}

const toReview = (r: ReviewRow): Review => ({
  id: r.id,
  alertDay: formatDay(r.alert_day),
  verdict: r.verdict,
  untilDay: r.until_day === null ? null : formatDay(r.until_day),
  note: r.note,
  source: r.source,
  decidedAt: r.decided_at,
});

/** "Today" for the queue: the last day of data in the workspace (snoozes and ages count days of data). */
const dataToday = (db: Db): number | null => dataSpan(db).hi;

/**
 * The queue: each drive with an alert under the run in service, once, by its latest alert. It waits for an analyst
 * ("pending") while no verdict covers that alert (a verdict covers the alert it was given on and the drive's
 * earlier ones) or its snooze has run out; a note alone decides nothing. Muted and over-budget alerts are kept
 * apart. Newest first, then furthest above the threshold.
 */
export function triageQueue(db: Db, q: { show?: QueueShow; offset?: number; limit?: number }): Queue {
  const service = currentService(db);
  const todayDay = dataToday(db);
  const today = todayDay === null ? null : formatDay(todayDay);
  const counts: Queue['counts'] = { pending: 0, reviewed: 0, muted: 0, 'over-budget': 0, all: 0 };
  if (!service) return { service: null, today, counts, total: 0, rows: [] };
  const items = classifiedAlerts(db, service.id, todayDay ?? 0);
  for (const [bucket, n] of items.counts()) {
    counts[bucket] = n;
    counts.all += n;
  }
  const show = q.show ?? 'pending';
  const page = items.page(show, q.offset ?? 0, q.limit ?? 200);
  const total = show === 'all' ? counts.all : counts[show];
  const trendOf = db.prepare('SELECT end_days, window_scores FROM scores WHERE run_id = ? AND drive_id = ?');
  const stored = new RunWindows(db, service.runId);
  const rows = page.map(({ alert: a, review, pending }): QueueItem => {
    const row = trendOf.get(service.runId, a.drive_id) as ScoreBlobs | undefined;
    const scores = row ? stored.of(a.drive_id, row).scores : new Float32Array(0);
    const trend = Array.from(scores.subarray(Math.max(0, scores.length - TREND_WINDOWS)));
    return {
      alertId: a.id,
      serial: a.serial,
      model: a.model,
      day: formatDay(a.day),
      score: a.score,
      threshold: a.threshold,
      firstDay: formatDay(a.first),
      daysSinceFirst: (todayDay ?? a.first) - a.first,
      alerts: a.n,
      trend,
      latest: trend.length ? trend[trend.length - 1] : a.score,
      top: (a.top ? (JSON.parse(a.top) as [string, number][]) : []).map(([feature, share]) => ({
        feature,
        share,
      })),
      failureDay: a.failure_day === null ? null : formatDay(a.failure_day),
      state: a.state,
      review: review ? toReview(review) : null,
      pending,
    };
  });
  return { service: serviceInfoById(db, service.id), today, counts, total, rows };
}

type Bucket = Exclude<QueueShow, 'all'>;

/**
 * Every alerting drive's latest alert under a service with its latest verdict and the list it belongs to, counted
 * and paged by SQLite: a page reads its own rows, not every alerting drive of the fleet.
 */
function classifiedAlerts(
  db: Db,
  serviceId: number,
  today: number,
): {
  counts(): [Bucket, number][];
  page(
    show: QueueShow,
    offset: number,
    limit: number,
  ): { alert: AlertRow; review: ReviewRow | null; pending: boolean }[];
} {
  // A verdict covers its alert's day and the drive's earlier alerts; a snooze stops covering once it has run out;
  // a note decides nothing. Muted and over-budget alerts are their own lists.
  const items = `
    WITH latest AS (
      SELECT drive_id, max(day) AS day, min(day) AS first, count(*) AS n FROM alerts WHERE service_id = :service
      GROUP BY drive_id),
    verdict AS (
      SELECT r.* FROM reviews r
      JOIN (SELECT drive_id, max(id) AS id FROM reviews WHERE verdict != 'note' GROUP BY drive_id) m ON m.id = r.id),
    items AS (
      SELECT a.id, a.drive_id, a.day, a.score, a.threshold, a.top, a.state, l.first, l.n, v.id AS review_id,
        a.state = 'open' AND (v.id IS NULL OR v.alert_day < a.day
                              OR (v.verdict = 'snoozed' AND coalesce(v.until_day, 0) < :today)) AS pending
      FROM latest l
      JOIN alerts a ON a.service_id = :service AND a.drive_id = l.drive_id AND a.day = l.day
      LEFT JOIN verdict v ON v.drive_id = a.drive_id),
    bucketed AS (
      SELECT *, CASE WHEN state != 'open' THEN state WHEN pending THEN 'pending' ELSE 'reviewed' END AS bucket
      FROM items)`;
  const counts = db.prepare(`${items} SELECT bucket, count(*) FROM bucketed GROUP BY bucket`).raw();
  // Newest first, then furthest above the threshold (then the alert's id: the same order every time).
  const page = db.prepare(
    `${items} SELECT b.*, d.serial, d.model, d.failure_day FROM bucketed b JOIN drives d ON d.id = b.drive_id
     WHERE :show = 'all' OR b.bucket = :show
     ORDER BY b.day DESC, b.score / b.threshold DESC, b.id LIMIT :limit OFFSET :offset`,
  );
  const review = db.prepare('SELECT * FROM reviews WHERE id = ?');
  return {
    counts: () => counts.all({ service: serviceId, today }) as [Bucket, number][],
    page: (show, offset, limit) =>
      (
        page.all({ service: serviceId, today, show, limit, offset }) as (AlertRow & {
          review_id: number | null;
          pending: number;
        })[]
      ).map((alert) => ({
        alert,
        review: alert.review_id === null ? null : (review.get(alert.review_id) as ReviewRow),
        pending: alert.pending === 1,
      })),
  };
}

/**
 * Records a verdict on alerts (one or many: bulk actions), each as of its alert's day. A snooze runs `snoozeDays`
 * days of data from today's. Every verdict is kept with when it was given; the latest counts.
 */
export function reviewAlerts(
  db: Db,
  q: { alertIds: number[]; verdict: Verdict; snoozeDays?: number; note?: string },
): { reviewed: number } {
  const get = db.prepare('SELECT id, drive_id, day FROM alerts WHERE id = ?');
  const found = q.alertIds.map(
    (id) => get.get(id) as { id: number; drive_id: number; day: number } | undefined,
  );
  const missing = q.alertIds.filter((_, i) => !found[i]);
  if (missing.length) throw new ApiError('not-found', `no alert with id ${missing.slice(0, 10).join(', ')}`);
  const today = dataToday(db) ?? 0;
  const until = q.verdict === 'snoozed' ? today + (q.snoozeDays ?? 1) : null;
  const insert = db.prepare(
    `INSERT INTO reviews(drive_id, alert_day, alert_id, verdict, until_day, note, source, decided_at)
     VALUES (?,?,?,?,?,?, 'analyst', ?)`,
  );
  const now = new Date().toISOString();
  db.transaction(() => {
    for (const a of found as { id: number; drive_id: number; day: number }[])
      insert.run(a.drive_id, a.day, a.id, q.verdict, until, q.note?.trim() || null, now);
  })();
  return { reviewed: found.length };
}

/** Every verdict and note on a drive, newest first. */
export function driveReviews(db: Db, serial: string): Review[] {
  const id = db.prepare('SELECT id FROM drives WHERE serial = ?').pluck().get(serial) as number | undefined;
  if (id === undefined) throw new ApiError('not-found', `no drive with serial number "${serial}"`);
  return (db.prepare('SELECT * FROM reviews WHERE drive_id = ? ORDER BY id DESC').all(id) as ReviewRow[]).map(
    toReview,
  );
}

/** The queue as CSV for the swap crew: one line per drive, spreadsheet-safe. */
export function queueCsv(
  db: Db,
  show: QueueShow = 'pending',
): { fileName: string; csv: string; rows: number } {
  const q = triageQueue(db, { show, limit: 1_000_000 });
  return {
    fileName: `drive-triage-queue-${show}-${q.today ?? 'empty'}.csv`,
    csv: queueTable(q.rows),
    rows: q.rows.length,
  };
}

/** Queue rows as a CSV table (the export above, and the report's `-queue.csv`). */
export function queueTable(rows: QueueItem[]): string {
  return csv(
    [
      'serial',
      'model',
      'alert_day',
      'score',
      'threshold',
      'first_alert',
      'days_since_first_alert',
      'top_attributes',
      'failed',
      'verdict',
      'verdict_note',
    ],
    rows.map((r) => [
      r.serial,
      r.model,
      r.day,
      r.score,
      r.threshold,
      r.firstDay,
      r.daysSinceFirst,
      r.top.map((t) => `${t.feature}:${t.share.toFixed(3)}`).join(' '),
      r.failureDay,
      r.review?.verdict ?? null,
      r.review?.note ?? null,
    ]),
  );
}
