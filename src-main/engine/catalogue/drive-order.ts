import type { Db } from '../store/db';

/** How long an order may be served after the store changed under it (an import commits every few seconds). */
const STALE_OK_MS = 2000;
/** Orders kept: a few filter and sort combinations an analyst flips between. */
const KEEP = 4;

interface Entry {
  ids: Int32Array;
  /** SQLite's data_version then: it moves when another connection (a job's worker) commits. */
  version: number;
  /** total_changes then: this connection's own writes (a run deleted). */
  changes: number;
  builtAt: number;
}

/**
 * The drive ids of one query (filters, sort) in order, built by one sorted scan
 * and kept, so that any page of the drives table, however deep, is a slice and
 * a hundred primary-key lookups. (LIMIT/OFFSET re-sorts 300,000 drives for every
 * page: ~0.6 s to jump to the middle.) An order is rebuilt after this
 * connection's own writes, after `clear()` (the engine calls it when a job
 * ends), and when a job's worker has committed since, at most once every
 * STALE_OK_MS while that goes on.
 */
export class DriveOrders {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly db: Db) {}

  ids(key: string, build: () => Int32Array): Int32Array {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    const changes = this.db.prepare('SELECT total_changes()').pluck().get() as number;
    const hit = this.entries.get(key);
    if (
      hit &&
      hit.changes === changes &&
      (hit.version === version || Date.now() - hit.builtAt < STALE_OK_MS)
    ) {
      // Most recently used last, so the oldest is the first to go.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.ids;
    }
    const entry = { ids: build(), version, changes, builtAt: Date.now() };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > KEEP) this.entries.delete(this.entries.keys().next().value as string);
    return entry.ids;
  }

  clear(): void {
    this.entries.clear();
  }
}
