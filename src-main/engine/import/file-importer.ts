import type { ImportFileResult } from '../api-types';
import type { Db } from '../store/db';
import { AttributeSlots } from './attribute-slots';
import { DriveIds } from './drive-ids';
import { completeStoredFiles, DriveTallies } from './drive-tallies';
import { FileRun } from './file-run';
import { FormatError, parseHeader } from './header';
import { ImportStatements } from './import-statements';
import { ParserThread } from './parser-thread';
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

/** A header longer than this is not a header (Backblaze's widest is ~4 KB). */
const HEADER_MAX_BYTES = 64 * 1024;

/**
 * Imports one source into the store. The whole file's effect on drives and
 * attribute fill counts is applied in its final transaction, so a refused file
 * is undone exactly, and an interrupted one is completed by importing it again
 * (its own rows are recognised, not duplicated). See ARCHITECTURE.md.
 */
export class FileImporter {
  private readonly slots: AttributeSlots;
  private readonly statements: ImportStatements;
  private readonly drives: DriveIds;
  /** The stored files' tallies, written when the import ends; the current file's. */
  private readonly importTallies = new DriveTallies();
  private readonly fileTallies = new DriveTallies();
  private readonly storedFiles: number[] = [];
  private parser: ParserThread | null = null;

  constructor(private readonly db: Db) {
    // Bulk writes: checkpoint once per file (see finish) instead of every 4 MB of WAL.
    db.pragma('wal_autocheckpoint = 0');
    this.slots = new AttributeSlots(db);
    this.statements = new ImportStatements(db);
    // An import cut off after storing files leaves them for the next one to finish (before drives are read).
    completeStoredFiles(db);
    this.drives = new DriveIds(db, (id) => this.importTallies.lastDay(id));
  }

  async importSource(source: Source, hooks: FileHooks): Promise<ImportFileResult> {
    const sha = await source.sha256();
    const existing = this.statements.sql.fileBySha.get(sha) as { id: number; status: string } | undefined;
    const base = { name: source.name, rowsAccepted: 0, rowsRejected: 0, rowsDuplicate: 0 };
    if (existing?.status === 'done' || existing?.status === 'stored') {
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
    const tooWide = this.slots.tooManyNew(header);
    if (tooWide)
      return { ...base, status: 'refused', message: `${source.name}: ${tooWide}; nothing was written` };
    const now = new Date().toISOString();
    let fileId: number;
    if (existing) {
      fileId = existing.id;
      this.db.transaction(() => {
        this.statements.sql.restartFile.run(source.name, now, fileId);
        this.db.prepare('DELETE FROM rejected_rows WHERE file_id = ?').run(fileId);
      })();
    } else {
      fileId = Number(this.statements.sql.insertFile.run(source.name, source.size, sha, now).lastInsertRowid);
    }
    const parser = (this.parser ??= new ParserThread());
    const run = new FileRun(
      this.db,
      this.statements,
      this.drives,
      this.fileTallies,
      this.slots,
      fileId,
      header,
      hooks,
      () => parser.storedBytes,
    );
    parser.beginFile(source.location, headerLine, run.numericSlots, run.nSlots);
    try {
      const outcome = await run.consume(parser);
      if (outcome === 'cancelled') {
        // Its rows stay; importing it again completes it and counts them then.
        this.fileTallies.clear();
        parser.abort();
        await this.closeParser();
        return {
          ...base,
          ...run.counts(),
          status: 'interrupted',
          message: 'cancelled; import it again to complete it',
        };
      }
      this.importTallies.merge(this.fileTallies);
      this.fileTallies.clear();
      this.storedFiles.push(fileId);
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
      this.fileTallies.clear();
      this.undoFile(fileId);
      // The rollback removed the attributes this file added; the map must not keep handing out their slots.
      this.slots.load();
      this.drives.load();
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

  /** Writes the stored files' drive tallies and marks them done, ends the parse thread: once the import is over. */
  async close(): Promise<void> {
    await this.closeParser();
    if (this.storedFiles.length > 0) {
      this.importTallies.write(this.db, this.storedFiles);
      this.storedFiles.length = 0;
      this.db.pragma('wal_checkpoint(PASSIVE)');
    }
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
      this.db.prepare('DELETE FROM drives WHERE created_file_id = ? AND days_seen = 0').run(fileId);
      this.db.prepare('DELETE FROM files WHERE id = ?').run(fileId);
    })();
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
