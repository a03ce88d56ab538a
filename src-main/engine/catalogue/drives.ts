import type { DriveListRequest, DriveRow, DriveSeries, DriveSort } from '../api-types';
import { ApiError } from '../api-types';
import type { Db } from '../store/db';
import { decodeInto } from '../store/readings-codec';
import { formatDay } from '../import/row-fields';
import type { DriveOrders } from './drive-order';

interface DriveRecord {
  id: number;
  serial: string;
  model: string;
  capacity: number | null;
  first_day: number;
  last_day: number;
  days_seen: number;
  failure_day: number | null;
}

const SORT_COLUMNS: Record<DriveSort, string> = {
  serial: 'serial',
  model: 'model',
  capacity: 'capacity',
  firstDay: 'first_day',
  lastDay: 'last_day',
  daysSeen: 'days_seen',
  failureDay: 'failure_day',
  score: 's.max_score',
};

export function toDriveRow(r: DriveRecord): DriveRow {
  return {
    serial: r.serial,
    model: r.model,
    capacityBytes: r.capacity,
    firstDay: formatDay(r.first_day),
    lastDay: formatDay(r.last_day),
    daysSeen: r.days_seen,
    failureDay: r.failure_day === null ? null : formatDay(r.failure_day),
  };
}

/** A page's filters, order and window: the Api's drives/list request. */
export type DriveQuery = DriveListRequest;

/**
 * One page of the drive catalogue. Drives still being imported (days_seen = 0)
 * are not shown; serial breaks ties so pages are stable. With `orders` (the
 * engine's), a query's order is computed once and pages are slices of it;
 * without, each page is a LIMIT/OFFSET query.
 */
export function listDrives(db: Db, q: DriveQuery, orders?: DriveOrders): { total: number; rows: DriveRow[] } {
  const where = ['days_seen > 0'];
  const params: (string | number)[] = [];
  if (q.model) {
    where.push('model = ?');
    params.push(q.model);
  }
  if (q.status === 'failed') where.push('failure_day IS NOT NULL');
  if (q.status === 'healthy') where.push('failure_day IS NULL');
  if (q.search) {
    // A prefix match uses the serial index; a substring match is the fallback.
    where.push("serial LIKE ? ESCAPE '\\'");
    params.push(`%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  const sortKey = q.sort ?? 'serial';
  if (sortKey === 'score' && q.runId === undefined)
    throw new ApiError('bad-request', 'sorting drives by score needs the run whose scores to use (runId)');
  const clause = `WHERE ${where.join(' AND ')}`;
  // With a run, each drive's score comes along (NULL for a drive it did not score).
  const scored = q.runId !== undefined;
  const from = scored ? 'drives d LEFT JOIN scores s ON s.drive_id = d.id AND s.run_id = ?' : 'drives d';
  const fromParams = scored ? [q.runId as number] : [];
  const sort = SORT_COLUMNS[sortKey];
  const dir = q.dir === 'desc' ? 'DESC' : 'ASC';
  const limit = q.limit ?? 100;
  const offset = q.offset ?? 0;
  const order = sort === 'serial' ? `serial ${dir}` : `${sort} ${dir} NULLS LAST, serial ${dir}`;
  const columns = `d.*${scored ? ', s.max_score AS score' : ''}`;
  type Found = DriveRecord & { score?: number | null };
  let total: number;
  let rows: Found[];
  if (orders) {
    const key = JSON.stringify([clause, params, from, fromParams, order]);
    const ids = orders.ids(key, () =>
      Int32Array.from(
        db
          .prepare(`SELECT d.id FROM ${from} ${clause} ORDER BY ${order}`)
          .pluck()
          .all(...fromParams, ...params) as number[],
      ),
    );
    total = ids.length;
    const page = Array.from(ids.subarray(offset, offset + limit));
    const found = page.length
      ? (db
          .prepare(`SELECT ${columns} FROM ${from} WHERE d.id IN (${page.map(() => '?').join(',')})`)
          .all(...fromParams, ...page) as Found[])
      : [];
    const byId = new Map(found.map((r) => [r.id, r]));
    rows = page.map((id) => byId.get(id)).filter((r): r is Found => r !== undefined);
  } else {
    total = (db.prepare(`SELECT count(*) AS n FROM drives ${clause}`).get(...params) as { n: number }).n;
    rows = db
      .prepare(`SELECT ${columns} FROM ${from} ${clause} ORDER BY ${order} LIMIT ? OFFSET ?`)
      .all(...fromParams, ...params, limit, offset) as Found[];
  }
  // Scores are stored as float32: a threshold equal to a stored score reaches it (as the alerts count it).
  const flagged =
    q.flaggedAt !== undefined && scored
      ? (db
          .prepare(`SELECT count(*) FROM ${from} ${clause} AND s.max_score >= ?`)
          .pluck()
          .get(...fromParams, ...params, Math.fround(q.flaggedAt)) as number)
      : undefined;
  return {
    total,
    ...(flagged !== undefined ? { flagged } : {}),
    rows: rows.map((r) => (scored ? { ...toDriveRow(r), score: r.score ?? null } : toDriveRow(r))),
  };
}

export function listModels(db: Db): string[] {
  return db
    .prepare('SELECT DISTINCT model FROM drives WHERE days_seen > 0 ORDER BY model')
    .pluck()
    .all() as string[];
}

export function getDrive(db: Db, serial: string): DriveRecord {
  const r = db.prepare('SELECT * FROM drives WHERE serial = ?').get(serial) as DriveRecord | undefined;
  if (!r) throw new ApiError('not-found', `no drive with serial number "${serial}"`);
  return r;
}

/**
 * The daily series of chosen columns for one drive. Readings are stored day-major,
 * so the drive's days are read by (day, drive) index lookups, one per day of its life.
 */
export function driveSeries(db: Db, serial: string, attributes?: string[]): DriveSeries {
  const d = getDrive(db, serial);
  const slotRows = db
    .prepare('SELECT slot, name FROM attributes WHERE present_rows > 0 ORDER BY slot')
    .all() as {
    slot: number;
    name: string;
  }[];
  const wanted = attributes ?? slotRows.filter((a) => /^smart_\d+_raw$/.test(a.name)).map((a) => a.name);
  const byName = new Map(slotRows.map((a) => [a.name, a.slot]));
  for (const name of wanted) {
    if (!byName.has(name)) throw new ApiError('not-found', `no attribute named "${name}" in this dataset`);
  }
  const maxSlot = slotRows.reduce((m, a) => Math.max(m, a.slot), -1) + 1;
  const scratch = new Float64Array(Math.max(maxSlot, 1));
  const get = db.prepare('SELECT failure, vals FROM readings WHERE day = ? AND drive_id = ?');
  const days: string[] = [];
  const failure: number[] = [];
  const series = wanted.map((name) => ({ name, values: [] as (number | null)[] }));
  const slots = wanted.map((n) => byName.get(n) as number);
  for (let day = d.first_day; day <= d.last_day; day++) {
    const r = get.get(day, d.id) as { failure: number; vals: Buffer } | undefined;
    if (!r) continue;
    decodeInto(r.vals, scratch);
    days.push(formatDay(day));
    failure.push(r.failure);
    slots.forEach((slot, i) => {
      const v = scratch[slot];
      series[i].values.push(v === v ? v : null);
    });
  }
  return { drive: toDriveRow(d), days, failure, series };
}
