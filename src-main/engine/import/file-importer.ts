import type { Db } from '../store/db';
import { FormatError, parseHeader, smartColumnInfo, type Header } from './header';
import { formatDay } from './row-fields';
import { ParserThread } from './parser-thread';
import type { ParsedBatch } from './row-parser';
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
/** A header longer than this is not a header (Backblaze's widest is ~4 KB). */
const HEADER_MAX_BYTES = 64 * 1024;

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
  private readonly driveIds = new Map<string, number>();
  private readonly slots = new Map<string, number>();
  private readonly stmt;
  private parser: ParserThread | null = null;

  constructor(private readonly db: Db) {
    // Bulk writes: checkpoint once per file (see finish) instead of every 4 MB of WAL.
    db.pragma('wal_autocheckpoint = 0');
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
    const chunks = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    // The header is checked before anything is written: a file that is not a
    // Backblaze CSV leaves no trace.
    let head: Buffer[] = [];
    let headerLine: string;
    try {
      headerLine = await readHeaderLine(chunks, head);
      parseHeader(headerLine);
    } catch (err) {
      stream.destroy();
      return { ...base, status: 'refused', message: `${source.name}: ${describe(err)}` };
    }
    const header = parseHeader(headerLine);
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
    const parser = (this.parser ??= new ParserThread());
    parser.beginFile(headerLine, run.numericSlots, run.nSlots);
    // Reading feeds the parser while this thread writes what comes back.
    const feeding = (async () => {
      for (const c of head) await parser.push(c);
      head = [];
      for (let r = await chunks.next(); !r.done; r = await chunks.next()) await parser.push(r.value);
      parser.end();
    })().catch((err: Error) => parser.fail(err));
    try {
      const outcome = await run.consume(parser);
      if (outcome === 'cancelled') {
        stream.destroy();
        parser.fail(new Error('cancelled'));
        await feeding;
        await this.closeParser();
        return {
          ...base,
          ...run.counts(),
          status: 'interrupted',
          message: 'cancelled; import it again to complete it',
        };
      }
      await feeding;
      const c = run.counts();
      const notice =
        c.rowsAccepted + c.rowsRejected + c.rowsDuplicate === 0
          ? 'the file has a header but no data rows'
          : undefined;
      return { ...base, ...c, status: 'imported', message: notice };
    } catch (err) {
      stream.destroy();
      await feeding;
      // The parser may still hold this file's batches: start afresh for the next one.
      await this.closeParser();
      this.undoFile(fileId);
      return {
        ...base,
        status: 'refused',
        message: `${source.name}: ${describe(err)}; nothing from this file was kept`,
      };
    }
  }

  private async closeParser(): Promise<void> {
    const p = this.parser;
    this.parser = null;
    await p?.close();
  }

  /** Ends the parse thread; call once the whole import is over. */
  async close(): Promise<void> {
    await this.closeParser();
    this.db.pragma('wal_autocheckpoint = 1000');
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

/** Reads chunks into `head` until the first line is complete; returns that line (BOM and CR removed). */
async function readHeaderLine(chunks: AsyncIterator<Buffer>, head: Buffer[]): Promise<string> {
  let bytes = 0;
  for (;;) {
    const all = Buffer.concat(head);
    const nl = all.indexOf(10);
    if (nl >= 0 || bytes > HEADER_MAX_BYTES) return headerText(all, nl >= 0 ? nl : all.length);
    const r = await chunks.next();
    if (r.done) return headerText(all, all.length);
    head.push(r.value);
    bytes += r.value.length;
  }
}

function headerText(all: Buffer, end: number): string {
  const start = all[0] === 0xef && all[1] === 0xbb && all[2] === 0xbf ? 3 : 0;
  const stop = end > start && all[end - 1] === 13 ? end - 1 : end;
  return all.toString('latin1', start, Math.min(stop, start + HEADER_MAX_BYTES));
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
  private inBatch = 0;
  private readonly tallies = new Map<number, DriveTally>();
  private readonly present: Float64Array;
  readonly numericSlots: Int32Array;
  readonly nSlots: number;
  /** Rows below this rowid were written before this attempt began. */
  private readonly attemptStart: number;

  constructor(
    private readonly owner: FileImporter,
    private readonly fileId: number,
    h: Header,
    private readonly hooks: FileHooks,
    private readonly storedBytes: () => number,
  ) {
    const { db, stmt } = owner.internals;
    db.exec('BEGIN');
    this.attemptStart = stmt.nextRowid.get() as number;
    this.numericSlots = Int32Array.from(h.numeric, (c) => owner.slotFor(c.name));
    this.nSlots = owner.internals.slots.size;
    this.present = new Float64Array(this.nSlots);
  }

  counts() {
    return { rowsAccepted: this.accepted, rowsRejected: this.rejected, rowsDuplicate: this.duplicate };
  }

  async consume(parser: ParserThread): Promise<'done' | 'cancelled'> {
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
      const batch = await parser.next();
      if (!batch) break;
      this.apply(batch);
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
    // Fold the file's WAL into the database so the WAL stays the size of one file.
    this.owner.internals.db.pragma('wal_checkpoint(PASSIVE)');
  }

  private reject(line: number, reason: string, raw: string): void {
    this.rejected++;
    this.inBatch++;
    this.owner.internals.stmt.insertReject.run(this.fileId, line, reason, raw.slice(0, MAX_RAW_CHARS));
  }

  /** Writes one parsed batch: drive ids, readings, duplicates told apart from conflicts. */
  private apply(b: ParsedBatch): void {
    const { stmt, driveIds } = this.owner.internals;
    for (const r of b.rejects) this.reject(r.line, r.reason, r.raw);
    if (b.rows === 0) return;
    const serials = b.serials.split('\n');
    const models = b.models.split('\n');
    let tagAt = 0;
    let blobStart = 0;
    for (let i = 0; i < b.rows; i++) {
      const blob = b.blobs.subarray(blobStart, b.blobEnd[i]);
      blobStart = b.blobEnd[i];
      let tagText: string | null = null;
      if (tagAt < b.tags.length && b.tags[tagAt][0] === i) tagText = b.tags[tagAt++][1];
      const serial = serials[i];
      const model = models[i];
      const day = b.day[i];
      const failure = b.failure[i];
      const capacity = b.capacity[i] === b.capacity[i] ? b.capacity[i] : null;
      let driveId = driveIds.get(serial);
      if (driveId === undefined) {
        driveId = Number(
          stmt.insertDrive.run(serial, model, capacity, day, day, this.fileId).lastInsertRowid,
        );
        driveIds.set(serial, driveId);
      }
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
          const raw = b.rawText.slice(b.rawStart[i], b.rawEnd[i]);
          this.reject(b.line[i], `duplicate of ${serial} on ${formatDay(day)} with different values`, raw);
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
      this.countPresent(blob);
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

  /** Adds one accepted row's filled columns to the fill-rate counts (read straight off its presence bitmap). */
  private countPresent(blob: Uint8Array): void {
    const n = blob[0] | (blob[1] << 8);
    const bytes = (n + 7) >> 3;
    for (let j = 0; j < bytes; j++) {
      let bits = blob[2 + j];
      while (bits !== 0) {
        const low = bits & -bits;
        this.present[j * 8 + (31 - Math.clz32(low))]++;
        bits ^= low;
      }
    }
  }
}
