import { ApiError } from '../api-types';
import type { Db } from '../store/db';
import { decodeSlots } from '../store/readings-codec';

/**
 * Every drive's daily values of F attributes as one dense cube
 * [drive][day][feature], NaN where a value is missing, with a presence map of
 * the days each drive reported. Built in one pass over the day-major readings
 * table (its natural order, no index needed), decoding only the chosen slots.
 */
const SCAN_ROWS = 16_384;

export interface SeriesCube {
  features: string[];
  /** Database id of the drive in each cube row. */
  driveIds: Int32Array;
  firstDay: number;
  days: number;
  values: Float32Array;
  /** 1 where the drive has a reading that day. */
  present: Uint8Array;
  /** Readings left out: dated far from the rest of the data (dataSpan). */
  outside?: number;
}

/**
 * `drives`: only drives with id in [lo, hi) (scoring goes through the fleet a
 * slice at a time, so memory holds one slice, not every drive), and with `fromDay`/`toDay` only those days of the
 * data's span (scoring new days reads the days their windows reach back to, not the whole history).
 */
export function loadCube(
  db: Db,
  features: string[],
  drives?: { lo: number; hi: number; fromDay?: number; toDay?: number },
): SeriesCube {
  const attrs = db.prepare('SELECT slot, name FROM attributes').all() as { slot: number; name: string }[];
  const slotOf = new Map(attrs.map((a) => [a.name, a.slot]));
  const wanted = features.map((f) => {
    const s = slotOf.get(f);
    if (s === undefined) throw new ApiError('not-found', `no attribute named "${f}" in this dataset`);
    return s;
  });
  // decodeSlots walks slots in ascending order; remember where each lands.
  const order = wanted.map((s, i) => [s, i]).sort((a, b) => a[0] - b[0]);
  const sorted = Int32Array.from(order, (o) => o[0]);
  const F = features.length;
  const data = dataSpan(db);
  const span = {
    lo: data.lo === null ? null : Math.max(data.lo, drives?.fromDay ?? data.lo),
    hi: data.hi === null ? null : Math.min(data.hi, drives?.toDay ?? data.hi),
    // Every reading's drive is in drives: its primary key answers at once (max(drive_id) over readings has no index
    // to use and scanned the whole table, a quarter of a second at 9 million rows, once per slice).
    maxId: db.prepare('SELECT max(id) FROM drives').pluck().get() as number | null,
  };
  const ids = (
    drives
      ? db
          .prepare('SELECT id FROM drives WHERE days_seen > 0 AND id >= ? AND id < ? ORDER BY id')
          .pluck()
          .all(drives.lo, drives.hi)
      : db.prepare('SELECT id FROM drives WHERE days_seen > 0 ORDER BY id').pluck().all()
  ) as number[];
  const driveIds = Int32Array.from(ids);
  if (span.lo === null || span.hi === null || span.hi < span.lo || ids.length === 0) {
    return {
      features,
      driveIds,
      firstDay: 0,
      days: 0,
      values: new Float32Array(0),
      present: new Uint8Array(0),
    };
  }
  const days = span.hi - span.lo + 1;
  const rowOf = new Int32Array((span.maxId ?? 0) + 1).fill(-1);
  driveIds.forEach((id, i) => (rowOf[id] = i));
  const values = new Float32Array(driveIds.length * days * F).fill(NaN);
  const present = new Uint8Array(driveIds.length * days);
  const tmp = new Float32Array(F);
  let outside = 0;
  const identity = order.every((o, i) => o[1] === i);
  /** Decodes one batch of rows (ids, days, or one day for all, and their blobs concatenated) into the cube. */
  const take = (idText: string | null, dayText: string | number | null, blobs: Buffer | null): void => {
    if (idText === null || dayText === null || blobs === null) return;
    const ids = idText.split(',');
    const ds = typeof dayText === 'number' ? null : dayText.split(',');
    let at = 0;
    for (let r = 0; r < ids.length; r++) {
      const row = rowOf[Number(ids[r])];
      if (row < 0) {
        // A drive whose file is still importing: skip its blob.
        at = decodeSlots(blobs, sorted, tmp, 0, at);
        continue;
      }
      const day = ds ? Number(ds[r]) : (dayText as number);
      if (day < span.lo! || day > span.hi!) {
        // A reading far from the rest of the data (see dataSpan): skipped, counted.
        at = decodeSlots(blobs, sorted, tmp, 0, at);
        outside++;
        continue;
      }
      const cell = row * days + (day - span.lo!);
      present[cell] = 1;
      if (identity) at = decodeSlots(blobs, sorted, values, cell * F, at);
      else {
        at = decodeSlots(blobs, sorted, tmp, 0, at);
        for (let k = 0; k < F; k++) values[cell * F + order[k][1]] = tmp[k];
      }
    }
  };
  // Rows come in batches with their blobs concatenated by SQLite into one Buffer: a Buffer per row costs more
  // than decoding the row (bench/ingest.ts).
  if (drives) {
    // A slice of drives reads only its own rows: per day, its range of the (day, drive_id) index. Scoring a fleet
    // slice by slice so reads each row once in all, not the whole table once per slice.
    const slice = db
      .prepare(
        `SELECT group_concat(drive_id), CAST(group_concat(vals, '') AS BLOB)
         FROM (SELECT drive_id, vals FROM readings WHERE day = ? AND drive_id >= ? AND drive_id < ? ORDER BY drive_id)`,
      )
      .raw();
    for (let day = span.lo; day <= span.hi; day++) {
      const [ids, blobs] = slice.get(day, drives.lo, drives.hi) as [string | null, Buffer | null];
      take(ids, day, blobs);
    }
    // Days left out on purpose (fromDay/toDay) are not "outside" the data.
    outside = db
      .prepare(
        `SELECT count(*) FROM readings WHERE (day < ? OR day > ?) AND drive_id >= ? AND drive_id < ?
           AND drive_id IN (SELECT id FROM drives WHERE days_seen > 0)`,
      )
      .pluck()
      .get(data.lo, data.hi, drives.lo, drives.hi) as number;
  } else {
    // Every drive: one sequential scan of the table in its natural (day-major) order, SCAN_ROWS at a time.
    const scan = db
      .prepare(
        `SELECT group_concat(drive_id), group_concat(day), CAST(group_concat(vals, '') AS BLOB)
         FROM (SELECT drive_id, day, vals FROM readings WHERE rowid >= ? AND rowid < ? ORDER BY rowid)`,
      )
      .raw();
    const maxRowid =
      (db.prepare('SELECT coalesce(max(rowid), 0) FROM readings').pluck().get() as number) ?? 0;
    for (let from = 1; from <= maxRowid; from += SCAN_ROWS)
      take(...(scan.get(from, from + SCAN_ROWS) as [string | null, string | null, Buffer | null]));
  }
  return { features, driveIds, firstDay: span.lo, days, values, present, outside };
}

/** Days without any reading longer than this split the data into separate stretches. */
const STRETCH_GAP_DAYS = 60;

/**
 * The days a cube spans: the longest stretch of days with data (no gap of more than 60 days with no reading at
 * all), so one reading dated years away from the rest cannot stretch every model's cube across those years.
 * Found by stepping the (day, drive) index from one day with data to the next: a seek per distinct day.
 */
export function dataSpan(db: Db): { lo: number | null; hi: number | null } {
  const next = db.prepare('SELECT min(day) FROM readings WHERE day > ?').pluck();
  let best: { lo: number; hi: number; days: number } | null = null;
  let cur: { lo: number; hi: number; days: number } | null = null;
  for (let d = next.get(-1e9) as number | null; d !== null; d = next.get(d) as number | null) {
    if (cur && d - cur.hi <= STRETCH_GAP_DAYS) {
      cur.hi = d;
      cur.days++;
    } else {
      cur = { lo: d, hi: d, days: 1 };
    }
    if (!best || cur.days > best.days) best = { ...cur };
    else if (best.lo === cur.lo) best = { ...cur };
  }
  return { lo: best?.lo ?? null, hi: best?.hi ?? null };
}

export interface WindowBatch {
  /** count x S x F values. */
  data: Float32Array;
  /** Cube row of each window's drive. */
  drive: Int32Array;
  /** Day (days since 1970-01-01) of each window's last day. */
  endDay: Int32Array;
  count: number;
}

/** Only windows whose last day lies in [from, to] (days since 1970-01-01): the windows new days complete. */
export interface EndDays {
  from: number;
  to: number;
  /** A later `from` for some cube rows (a drive whose new readings cannot change its earlier windows). */
  fromByRow?: Int32Array;
}

/** Whether a window of cube row `row` ending on `day` is among `endDays`. */
const endsIn = (endDays: EndDays | undefined, row: number, day: number): boolean =>
  !endDays || (day >= (endDays.fromByRow ? endDays.fromByRow[row] : endDays.from) && day <= endDays.to);

/**
 * The windows of S consecutive reported days of every drive, `batch` at a time.
 * A window never spans a day the drive did not report (the gap policy of the
 * model engine may fill short gaps before this step).
 */
export function* windowBatches(
  cube: SeriesCube,
  S: number,
  batch: number,
  stride = 1,
  includeRow: (row: number) => boolean = () => true,
  endDays?: EndDays,
): Generator<WindowBatch> {
  const F = cube.features.length;
  const size = S * F;
  let data = new Float32Array(batch * size);
  let drive = new Int32Array(batch);
  let endDay = new Int32Array(batch);
  let n = 0;
  for (let row = 0; row < cube.driveIds.length; row++) {
    if (!includeRow(row)) continue;
    const base = row * cube.days;
    let run = 0; // consecutive reported days ending at d
    for (let d = 0; d < cube.days; d++) {
      run = cube.present[base + d] ? run + 1 : 0;
      if (run < S || (d - S + 1) % stride !== 0) continue;
      if (!endsIn(endDays, row, cube.firstDay + d)) continue;
      const from = (base + d - S + 1) * F;
      data.set(cube.values.subarray(from, from + size), n * size);
      drive[n] = row;
      endDay[n] = cube.firstDay + d;
      if (++n === batch) {
        yield { data, drive, endDay, count: n };
        data = new Float32Array(batch * size);
        drive = new Int32Array(batch);
        endDay = new Int32Array(batch);
        n = 0;
      }
    }
  }
  if (n > 0)
    yield {
      data: data.subarray(0, n * size),
      drive: drive.subarray(0, n),
      endDay: endDay.subarray(0, n),
      count: n,
    };
}

/** How many windows windowBatches would yield (to size one array for them all). */
export function countWindows(
  cube: SeriesCube,
  S: number,
  stride = 1,
  includeRow: (row: number) => boolean = () => true,
  endDays?: EndDays,
): number {
  let total = 0;
  for (let row = 0; row < cube.driveIds.length; row++) {
    if (!includeRow(row)) continue;
    let run = 0;
    for (let d = 0; d < cube.days; d++) {
      run = cube.present[row * cube.days + d] ? run + 1 : 0;
      if (!endsIn(endDays, row, cube.firstDay + d)) continue;
      if (run >= S && (d - S + 1) % stride === 0) total++;
    }
  }
  return total;
}
