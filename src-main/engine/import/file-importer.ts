import type { Db } from '../store/db';
import { ReadingEncoder } from '../store/readings-codec';
import { FormatError, parseHeader, smartColumnInfo, type Header } from './header';
import { readLines } from './lines';
import { parseDay, splitQuoted } from './row-fields';
import type { Source } from './sources';

export type FileStatus = 'imported' | 'already-imported' | 'refused' | 'interrupted';

export interface FileResult {
  name: string;
  status: FileStatus;
  rowsAccepted: number;
  rowsRejected: number;
  rowsDuplicate: number;
  /** Why a file was refused, or a notice (e.g. a header with no rows). */
  message?: string;
}

export interface FileProgress {
  storedBytes: number;
  rows: number;
}

export interface FileHooks {
  onProgress(p: FileProgress): void;
  isCancelled(): boolean;
}

/** Rows per committed transaction: big enough to amortise the commit, small enough to keep the WAL modest. */
const BATCH_ROWS = 50_000;
/** A rejected line is stored for the analyst to read; junk lines can be megabytes, so cap them. */
const MAX_RAW_CHARS = 4_000;

interface DriveTally {
  minDay: number;
  maxDay: number;
  rows: number;
  failureDay: number | null;
  model: string;
  capacity: number | null;
}

/**
 * Imports one source into the store. The whole file's effect on drives and
 * attribute fill counts is applied in its final transaction, so a refused file
 * is undone exactly, and an interrupted one is completed by importing it again
 * (its own rows are recognised, not duplicated). See ARCHITECTURE.md.
 */
export class FileImporter {
  private readonly encoder = new ReadingEncoder();
  private readonly driveIds = new Map<string, number>();
  private readonly slots = new Map<string, number>();
  private readonly stmt;

  constructor(private readonly db: Db) {
    for (const r of db.prepare('SELECT id, serial FROM drives').raw().iterate() as Iterable<
      [number, string]
    >) {
      this.driveIds.set(r[1], r[0]);
    }
    for (const r of db.prepare('SELECT slot, name FROM attributes').raw().iterate() as Iterable<
      [number, string]
    >) {
      this.slots.set(r[1], r[0]);
    }
    this.stmt = {
      insertReading: db.prepare(
        'INSERT INTO readings(day, drive_id, failure, file_id, vals, tags) VALUES (?,?,?,?,?,?) ON CONFLICT(day, drive_id) DO NOTHING',
      ),
      getReading: db.prepare(
        'SELECT rowid, failure, file_id, vals, tags FROM readings WHERE day = ? AND drive_id = ?',
      ),
      nextRowid: db.prepare('SELECT coalesce(max(rowid), 0) + 1 FROM readings').pluck(),
      insertDrive: db.prepare(
        'INSERT INTO drives(serial, model, capacity, first_day, last_day, days_seen, created_file_id) VALUES (?,?,?,?,?,0,?)',
      ),
      insertReject: db.prepare('INSERT INTO rejected_rows(file_id, line, reason, raw) VALUES (?,?,?,?)'),
      insertAttr: db.prepare('INSERT INTO attributes(slot, name, smart_id, kind) VALUES (?,?,?,?)'),
      fileBySha: db.prepare('SELECT id, status FROM files WHERE sha256 = ?'),
      insertFile: db.prepare(
        `INSERT INTO files(name, size, sha256, first_rowid, status, started_at)
         VALUES (?, ?, ?, (SELECT coalesce(max(rowid), 0) + 1 FROM readings), 'running', ?)`,
      ),
      restartFile: db.prepare(
        `UPDATE files SET name = ?, status = 'running', rows_accepted = 0, rows_rejected = 0, rows_duplicate = 0,
         started_at = ?, finished_at = NULL, error = NULL WHERE id = ?`,
      ),
      fileCounts: db.prepare(
        'UPDATE files SET rows_accepted = ?, rows_rejected = ?, rows_duplicate = ? WHERE id = ?',
      ),
      finishFile: db.prepare(
        'UPDATE files SET status = ?, rows_accepted = ?, rows_rejected = ?, rows_duplicate = ?, finished_at = ?, error = ? WHERE id = ?',
      ),
      applyDrive: db.prepare(
        `UPDATE drives SET
           model      = CASE WHEN days_seen = 0 OR @maxDay >= last_day THEN @model ELSE model END,
           capacity   = CASE WHEN days_seen = 0 OR @maxDay >= last_day THEN @capacity ELSE capacity END,
           first_day  = CASE WHEN days_seen = 0 THEN @minDay ELSE min(first_day, @minDay) END,
           last_day   = CASE WHEN days_seen = 0 THEN @maxDay ELSE max(last_day, @maxDay) END,
           days_seen  = days_seen + @rows,
           failure_day = coalesce(@failureDay, failure_day)
         WHERE id = @id`,
      ),
      applyAttr: db.prepare('UPDATE attributes SET present_rows = present_rows + ? WHERE slot = ?'),
    };
  }

  async importSource(source: Source, hooks: FileHooks): Promise<FileResult> {
    const sha = await source.sha256();
    const existing = this.stmt.fileBySha.get(sha) as { id: number; status: string } | undefined;
    const base = { name: source.name, rowsAccepted: 0, rowsRejected: 0, rowsDuplicate: 0 };
    if (existing?.status === 'done') {
      return {
        ...base,
        status: 'already-imported',
        message: 'already imported (same sha256); nothing added',
      };
    }
    let storedBytes = 0;
    const stream = await source.open((n) => {
      storedBytes += n;
    });
    const lines = readLines(stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    // The header is checked before anything is written: a file that is not a
    // Backblaze CSV leaves no trace.
    let first: string[] = [];
    try {
      const r = await lines.next();
      first = r.done ? [] : r.value;
      parseHeader(first[0]);
    } catch (err) {
      stream.destroy();
      return { ...base, status: 'refused', message: `${source.name}: ${describe(err)}` };
    }
    const header = parseHeader(first[0]);
    const now = new Date().toISOString();
    let fileId: number;
    if (existing) {
      fileId = existing.id;
      this.db.transaction(() => {
        this.stmt.restartFile.run(source.name, now, fileId);
        this.db.prepare('DELETE FROM rejected_rows WHERE file_id = ?').run(fileId);
      })();
    } else {
      fileId = Number(this.stmt.insertFile.run(source.name, source.size, sha, now).lastInsertRowid);
    }
    const run = new FileRun(this, fileId, header, hooks, () => storedBytes);
    try {
      const outcome = await run.consume(first.slice(1), lines);
      if (outcome === 'cancelled') {
        stream.destroy();
        return {
          ...base,
          ...run.counts(),
          status: 'interrupted',
          message: 'cancelled; import it again to complete it',
        };
      }
      const notice =
        run.counts().rowsAccepted + run.counts().rowsRejected + run.counts().rowsDuplicate === 0
          ? 'the file has a header but no data rows'
          : undefined;
      return { ...base, ...run.counts(), status: 'imported', message: notice };
    } catch (err) {
      stream.destroy();
      this.undoFile(fileId);
      return {
        ...base,
        status: 'refused',
        message: `${source.name}: ${describe(err)}; nothing from this file was kept`,
      };
    }
  }

  /** Removes every trace of a file that failed midway (e.g. a truncated gzip). */
  private undoFile(fileId: number): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.db.transaction(() => {
      const first = (
        this.db.prepare('SELECT first_rowid FROM files WHERE id = ?').get(fileId) as { first_rowid: number }
      ).first_rowid;
      this.db.prepare('DELETE FROM readings WHERE rowid >= ? AND file_id = ?').run(first, fileId);
      this.db.prepare('DELETE FROM rejected_rows WHERE file_id = ?').run(fileId);
      const gone = this.db
        .prepare('DELETE FROM drives WHERE created_file_id = ? AND days_seen = 0 RETURNING serial')
        .all(fileId) as { serial: string }[];
      for (const g of gone) this.driveIds.delete(g.serial);
      this.db.prepare('DELETE FROM files WHERE id = ?').run(fileId);
    })();
  }

  /** @internal the per-file loop needs these; kept here so they outlive one file. */
  get internals() {
    return {
      db: this.db,
      stmt: this.stmt,
      encoder: this.encoder,
      driveIds: this.driveIds,
      slots: this.slots,
    };
  }

  slotFor(name: string): number {
    let slot = this.slots.get(name);
    if (slot === undefined) {
      slot = this.slots.size;
      const info = smartColumnInfo(name);
      this.stmt.insertAttr.run(slot, name, info?.id ?? null, info?.kind ?? 'extra');
      this.slots.set(name, slot);
    }
    return slot;
  }
}

function describe(err: unknown): string {
  if (err instanceof FormatError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e?.message ?? '')) {
    return 'the gzip data is truncated (unexpected end of file)';
  }
  if (e?.code?.startsWith?.('Z_')) return `the gzip data is corrupt (${e.message})`;
  return e?.message ?? String(err);
}

/** The state of one file's import: counters, per-drive tallies, the open transaction. */
class FileRun {
  private accepted = 0;
  private rejected = 0;
  private duplicate = 0;
  private lineNo = 1; // the header is line 1
  private inBatch = 0;
  private readonly tallies = new Map<number, DriveTally>();
  private present = new Float64Array(256);
  private values = new Float64Array(256);
  private readonly numericSlots: Int32Array;
  private readonly nSlots: number;
  private lastDateStr = '';
  private lastDay = NaN;
  /** Rows below this rowid were written before this attempt began. */
  private readonly attemptStart: number;

  constructor(
    private readonly owner: FileImporter,
    private readonly fileId: number,
    private readonly h: Header,
    private readonly hooks: FileHooks,
    private readonly storedBytes: () => number,
  ) {
    const { db, stmt } = owner.internals;
    db.exec('BEGIN');
    this.attemptStart = stmt.nextRowid.get() as number;
    this.numericSlots = Int32Array.from(h.numeric, (c) => owner.slotFor(c.name));
    this.nSlots = owner.internals.slots.size;
    if (this.values.length < this.nSlots) {
      this.values = new Float64Array(this.nSlots);
      this.present = new Float64Array(this.nSlots);
    }
  }

  counts() {
    return { rowsAccepted: this.accepted, rowsRejected: this.rejected, rowsDuplicate: this.duplicate };
  }

  async consume(firstLines: string[], rest: AsyncIterator<string[]>): Promise<'done' | 'cancelled'> {
    this.lines(firstLines);
    for (;;) {
      if (this.hooks.isCancelled()) {
        this.commit();
        this.owner.internals.stmt.finishFile.run(
          'interrupted',
          this.accepted,
          this.rejected,
          this.duplicate,
          null,
          'cancelled',
          this.fileId,
        );
        return 'cancelled';
      }
      const r = await rest.next();
      if (r.done) break;
      this.lines(r.value);
      if (this.inBatch >= BATCH_ROWS) {
        this.commit();
        this.owner.internals.db.exec('BEGIN');
      }
      this.hooks.onProgress({
        storedBytes: this.storedBytes(),
        rows: this.accepted + this.rejected + this.duplicate,
      });
    }
    this.finish();
    return 'done';
  }

  private commit(): void {
    const { db, stmt } = this.owner.internals;
    stmt.fileCounts.run(this.accepted, this.rejected, this.duplicate, this.fileId);
    db.exec('COMMIT');
    this.inBatch = 0;
  }

  /** The last transaction: the file's drive and attribute tallies, and its status. */
  private finish(): void {
    const { stmt } = this.owner.internals;
    for (const [id, t] of this.tallies) {
      stmt.applyDrive.run({ id, ...t });
    }
    for (let slot = 0; slot < this.nSlots; slot++) {
      if (this.present[slot] > 0) stmt.applyAttr.run(this.present[slot], slot);
    }
    stmt.finishFile.run(
      'done',
      this.accepted,
      this.rejected,
      this.duplicate,
      new Date().toISOString(),
      null,
      this.fileId,
    );
    this.owner.internals.db.exec('COMMIT');
  }

  private reject(reason: string, raw: string): void {
    this.rejected++;
    this.inBatch++;
    this.owner.internals.stmt.insertReject.run(this.fileId, this.lineNo, reason, raw.slice(0, MAX_RAW_CHARS));
  }

  private lines(batch: string[]): void {
    const h = this.h;
    const ncols = h.columns.length;
    const { stmt, encoder, driveIds } = this.owner.internals;
    const numeric = h.numeric;
    const slots = this.numericSlots;
    const values = this.values;
    for (const line of batch) {
      this.lineNo++;
      if (line.length === 0) continue;
      const f = line.indexOf('"') >= 0 ? splitQuoted(line) : line.split(',');
      if (f.length !== ncols) {
        this.reject(`expected ${ncols} columns, found ${f.length}`, line);
        continue;
      }
      const dateStr = f[h.date];
      let day: number;
      if (dateStr === this.lastDateStr) day = this.lastDay;
      else {
        day = parseDay(dateStr);
        if (day !== day) {
          this.reject(`bad date "${dateStr.slice(0, 40)}" (expected YYYY-MM-DD)`, line);
          continue;
        }
        this.lastDateStr = dateStr;
        this.lastDay = day;
      }
      const serial = f[h.serial];
      if (serial === '') {
        this.reject('missing serial_number', line);
        continue;
      }
      const failStr = f[h.failure];
      const failure = failStr === '0' ? 0 : failStr === '1' ? 1 : -1;
      if (failure < 0) {
        this.reject(`failure must be 0 or 1, found "${failStr.slice(0, 40)}"`, line);
        continue;
      }
      const capStr = f[h.capacity];
      const capacity = capStr === '' ? null : Number(capStr);
      if (capacity !== null && !Number.isInteger(capacity)) {
        this.reject(`capacity_bytes is not an integer: "${capStr.slice(0, 40)}"`, line);
        continue;
      }
      values.fill(NaN, 0, this.nSlots);
      let tags: Record<string, string> | null = null;
      let bad: string | null = null;
      for (let k = 0; k < numeric.length; k++) {
        const s = f[numeric[k].col];
        if (s === '') continue;
        const v = +s;
        if (v - v !== 0 || (v === 0 && s.trim() === '')) {
          // NaN or ±Infinity (v - v is NaN for both), or whitespace only.
          if (s.trim() === '') continue;
          if (numeric[k].smart) {
            bad = `non-numeric value "${s.slice(0, 40)}" in ${numeric[k].name}`;
            break;
          }
          (tags ??= {})[numeric[k].name] = s;
          continue;
        }
        values[slots[k]] = v;
      }
      if (bad) {
        this.reject(bad, line);
        continue;
      }
      const model = f[h.model].trim();
      let driveId = driveIds.get(serial);
      if (driveId === undefined) {
        driveId = Number(
          stmt.insertDrive.run(serial, model, capacity, day, day, this.fileId).lastInsertRowid,
        );
        driveIds.set(serial, driveId);
      }
      const blob = encoder.encode(values, this.nSlots);
      const tagText = tags ? JSON.stringify(tags) : null;
      if (stmt.insertReading.run(day, driveId, failure, this.fileId, blob, tagText).changes === 0) {
        const old = stmt.getReading.get(day, driveId) as {
          rowid: number;
          failure: number;
          file_id: number;
          vals: Buffer;
          tags: string | null;
        };
        const same = old.failure === failure && old.tags === tagText && Buffer.compare(old.vals, blob) === 0;
        if (!same) {
          this.reject(`duplicate of ${serial} on ${dateStr} with different values`, line);
          continue;
        }
        if (old.file_id !== this.fileId || old.rowid >= this.attemptStart) {
          this.duplicate++;
          this.inBatch++;
          continue;
        }
        // This file's own row, written by an earlier attempt that was cut off: accepted again.
      }
      this.accepted++;
      this.inBatch++;
      for (let k = 0; k < slots.length; k++)
        if (values[slots[k]] === values[slots[k]]) this.present[slots[k]]++;
      const t = this.tallies.get(driveId);
      if (t === undefined) {
        this.tallies.set(driveId, {
          minDay: day,
          maxDay: day,
          rows: 1,
          failureDay: failure ? day : null,
          model,
          capacity,
        });
      } else {
        t.rows++;
        if (day < t.minDay) t.minDay = day;
        if (day >= t.maxDay) {
          t.maxDay = day;
          t.model = model;
          t.capacity = capacity;
        }
        if (failure) t.failureDay = Math.max(t.failureDay ?? day, day);
      }
    }
  }
}
