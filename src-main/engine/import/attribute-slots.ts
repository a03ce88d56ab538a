import type { Db } from '../store/db';
import { smartColumnInfo, type Header } from './header';

/** Columns one file may add, and a workspace may hold (Backblaze's headers: 85 in 2013, 193 from 2023). */
const MAX_NEW_COLUMNS_PER_FILE = 256;
const MAX_COLUMNS = 2048;

/** Each CSV column's slot in a reading's values (the \`attributes\` table), handed out as new columns appear. */
export class AttributeSlots {
  private readonly slots = new Map<string, number>();
  /** The next free slot: one past the highest stored (the map may hold fewer names than that after a rollback). */
  private nextSlot = 0;
  private readonly insertAttr;

  constructor(private readonly db: Db) {
    this.insertAttr = db.prepare('INSERT INTO attributes(slot, name, smart_id, kind) VALUES (?,?,?,?)');
    this.load();
  }

  /** Slots in use (every reading stores this many values at most). */
  get count(): number {
    return this.nextSlot;
  }

  /** The slots as the database has them (after a rollback removed a file's new columns, too). */
  load(): void {
    this.slots.clear();
    this.nextSlot = 0;
    for (const r of this.db.prepare('SELECT slot, name FROM attributes').raw().iterate() as Iterable<
      [number, string]
    >) {
      this.slots.set(r[1], r[0]);
      this.nextSlot = Math.max(this.nextSlot, r[0] + 1);
    }
  }

  /**
   * Why a header adds more columns than drive data can (every later reading carries a bit per column), or null.
   * Backblaze's widest jump, an empty workspace meeting a 2023 header, adds under 200.
   */
  tooManyNew(h: Header): string | null {
    const fresh = h.numeric.filter((c) => !this.slots.has(c.name)).length;
    if (fresh > MAX_NEW_COLUMNS_PER_FILE)
      return `the header adds ${fresh} new columns; a file may add at most ${MAX_NEW_COLUMNS_PER_FILE}`;
    if (this.nextSlot + fresh > MAX_COLUMNS)
      return `the header would bring the workspace to ${this.nextSlot + fresh} columns; it holds at most ${MAX_COLUMNS}`;
    return null;
  }

  /** The column's slot, a new one (stored) the first time a name is seen. */
  slotFor(name: string): number {
    let slot = this.slots.get(name);
    if (slot === undefined) {
      slot = this.nextSlot++;
      const info = smartColumnInfo(name);
      this.insertAttr.run(slot, name, info?.id ?? null, info?.kind ?? 'extra');
      this.slots.set(name, slot);
    }
    return slot;
  }
}
