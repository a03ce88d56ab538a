import type { ImportFileResult } from '../api-types';
import type { Statement } from 'better-sqlite3';
import { sameReading } from '../store/readings-codec';
import type { Db } from '../store/db';
import { FormatError, parseHeader, smartColumnInfo, type Header } from './header';
import { formatDay } from './row-fields';
import { ParserThread } from './parser-thread';
import type { ParsedBatch } from './row-parser';
import type { Source } from './sources';

export type FileStatus = ImportFileResult['status'];

export interface FileProgress {
  storedBytes: number;
  rows: number;
}

export interface FileHooks {
  onProgress(p: FileProgress): void;
  isCancelled(): boolean;
}

/** Readings per INSERT statement. */
const GROUP = 64;
/** Rows per committed transaction: big enough to amortise the commit, small enough to keep the WAL modest. */
const BATCH_ROWS = 50_000;
/** A rejected line is stored for the analyst to read; junk lines can be megabytes, so cap them. */
const MAX_RAW_CHARS = 4_000;
/** Columns one file may add, and a workspace may hold (Backblaze's headers: 85 in 2013, 193 from 2023). */
const MAX_NEW_COLUMNS_PER_FILE = 256;
const MAX_COLUMNS = 2048;
/** A header longer than this is not a header (Backblaze's widest is ~4 KB). */
const HEADER_MAX_BYTES = 64 * 1024;

/**
 * Imports one source into the store. The whole file's effect on drives and
 * attribute fill counts is applied in its final transaction, so a refused file
 * is undone exactly, and an interrupted one is completed by importing it again
 * (its own rows are recognised, not duplicated). See ARCHITECTURE.md.
 */
export class FileImporter {
  private readonly slots = new Map<string, number>();
  /** The next free slot: one past the highest stored (the map may hold fewer names than that after a rollback). */
  private nextSlot = 0;
  private readonly stmt;
  private parser: ParserThread | null = null;

  constructor(private readonly db: Db) {
    // Bulk writes: checkpoint once per file (see finish) instead of every 4 MB of WAL.
    db.pragma('wal_autocheckpoint = 0');
    this.loadSlots();
    this.stmt = {
      getReading: db.prepare(
        'SELECT rowid, failure, file_id, vals, tags FROM readings WHERE day = ? AND drive_id = (SELECT id FROM drives WHERE serial = ?)',
      ),
      nextRowid: db.prepare('SELECT coalesce(max(rowid), 0) + 1 FROM readings').pluck(),
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
      // The file's effect on the catalogue, one day at a time, inside SQLite: every drive
      // with a reading of this file on that day (found through the (day, drive) index).
      applyDay: db.prepare(
        `UPDATE drives SET
           first_day   = CASE WHEN days_seen = 0 THEN @day ELSE min(first_day, @day) END,
           last_day    = CASE WHEN days_seen = 0 THEN @day ELSE max(last_day, @day) END,
           days_seen   = days_seen + 1,
           failure_day = CASE WHEN r.failure = 1 THEN @day ELSE failure_day END
         FROM (SELECT drive_id, failure FROM readings WHERE day = @day AND file_id = @file) AS r
         WHERE drives.id = r.drive_id`,
      ),
      applyAttr: db.prepare('UPDATE attributes SET present_rows = present_rows + ? WHERE slot = ?'),
    };
  }

  async importSource(source: Source, hooks: FileHooks): Promise<ImportFileResult> {
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
    // The header is read and checked before anything is written: a file that is
    // not a Backblaze CSV leaves no trace. The parse thread then reads the file itself.
    let headerLine: string;
    const stream = await source.open(() => undefined);
    try {
      headerLine = await readHeaderLine((stream as AsyncIterable<Buffer>)[Symbol.asyncIterator](), []);
      parseHeader(headerLine);
    } catch (err) {
      return { ...base, status: 'refused', message: `${source.name}: ${describe(err)}` };
    } finally {
      stream.destroy();
    }
    const header = parseHeader(headerLine);
    const tooWide = this.tooManyNewColumns(header);
    if (tooWide)
      return { ...base, status: 'refused', message: `${source.name}: ${tooWide}; nothing was written` };
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
    const parser = (this.parser ??= new ParserThread());
    const run = new FileRun(this, fileId, header, hooks, () => parser.storedBytes);
    parser.beginFile(source.location, headerLine, run.numericSlots, run.nSlots);
    try {
      const outcome = await run.consume(parser);
      if (outcome === 'cancelled') {
        parser.abort();
        await this.closeParser();
        return {
          ...base,
          ...run.counts(),
          status: 'interrupted',
          message: 'cancelled; import it again to complete it',
        };
      }
      const c = run.counts();
      const notice =
        c.rowsAccepted + c.rowsRejected + c.rowsDuplicate === 0
          ? 'the file has a header but no data rows'
          : undefined;
      return { ...base, ...c, status: 'imported', message: notice };
    } catch (err) {
      parser.abort();
      // The parser may still hold this file's batches: start afresh for the next one.
      await this.closeParser();
      this.undoFile(fileId);
      // The rollback removed the attributes this file added; the map must not keep handing out their slots.
      this.loadSlots();
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

  /**
   * Why a header adds more columns than drive data can (every later reading carries a bit per column), or null.
   * Backblaze's widest jump, an empty workspace meeting a 2023 header, adds under 200.
   */
  private tooManyNewColumns(h: Header): string | null {
    const fresh = h.numeric.filter((c) => !this.slots.has(c.name)).length;
    if (fresh > MAX_NEW_COLUMNS_PER_FILE)
      return `the header adds ${fresh} new columns; a file may add at most ${MAX_NEW_COLUMNS_PER_FILE}`;
    if (this.nextSlot + fresh > MAX_COLUMNS)
      return `the header would bring the workspace to ${this.nextSlot + fresh} columns; it holds at most ${MAX_COLUMNS}`;
    return null;
  }

  /** The attribute slots as the database has them. */
  private loadSlots(): void {
    this.slots.clear();
    this.nextSlot = 0;
    for (const r of this.db.prepare('SELECT slot, name FROM attributes').raw().iterate() as Iterable<
      [number, string]
    >) {
      this.slots.set(r[1], r[0]);
      this.nextSlot = Math.max(this.nextSlot, r[0] + 1);
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
      this.db.prepare('DELETE FROM drives WHERE created_file_id = ? AND days_seen = 0').run(fileId);
      this.db.prepare('DELETE FROM files WHERE id = ?').run(fileId);
    })();
  }

  /** @internal the per-file loop needs these; kept here so they outlive one file. */
  get internals() {
    return {
      db: this.db,
      stmt: this.stmt,
      slots: this.slots,
      slotCount: this.nextSlot,
    };
  }

  private readonly insertCache = new Map<number, Statement>();
  private readonly upsertCache = new Map<number, Statement>();

  /**
   * Adds n drives not seen before; for a known serial whose model or capacity
   * differs on a day at least as late as its last, takes the new one (a drive
   * renamed between eras, Hitachi -> HGST). Otherwise a no-op index probe.
   */
  upsertDrives(n: number): Statement {
    let st = this.upsertCache.get(n);
    if (!st) {
      const rows = Array.from({ length: n }, () => '(?,?,?,?,?,0,?)').join(',');
      st = this.db.prepare(
        `INSERT INTO drives(serial, model, capacity, first_day, last_day, days_seen, created_file_id) VALUES ${rows}
         ON CONFLICT(serial) DO UPDATE SET model = excluded.model, capacity = excluded.capacity
         WHERE excluded.first_day >= drives.last_day
           AND (drives.model IS NOT excluded.model OR drives.capacity IS NOT excluded.capacity)`,
      );
      this.upsertCache.set(n, st);
    }
    return st;
  }

  /** INSERT of n readings in one statement (prepared once per size). */
  insertReadings(n: number): Statement {
    let st = this.insertCache.get(n);
    if (!st) {
      const rows = Array.from(
        { length: n },
        () => '(?,(SELECT id FROM drives WHERE serial = ?),?,?,?,?)',
      ).join(',');
      st = this.db.prepare(
        `INSERT INTO readings(day, drive_id, failure, file_id, vals, tags) VALUES ${rows} ON CONFLICT(day, drive_id) DO NOTHING`,
      );
      this.insertCache.set(n, st);
    }
    return st;
  }

  slotFor(name: string): number {
    let slot = this.slots.get(name);
    if (slot === undefined) {
      slot = this.nextSlot++;
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
    if (nl > HEADER_MAX_BYTES || (nl < 0 && bytes > HEADER_MAX_BYTES))
      throw new FormatError(`the first line is longer than ${HEADER_MAX_BYTES >> 10} KiB: not a CSV header`);
    if (nl >= 0) return headerText(all, nl);
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
  /** Days this file has readings for. */
  private readonly days = new Set<number>();
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
    this.nSlots = owner.internals.slotCount;
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
    for (const day of [...this.days].sort((a, b) => a - b)) stmt.applyDay.run({ day, file: this.fileId });
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

  /**
   * Writes one parsed batch, GROUP rows per statement (one statement per row
   * costs more than the row). Drives are resolved inside SQLite: an upsert adds
   * new serials (and takes a renamed model from the newest day), and each
   * reading finds its drive by serial through the unique index. A group that
   * inserts fewer readings than it holds had a conflict; only then is each of
   * its rows looked at one by one.
   */
  private apply(b: ParsedBatch): void {
    const { stmt } = this.owner.internals;
    for (const r of b.rejects) this.reject(r.line, r.reason, r.raw);
    if (b.rows === 0) return;
    const serials = b.serials.split('\n');
    const models = b.models.split('\n');
    const tags: (string | null)[] = new Array<string | null>(b.rows).fill(null);
    for (const [i, t] of b.tags) tags[i] = t;
    const dp: unknown[] = [];
    const rp: unknown[] = [];
    for (let g = 0; g < b.rows; g += GROUP) {
      const n = Math.min(GROUP, b.rows - g);
      dp.length = n * 6;
      rp.length = n * 6;
      for (let k = 0; k < n; k++) {
        const i = g + k;
        const capacity = b.capacity[i] === b.capacity[i] ? b.capacity[i] : null;
        dp[k * 6] = serials[i];
        dp[k * 6 + 1] = models[i];
        dp[k * 6 + 2] = capacity;
        dp[k * 6 + 3] = b.day[i];
        dp[k * 6 + 4] = b.day[i];
        dp[k * 6 + 5] = this.fileId;
        rp[k * 6] = b.day[i];
        rp[k * 6 + 1] = serials[i];
        rp[k * 6 + 2] = b.failure[i];
        rp[k * 6 + 3] = this.fileId;
        rp[k * 6 + 4] = b.blobs.subarray(i === 0 ? 0 : b.blobEnd[i - 1], b.blobEnd[i]);
        rp[k * 6 + 5] = tags[i];
      }
      this.owner.upsertDrives(n).run(dp);
      const res = this.owner.insertReadings(n).run(rp);
      if (res.changes === n) {
        for (let k = 0; k < n; k++) this.accept(b, g + k);
        continue;
      }
      // Rows this statement wrote have the last `changes` rowids (one writer, append-only).
      // (With no row written, lastInsertRowid still names an older statement's row.)
      const firstNew = res.changes === 0 ? Infinity : Number(res.lastInsertRowid) - res.changes + 1;
      const claimed = new Set<number>();
      for (let k = 0; k < n; k++) {
        const i = g + k;
        const blob = rp[k * 6 + 4] as Uint8Array;
        const old = stmt.getReading.get(b.day[i], serials[i]) as {
          rowid: number;
          failure: number;
          file_id: number;
          vals: Buffer;
          tags: string | null;
        };
        if (old.rowid >= firstNew && !claimed.has(old.rowid)) {
          claimed.add(old.rowid);
          this.accept(b, i);
          continue;
        }
        const same = old.failure === b.failure[i] && old.tags === tags[i] && sameReading(old.vals, blob);
        if (!same) {
          const raw = b.rawText.slice(b.rawStart[i], b.rawEnd[i]);
          this.reject(
            b.line[i],
            `duplicate of ${serials[i]} on ${formatDay(b.day[i])} with different values`,
            raw,
          );
        } else if (old.file_id !== this.fileId || old.rowid >= this.attemptStart) {
          this.duplicate++;
          this.inBatch++;
        } else {
          // This file's own row, written by an earlier attempt that was cut off: accepted again.
          claimed.add(old.rowid);
          this.accept(b, i);
        }
      }
    }
  }

  private accept(b: ParsedBatch, i: number): void {
    this.accepted++;
    this.inBatch++;
    this.countPresent(b.blobs, i === 0 ? 0 : b.blobEnd[i - 1]);
    this.days.add(b.day[i]);
  }

  /** Adds one accepted row's filled columns to the fill-rate counts (read straight off its presence bitmap). */
  private countPresent(blobs: Uint8Array, at: number): void {
    const n = blobs[at] | (blobs[at + 1] << 8);
    const bytes = (n + 7) >> 3;
    for (let j = 0; j < bytes; j++) {
      let bits = blobs[at + 2 + j];
      while (bits !== 0) {
        const low = bits & -bits;
        this.present[j * 8 + (31 - Math.clz32(low))]++;
        bits ^= low;
      }
    }
  }
}
