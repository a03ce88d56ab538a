import type { DatasetSummary, ImportedFile, RejectedRow } from '../api-types';
import type { Db } from '../store/db';
import { formatDay } from '../import/row-fields';

/** Counts for the dataset as a whole; every figure comes from indexed or small tables. */
export function datasetSummary(db: Db): DatasetSummary {
  const d = db
    .prepare(
      `SELECT count(*) AS drives, count(failure_day) AS failures, sum(days_seen) AS rows,
              min(first_day) AS first, max(last_day) AS last FROM drives WHERE days_seen > 0`,
    )
    .get() as {
    drives: number;
    failures: number;
    rows: number | null;
    first: number | null;
    last: number | null;
  };
  const days = countDays(db);
  const rows = d.rows ?? 0;
  const models = db
    .prepare(
      `SELECT model, count(*) AS drives, count(failure_day) AS failures FROM drives
       WHERE days_seen > 0 GROUP BY model ORDER BY drives DESC, model`,
    )
    .all() as DatasetSummary['models'];
  const attributes = (
    db
      .prepare(
        'SELECT name, smart_id, kind, present_rows FROM attributes WHERE present_rows > 0 ORDER BY slot',
      )
      .all() as {
      name: string;
      smart_id: number | null;
      kind: 'raw' | 'normalized' | 'extra';
      present_rows: number;
    }[]
  ).map((a) => ({
    name: a.name,
    smartId: a.smart_id,
    kind: a.kind,
    fillRate: rows > 0 ? a.present_rows / rows : 0,
  }));
  const files = (db.prepare("SELECT count(*) AS n FROM files WHERE status = 'done'").get() as { n: number })
    .n;
  return {
    rows,
    drives: d.drives,
    failures: d.failures,
    days,
    firstDay: d.first === null ? null : formatDay(d.first),
    lastDay: d.last === null ? null : formatDay(d.last),
    models,
    attributes,
    files,
  };
}

/** Distinct days by hopping along the (day, drive) index: one seek per day, not a scan of every reading. */
function countDays(db: Db): number {
  const next = db.prepare('SELECT day FROM readings WHERE day > ? ORDER BY day LIMIT 1').pluck();
  let n = 0;
  for (
    let day = next.get(-1e9) as number | undefined;
    day !== undefined;
    day = next.get(day) as number | undefined
  )
    n++;
  return n;
}

export function importedFiles(db: Db): ImportedFile[] {
  return (
    db.prepare('SELECT * FROM files ORDER BY id').all() as {
      id: number;
      name: string;
      size: number;
      sha256: string;
      status: string;
      rows_accepted: number;
      rows_rejected: number;
      rows_duplicate: number;
      started_at: string;
      finished_at: string | null;
    }[]
  ).map((f) => ({
    id: f.id,
    name: f.name,
    size: f.size,
    sha256: f.sha256,
    // A 'running' file with no import in progress was interrupted (the process died).
    status: f.status === 'done' ? 'done' : f.status === 'running' ? 'running' : 'interrupted',
    rowsAccepted: f.rows_accepted,
    rowsRejected: f.rows_rejected,
    rowsDuplicate: f.rows_duplicate,
    startedAt: f.started_at,
    finishedAt: f.finished_at,
  }));
}

export function rejectedRows(
  db: Db,
  q: { fileId?: number; offset?: number; limit?: number },
): { total: number; rows: RejectedRow[] } {
  const where = q.fileId === undefined ? '' : 'WHERE r.file_id = ?';
  const params = q.fileId === undefined ? [] : [q.fileId];
  const total = (
    db.prepare(`SELECT count(*) AS n FROM rejected_rows r ${where}`).get(...params) as { n: number }
  ).n;
  const rows = db
    .prepare(
      `SELECT f.name AS file, r.line, r.reason, r.raw FROM rejected_rows r JOIN files f ON f.id = r.file_id
       ${where} ORDER BY r.file_id, r.line LIMIT ? OFFSET ?`,
    )
    .all(...params, q.limit ?? 100, q.offset ?? 0) as RejectedRow[];
  return { total, rows };
}
