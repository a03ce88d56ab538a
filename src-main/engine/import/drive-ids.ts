import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db';

/**
 * The writer's map from serial number to drive id, with each drive's model, capacity and last day, loaded once
 * per import. Readings then bind their drive id directly: no serial lookup inside SQLite per reading, and no
 * upsert per row for the drives the workspace already knows (a day of 300,000 known drives spent more time in
 * those two index probes than in writing the readings). Only one importer writes a workspace at a time (the
 * import lock), so the map cannot go stale under it; after a rolled-back file it is loaded again.
 */
export class DriveIds {
  private readonly ids = new Map<string, number>();
  /** By drive id: its model (interned: a fleet has a few hundred), capacity (NaN = none) and last day. */
  private models: string[] = [];
  private capacity = new Float64Array(0);
  private lastDay = new Int32Array(0);
  private readonly modelNames = new Map<string, string>();
  private nextId = 1;
  /** New drives of the current group, written by `flush` before its readings. */
  private readonly pending: unknown[] = [];
  private readonly insertCache = new Map<number, Statement>();
  private readonly rename: Statement;

  /** `pendingLastDay`: a drive's latest day among this import's readings not yet in its catalogue row. */
  constructor(
    private readonly db: Db,
    private readonly pendingLastDay: (id: number) => number = () => 0,
  ) {
    this.rename = db.prepare('UPDATE drives SET model = ?, capacity = ? WHERE id = ?');
    this.load();
  }

  /** The drives as the database has them (after a rollback removed a file's new drives, too). */
  load(): void {
    this.ids.clear();
    this.pending.length = 0;
    this.models = [];
    this.nextId = 1;
    const rows = this.db
      .prepare('SELECT id, serial, model, capacity, last_day FROM drives ORDER BY id')
      .raw()
      .iterate() as Iterable<[number, string, string, number | bigint | null, number]>;
    let capacity = new Float64Array(1024);
    let lastDay = new Int32Array(1024);
    for (const [id, serial, model, cap, last] of rows) {
      if (id >= capacity.length) {
        capacity = grown(capacity, id + 1);
        lastDay = grown(lastDay, id + 1);
      }
      this.ids.set(serial, id);
      this.models[id] = this.intern(model);
      capacity[id] = cap === null ? NaN : Number(cap);
      lastDay[id] = Math.max(last, this.pendingLastDay(id));
      this.nextId = id + 1;
    }
    this.capacity = capacity;
    this.lastDay = lastDay;
  }

  /**
   * The drive id of a reading's serial. A serial not seen before gets the next id and is queued for `flush`; a
   * known drive whose model or capacity differs on a day at least as late as its last takes the new ones (a drive
   * renamed between eras, Hitachi -> HGST), while an older file does not rename it.
   */
  idFor(serial: string, model: string, capacity: number, day: number, fileId: number): number {
    const known = this.ids.get(serial);
    if (known === undefined) {
      const id = this.nextId++;
      this.ensure(id);
      this.ids.set(serial, id);
      this.models[id] = this.intern(model);
      this.capacity[id] = capacity;
      this.lastDay[id] = day;
      this.pending.push(id, serial, model, capacity === capacity ? capacity : null, day, day, fileId);
      return id;
    }
    if (day >= this.lastDay[known]) {
      this.lastDay[known] = day;
      const cap = this.capacity[known];
      const sameCapacity = cap === capacity || (cap !== cap && capacity !== capacity);
      if (this.models[known] !== model || !sameCapacity) {
        this.flush();
        this.models[known] = this.intern(model);
        this.capacity[known] = capacity;
        this.rename.run(model, capacity === capacity ? capacity : null, known);
      }
    }
    return known;
  }

  /** Writes the queued new drives (one statement for a group of them). */
  flush(): void {
    const n = this.pending.length / 7;
    if (n === 0) return;
    let st = this.insertCache.get(n);
    if (!st) {
      const rows = Array.from({ length: n }, () => '(?,?,?,?,?,?,0,?)').join(',');
      st = this.db.prepare(
        `INSERT INTO drives(id, serial, model, capacity, first_day, last_day, days_seen, created_file_id) VALUES ${rows}`,
      );
      this.insertCache.set(n, st);
    }
    st.run(this.pending);
    this.pending.length = 0;
  }

  private intern(model: string): string {
    let m = this.modelNames.get(model);
    if (m === undefined) {
      m = model;
      this.modelNames.set(m, m);
    }
    return m;
  }

  private ensure(id: number): void {
    if (id < this.capacity.length) return;
    this.capacity = grown(this.capacity, id + 1);
    this.lastDay = grown(this.lastDay, id + 1);
  }
}

function grown<T extends Float64Array | Int32Array>(a: T, need: number): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}
