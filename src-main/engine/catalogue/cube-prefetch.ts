import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import type { Db } from '../store/db';
import { spawnWorker } from '../worker-spawn';
import { loadCube, type SeriesCube } from './windows';

/** One slice of a scoring: drive ids [lo, hi), optionally only some days. */
export interface CubeSliceSpec {
  lo: number;
  hi: number;
  fromDay?: number;
  toDay?: number;
}

/** Cubes a loader may have ready beyond the one being scored: memory holds at most this many more. */
export const AHEAD = 2;

/**
 * A scoring's cubes, slice after slice. Reading a slice's readings is a third of a day's update and of a full
 * scoring; on a second core it overlaps with scoring the slice before. `next()` is synchronous (it waits on the
 * loader with Atomics), so a scoring can take cubes inside a SQLite transaction. One slice, or a database with no
 * file, is read on this thread.
 */
export class CubePrefetch {
  private readonly worker: Worker | null = null;
  private readonly port: MessageChannel['port1'] | null = null;
  private readonly counts: Int32Array | null = null;
  private taken = 0;

  constructor(
    private readonly db: Db,
    private readonly features: string[],
    private readonly slices: CubeSliceSpec[],
    opts: { thread?: boolean } = {},
  ) {
    const file = db.memory ? null : db.name;
    if (!file || !(opts.thread ?? slices.length > 1)) return;
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(8);
    this.port = port1;
    this.counts = new Int32Array(signal);
    this.worker = spawnWorker(
      'cube-worker',
      join(__dirname, 'cube-worker.ts'),
      { dbPath: file, features, slices, port: port2, signal },
      undefined,
      [port2],
    );
    this.worker.unref();
  }

  /** The next slice's cube (in the order given). */
  next(): SeriesCube {
    const k = this.taken++;
    if (!this.worker) return loadCube(this.db, this.features, this.slices[k]);
    const counts = this.counts!;
    for (;;) {
      const posted = Atomics.load(counts, 0);
      if (posted > k) break;
      // A loader that died without a word would leave this waiting: look again every second.
      if (Atomics.wait(counts, 0, posted, 1000) === 'timed-out' && this.worker.threadId < 0)
        throw new Error('the cube loader stopped');
    }
    const got = receiveMessageOnPort(this.port!);
    if (!got) throw new Error('the cube loader posted no cube');
    Atomics.add(counts, 1, 1);
    Atomics.notify(counts, 1);
    const message = got.message as { cube?: SeriesCube; error?: string };
    if (message.error) throw new Error(`loading slice ${k + 1}: ${message.error}`);
    return message.cube!;
  }

  /** Stops the loader (a scoring cancelled or failed leaves slices unread). */
  close(): void {
    void this.worker?.terminate();
    this.port?.close();
  }
}
