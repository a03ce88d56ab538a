import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrations';
import { decodeSlot } from './readings-codec';

export type Db = Database.Database;

export interface OpenOptions {
  readonly?: boolean;
}

/**
 * Opens (creating if needed) a workspace database: WAL so the UI's reader never
 * waits for the importer's writer, migrations applied on open.
 */
export function openDb(file: string, opts: OpenOptions = {}): Db {
  if (file !== ':memory:' && !opts.readonly) mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  try {
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('busy_timeout = 5000');
    // The writer keeps more pages hot than a reader needs; both stay well inside the memory budget.
    db.pragma(`cache_size = ${opts.readonly ? -16384 : -32768}`);
    db.pragma('foreign_keys = OFF'); // integrity is kept by the importer; checks would double insert cost
    if (!opts.readonly) migrate(db, file);
    // Lets ad-hoc SQL read one column out of a readings blob: smart(vals, slot).
    db.function('smart', { deterministic: true }, (vals: unknown, slot: unknown) =>
      vals instanceof Uint8Array && typeof slot === 'number' ? decodeSlot(vals, slot) : null,
    );
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
