import { sameReading } from '../store/readings-codec';
import type { Db } from '../store/db';
import type { AttributeSlots } from './attribute-slots';
import type { DriveIds } from './drive-ids';
import type { DriveTallies } from './drive-tallies';
import type { Header } from './header';
import type { FileHooks } from './file-importer';
import type { ImportStatements } from './import-statements';
import type { ParserThread } from './parser-thread';
import { formatDay } from './row-fields';
import type { ParsedBatch } from './row-parser';

/** Readings per INSERT statement. */
const GROUP = 64;
/** Rows per committed transaction: big enough to amortise the commit, small enough to keep the WAL modest. */
const BATCH_ROWS = 50_000;
/** A rejected line is stored for the analyst to read; junk lines can be megabytes, so cap them. */
const MAX_RAW_CHARS = 4_000;

/** The state of one file's import: counters, per-drive tallies, the open transaction. */
export class FileRun {
  private accepted = 0;
  private rejected = 0;
  private duplicate = 0;
  private inBatch = 0;
  private readonly present: Float64Array;
  readonly numericSlots: Int32Array;
  readonly nSlots: number;
  /** Rows below this rowid were written before this attempt began. */
  private readonly attemptStart: number;

  constructor(
    private readonly db: Db,
    private readonly statements: ImportStatements,
    private readonly drives: DriveIds,
    /** This file's effect on its drives' catalogue rows, handed to the import once the file is stored. */
    private readonly tallies: DriveTallies,
    slots: AttributeSlots,
    private readonly fileId: number,
    h: Header,
    private readonly hooks: FileHooks,
    private readonly storedBytes: () => number,
  ) {
    db.exec('BEGIN');
    this.attemptStart = statements.sql.nextRowid.get() as number;
    this.numericSlots = Int32Array.from(h.numeric, (c) => slots.slotFor(c.name));
    this.nSlots = slots.count;
    this.present = new Float64Array(this.nSlots);
  }

  counts() {
    return { rowsAccepted: this.accepted, rowsRejected: this.rejected, rowsDuplicate: this.duplicate };
  }

  async consume(parser: ParserThread): Promise<'done' | 'cancelled'> {
    for (;;) {
      if (this.hooks.isCancelled()) {
        this.commit();
        this.statements.sql.finishFile.run(
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
        this.db.exec('BEGIN');
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
    const { db } = this;
    const stmt = this.statements.sql;
    stmt.fileCounts.run(this.accepted, this.rejected, this.duplicate, this.fileId);
    db.exec('COMMIT');
    this.inBatch = 0;
  }

  /**
   * The last transaction: the file's attribute fill counts, and its status. The drives' tallies are the
   * import's to write (drive-tallies.ts): until then the file is 'stored'.
   */
  private finish(): void {
    const stmt = this.statements.sql;
    for (let slot = 0; slot < this.nSlots; slot++) {
      if (this.present[slot] > 0) stmt.applyAttr.run(this.present[slot], slot);
    }
    stmt.finishFile.run(
      'stored',
      this.accepted,
      this.rejected,
      this.duplicate,
      new Date().toISOString(),
      null,
      this.fileId,
    );
    this.db.exec('COMMIT');
    // Fold the file's WAL into the database so the WAL stays the size of one file.
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  private reject(line: number, reason: string, raw: string): void {
    this.rejected++;
    this.inBatch++;
    this.statements.sql.insertReject.run(this.fileId, line, reason, raw.slice(0, MAX_RAW_CHARS));
  }

  /**
   * Writes one parsed batch, GROUP rows per statement (one statement per row
   * costs more than the row). Each reading binds its drive's id from the
   * writer's map (new drives are written first). A group that inserts fewer
   * readings than it holds had a conflict; only then is each of its rows
   * looked at one by one.
   */
  private apply(b: ParsedBatch): void {
    const stmt = this.statements.sql;
    for (const r of b.rejects) this.reject(r.line, r.reason, r.raw);
    if (b.rows === 0) return;
    const serials = b.serials.split('\n');
    const models = b.models.split('\n');
    const tags: (string | null)[] = new Array<string | null>(b.rows).fill(null);
    if (b.tagRows.length > 0) {
      const json = b.tagJson.split('\n');
      b.tagRows.forEach((row, k) => (tags[row] = json[k]));
    }
    const ids = new Int32Array(GROUP);
    const rp: unknown[] = [];
    for (let g = 0; g < b.rows; g += GROUP) {
      const n = Math.min(GROUP, b.rows - g);
      rp.length = n * 6;
      for (let k = 0; k < n; k++) {
        const i = g + k;
        ids[k] = this.drives.idFor(serials[i], models[i], b.capacity[i], b.day[i], this.fileId);
        rp[k * 6] = b.day[i];
        rp[k * 6 + 1] = ids[k];
        rp[k * 6 + 2] = b.failure[i];
        rp[k * 6 + 3] = this.fileId;
        rp[k * 6 + 4] = b.blobs.subarray(i === 0 ? 0 : b.blobEnd[i - 1], b.blobEnd[i]);
        rp[k * 6 + 5] = tags[i];
      }
      this.drives.flush();
      const res = this.statements.insertReadings(n).run(rp);
      if (res.changes === n) {
        for (let k = 0; k < n; k++) this.accept(b, g + k, ids[k]);
        continue;
      }
      // Rows this statement wrote have the last `changes` rowids (one writer, append-only).
      // (With no row written, lastInsertRowid still names an older statement's row.)
      const firstNew = res.changes === 0 ? Infinity : Number(res.lastInsertRowid) - res.changes + 1;
      const claimed = new Set<number>();
      for (let k = 0; k < n; k++) {
        const i = g + k;
        const blob = rp[k * 6 + 4] as Uint8Array;
        const old = stmt.getReading.get(b.day[i], ids[k]) as {
          rowid: number;
          failure: number;
          file_id: number;
          vals: Buffer;
          tags: string | null;
        };
        if (old.rowid >= firstNew && !claimed.has(old.rowid)) {
          claimed.add(old.rowid);
          this.accept(b, i, ids[k]);
          continue;
        }
        const same = old.failure === b.failure[i] && old.tags === tags[i] && sameReading(old.vals, blob);
        if (!same) {
          const raw = Buffer.from(b.raw.buffer, b.raw.byteOffset, b.raw.byteLength).toString(
            'latin1',
            b.rawStart[i],
            b.rawEnd[i],
          );
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
          this.accept(b, i, ids[k]);
        }
      }
    }
  }

  private accept(b: ParsedBatch, i: number, driveId: number): void {
    this.accepted++;
    this.inBatch++;
    this.countPresent(b.blobs, i === 0 ? 0 : b.blobEnd[i - 1]);
    this.tallies.add(driveId, b.day[i], b.failure[i]);
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
